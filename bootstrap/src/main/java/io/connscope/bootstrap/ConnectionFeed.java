package io.connscope.bootstrap;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What connscope reports, handed to code in the same JVM: every finished connection as the JSON object it writes
 * to the JSON Lines file ({@code "type":"connection"}), whether or not a file is configured. The demo application
 * subscribes to it to print connscope's view of each scenario beside what it did itself.
 *
 * <p>On the boot class path so that an application finds it by name from any class loader, without depending on
 * the agent ({@code Class.forName("io.connscope.bootstrap.ConnectionFeed")} fails when no agent is attached).
 * Subscribers are called on connscope's reporter thread, in the order connections are reported; they must return
 * quickly, and whatever they throw is ignored.
 */
public final class ConnectionFeed {

    private static final CopyOnWriteArrayList<Consumer<String>> SUBSCRIBERS = new CopyOnWriteArrayList<>();
    /** Where connscope writes its HTML report at exit: connscope.report.file, or what an application asked for. */
    private static volatile String reportFile;

    private ConnectionFeed() {
    }

    public static void subscribe(Consumer<String> subscriber) {
        SUBSCRIBERS.add(subscriber);
    }

    public static void unsubscribe(Consumer<String> subscriber) {
        SUBSCRIBERS.remove(subscriber);
    }

    /** True when someone listens: the reporter builds the JSON only then (or when it writes the file anyway). */
    public static boolean active() {
        return !SUBSCRIBERS.isEmpty();
    }

    /**
     * Asks connscope for its HTML report at exit, in {@code file}, when {@code connscope.report.file} does not name
     * one already; returns the file it will be written to. The demo asks so that its two-command quick start ends
     * with a report. Call it before the connections of interest: the report holds what is reported after.
     */
    public static synchronized String requestReport(String file) {
        if (reportFile == null) {
            reportFile = file;
        }
        return reportFile;
    }

    /** The report's file, or null for none. */
    public static String reportFile() {
        return reportFile;
    }

    /** Called by the agent at start with connscope.report.file: it wins over any {@link #requestReport}. */
    public static synchronized void configureReport(String file) {
        reportFile = file;
    }

    /** Called by the reporter with one connection's JSON object. */
    public static void publish(String connectionJson) {
        for (Consumer<String> s : SUBSCRIBERS) {
            try {
                s.accept(connectionJson);
            } catch (Throwable ignored) {
                // A subscriber's trouble never stops connscope's reports.
            }
        }
    }
}
