package io.connscope.demo;

import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Watches the kernel's keep-alive timer on a client socket while its request waits ({@code /proc/net/tcp}, every
 * 50 ms): whether it was armed, and the longest time to its expiry seen. The kernel restarts it at the socket's
 * keep-alive idle time, then at its probe interval, so the longest seen is that setting (less a sampling step):
 * the ground truth for the settings connscope reports.
 */
final class KeepaliveTimerWatch {

    private final Thread sampler;
    private volatile long longestMillis = -1;

    /** {@code clientPort} may be 0 until the client has connected. */
    KeepaliveTimerWatch(String name, IntSupplier clientPort, int serverPort, long forMillis) {
        sampler = new Thread(() -> {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(forMillis);
            while (System.nanoTime() < until) {
                int port = clientPort.getAsInt();
                long left = port > 0 ? KernelTcp.keepaliveTimerMillis(port, serverPort) : -1;
                if (left > longestMillis) {
                    longestMillis = left;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, name);
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Stops watching (the request has its answer). */
    void stop() throws InterruptedException {
        sampler.interrupt();
        sampler.join(2000);
    }

    boolean armed() {
        return longestMillis >= 0;
    }

    /** The longest time to the timer's expiry seen, in ms; -1 when never armed. */
    long longestMillis() {
        return longestMillis;
    }

    /**
     * Whether the kernel's timer fits keep-alive settings of {@code idleSeconds} and {@code intervalSeconds}: never
     * further off than the longer of the two; and, on a connection that {@code stayedSilent} (the kernel then
     * restarts the timer at the full setting), once at least that less 250 ms (50 ms samples, a loaded machine).
     * Bytes arriving in between (HTTP/2 PING ACKs) make the kernel restart it for what is left of the idle time.
     */
    boolean fits(int idleSeconds, int intervalSeconds, boolean stayedSilent) {
        long setting = TimeUnit.SECONDS.toMillis(Math.max(idleSeconds, intervalSeconds));
        return longestMillis >= 0 && longestMillis <= setting + KernelTcp.TICK_MILLIS
                && (!stayedSilent || longestMillis > setting - 250);
    }
}
