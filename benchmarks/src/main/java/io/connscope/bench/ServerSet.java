package io.connscope.bench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One fresh JVM set: a server JVM per variant, started one after the other and stopped together. A workload that
 * measures several sets (each started fresh, the rounds of all of them feeding the same {@link Rounds} and
 * {@link CpuTime} under a global round index, {@link #round}) sees the spread of the JIT's decisions, which differ
 * from one JVM start to the next, instead of the luck of one start.
 */
final class ServerSet implements AutoCloseable {

    private final Map<Variant, Processes.Background> servers = new EnumMap<>(Variant.class);

    /**
     * Starts {@code command.apply(v)} for every variant and waits for each to print {@code ready}, whose first group
     * is its port. What started is stopped when a later start fails.
     */
    static ServerSet start(Processes processes, Function<Variant, List<String>> command, Pattern ready,
                           long timeoutSeconds) throws Exception {
        ServerSet set = new ServerSet();
        try {
            for (Variant v : Variant.values()) {
                set.servers.put(v, processes.startAndAwait(command.apply(v), ready, timeoutSeconds));
            }
            return set;
        } catch (Exception | Error e) {
            set.close();
            throw e;
        }
    }

    int port(Variant v) {
        return Integer.parseInt(servers.get(v).ready.group(1));
    }

    /** Group {@code group} of what {@code v}'s server printed to say it was ready. */
    String ready(Variant v, int group) {
        return servers.get(v).ready.group(group);
    }

    long pid(Variant v) {
        return servers.get(v).process.pid();
    }

    /** The index of round {@code round} of set {@code set}, over all sets: for {@link Bench#order} and the tallies. */
    static int round(int set, int roundsPerSet, int round) {
        return set * roundsPerSet + round;
    }

    /** Stops every server (SIGTERM, then SIGKILL), so that no agent's threads run into what comes next. */
    @Override
    public void close() throws InterruptedException {
        List<Processes.Background> started = new ArrayList<>(servers.values());
        servers.clear();
        for (Processes.Background b : started) {
            b.stop();
        }
    }
}
