package io.connscope.bench;

import java.io.IOException;

/**
 * The startup workload: a trivial main, timed from process start to exit with and without an agent. With
 * {@code wait} it is the attach workload's target instead: it says {@code ready PID} and runs until stdin ends.
 */
public final class Hello {
    public static void main(String[] args) throws IOException {
        if (args.length > 0 && args[0].equals("wait")) {
            System.out.println("ready " + ProcessHandle.current().pid());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the driver closes stdin or says exit
            }
            return;
        }
        System.out.println("hello");
    }
}
