package io.connscope.demo;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What connscope reported, in this JVM: the agent hands every finished connection, as the JSON object it writes
 * to its JSON Lines file, to {@code io.connscope.bootstrap.ConnectionFeed}, which it puts on the boot class path.
 * The demo subscribes by name, so it runs without the agent too (and then says it cannot compare).
 */
final class ConnscopeView {

    private final List<SeenConnection> seen = new ArrayList<>();
    private final boolean attached;

    private ConnscopeView(boolean attached) {
        this.attached = attached;
    }

    /** Subscribes to connscope's feed when the agent is attached. */
    static ConnscopeView subscribe() {
        try {
            Class<?> feed = Class.forName("io.connscope.bootstrap.ConnectionFeed");
            ConnscopeView view = new ConnscopeView(true);
            Consumer<String> subscriber = view::onConnection;
            Method subscribe = feed.getMethod("subscribe", Consumer.class);
            subscribe.invoke(null, subscriber);
            return view;
        } catch (ReflectiveOperationException | LinkageError e) {
            return new ConnscopeView(false);
        }
    }

    boolean attached() {
        return attached;
    }

    /**
     * Asks connscope for its HTML report at exit, in {@code file}, unless connscope.report.file names one already;
     * returns the file it will be in, or null when connscope is not attached (or is older than the report).
     */
    static String requestReport(String file) {
        try {
            Class<?> feed = Class.forName("io.connscope.bootstrap.ConnectionFeed");
            return (String) feed.getMethod("requestReport", String.class).invoke(null, file);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    private void onConnection(String json) {
        SeenConnection c = new SeenConnection(JsonObject.parse(json));
        synchronized (seen) {
            seen.add(c);
            seen.notifyAll();
        }
    }

    /**
     * Waits (at most {@code timeoutMillis}) until connscope has reported {@code expected} connections that match,
     * then a little longer for any surplus, and returns them all. Fewer come back when connscope reported fewer.
     */
    List<SeenConnection> await(Predicate<SeenConnection> filter, int expected, long timeoutMillis)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (seen) {
            while (attached && count(filter) < expected) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    break;
                }
                seen.wait(left);
            }
        }
        // A connection beyond the expected ones would be reported right behind them: give it a moment.
        Thread.sleep(attached ? 150 : 0);
        synchronized (seen) {
            List<SeenConnection> out = new ArrayList<>();
            for (SeenConnection c : seen) {
                if (filter.test(c)) {
                    out.add(c);
                }
            }
            seen.removeIf(filter);
            return out;
        }
    }

    /** Forgets everything reported so far (before a scenario, so that nothing piles up in --loop). */
    void clear() {
        synchronized (seen) {
            seen.clear();
        }
    }

    private int count(Predicate<SeenConnection> filter) {
        int n = 0;
        for (SeenConnection c : seen) {
            if (filter.test(c)) {
                n++;
            }
        }
        return n;
    }
}
