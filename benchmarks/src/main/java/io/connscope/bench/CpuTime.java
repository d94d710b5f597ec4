package io.connscope.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The CPU time (user and system, all threads) the JVM under test spent per request in a workload's measured runs,
 * by variant: what an agent costs a request in microseconds, its own threads' work included. For a saturated server
 * pinned to its CPU that is about the inverse of its rate; for a client loop, which also waits for nginx, it is the
 * part of a request's time the JVM spends, which its rate does not show. Read from {@code /proc/PID/stat} right
 * before and right after each measured run, so an agent's threads count while the workload runs, and not while the
 * other variants run.
 */
final class CpuTime {

    /** Clock ticks per second of {@code /proc/PID/stat}'s times (sysconf's _SC_CLK_TCK; 100 on Linux x86 and arm). */
    private static final long TICKS_PER_SECOND = ticksPerSecond();

    private final Map<Variant, long[]> totals = new EnumMap<>(Variant.class);
    private final Rounds perRound = new Rounds();

    /**
     * A measured run of {@code v} in {@code round}: {@code cpuNanos} of the JVM's CPU time for {@code requests};
     * ignored when the time could not be read (negative).
     */
    void add(int round, Variant v, long cpuNanos, long requests) {
        if (cpuNanos < 0) {
            return;
        }
        long[] t = totals.computeIfAbsent(v, k -> new long[2]);
        t[0] += cpuNanos;
        t[1] += requests;
        if (requests > 0) {
            perRound.add(round, v, cpuNanos / 1e3 / requests);
        }
    }

    /**
     * How well what {@code v} adds is known: a 95 % confidence interval of the median over rounds of its µs per
     * request minus no agent's in the same round ({@link Stats#medianInterval}).
     */
    double[] addedInterval(Variant v) {
        return perRound.differenceInterval(v);
    }

    /** The median over rounds of what {@code v} adds: its µs per request minus no agent's in the same round. */
    double addedMedian(Variant v) {
        return perRound.medianDifference(v);
    }

    /** Microseconds of CPU per request over all of {@code v}'s measured runs; NaN for none. */
    double micros(Variant v) {
        long[] t = totals.get(v);
        return t == null || t[1] == 0 ? Double.NaN : t[0] / 1e3 / t[1];
    }

    /** The process's CPU time so far (user and system, its live and ended threads), or -1 when unreadable. */
    static long nanos(long pid) {
        try {
            return parse(Files.readString(Paths.get("/proc", String.valueOf(pid), "stat"), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The process's CPU time since {@code before} ({@link #nanos}), or -1 when either could not be read. */
    static long since(long pid, long before) {
        long now = nanos(pid);
        return before < 0 || now < 0 ? -1 : now - before;
    }

    /**
     * The CPU time so far of the process's JIT compiler threads (named "C1 CompilerThread..." and "C2 CompilerThread...",
     * cut to 15 characters in {@code /proc/PID/task/TID/comm}), or -1 when unreadable. A compiler thread that ends
     * takes its time with it (the JVM starts and stops them as the queue grows and drains): a difference of two
     * readings can then be negative.
     */
    static long compilerNanos(long pid) {
        Path tasks = Paths.get("/proc", String.valueOf(pid), "task");
        long sum = 0;
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
            for (Path t : threads) {
                try {
                    String name = Files.readString(t.resolve("comm"), StandardCharsets.US_ASCII);
                    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                        sum += parse(Files.readString(t.resolve("stat"), StandardCharsets.US_ASCII));
                    }
                } catch (IOException | RuntimeException ended) {
                    // the thread ended between the listing and the read
                }
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** utime + stime (fields 14 and 15) of a {@code /proc/PID/stat} line, in nanoseconds. */
    static long parse(String stat) {
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * TimeUnit.SECONDS.toNanos(1) / TICKS_PER_SECOND;
    }

    private static long ticksPerSecond() {
        try {
            Process p = new ProcessBuilder(List.of("getconf", "CLK_TCK")).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | RuntimeException e) {
            // the usual value below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
