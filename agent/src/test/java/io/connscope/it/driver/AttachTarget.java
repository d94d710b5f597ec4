package io.connscope.it.driver;

import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * A JVM started without connscope, for the attach tests: prints {@code READY pid}, waits for a line on stdin (the
 * test attaches meanwhile), then runs the {@link OtelScenario} (two HTTP connections seen from both sides and a
 * refused connect) and exits.
 */
public final class AttachTarget {

    private AttachTarget() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(55_000);
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        OtelScenario.main(new String[0]);
    }
}
