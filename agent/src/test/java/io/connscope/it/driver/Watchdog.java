package io.connscope.it.driver;

import java.util.Map;

/**
 * Bounds the whole driver run: blocking channel calls have no timeout of their own, so if anything hangs the
 * watchdog prints every thread's stack to stderr and halts the JVM with exit code 3.
 */
public final class Watchdog {

    private Watchdog() {
    }

    public static void start(long millis) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("WATCHDOG: driver still running after " + millis + " ms; thread dump follows");
            for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
                System.err.println("\"" + e.getKey().getName() + "\" " + e.getKey().getState());
                for (StackTraceElement el : e.getValue()) {
                    System.err.println("    at " + el);
                }
            }
            System.err.flush();
            Runtime.getRuntime().halt(3);
        }, "driver-watchdog");
        t.setDaemon(true);
        t.start();
    }
}
