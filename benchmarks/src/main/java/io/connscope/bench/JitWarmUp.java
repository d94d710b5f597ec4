package io.connscope.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * Warms a freshly started workload until its JVMs' JIT compilers are quiet: 1 s runs for at least a minimum, then
 * until the compiler threads have been quiet for {@link #QUIET_RUNS} runs in a row (under {@link #QUIET_JIT_NANOS} of
 * CPU in each, all JVMs together) in which the JVMs themselves ran (at least {@link #RUNNING_NANOS} of CPU: a JVM
 * the machine starved of CPU also compiles nothing), or a maximum in all. Pinned to one CPU, the compiler threads
 * share it with the requests, and a real application takes 20 s and more to reach its rate without an agent, the
 * OpenTelemetry agent's longer (its rate stays flat at a tenth of its final one for tens of seconds, while C2 works
 * through the queue, so that a rate that stopped rising says nothing); a fixed warm-up long enough for the slowest
 * variant would cost the others' time in every set. Where the compiler threads' time cannot be read, the minimum.
 */
final class JitWarmUp {

    /** Runs in a row whose JIT compiler threads used under {@link #QUIET_JIT_NANOS}: the warm-up's end. */
    static final int QUIET_RUNS = 3;
    /** 2 % of a 1 s run. */
    static final long QUIET_JIT_NANOS = 20_000_000L;
    /** A quarter of a 1 s run: less, and the machine's other work kept the JVMs from running (and compiling). */
    static final long RUNNING_NANOS = 250_000_000L;

    interface OneRun {
        Bench.Run run(int seconds) throws Exception;
    }

    /** What a warm-up took: its 1 s runs' rates, and its JVMs' compiler threads' CPU time. */
    static final class Warmed {
        final List<Double> rates;
        final long jitNanos;

        Warmed(List<Double> rates, long jitNanos) {
            this.rates = rates;
            this.jitNanos = jitNanos;
        }

        /** "N s (JIT x s of CPU; last k s: r unit)", for the bench's log. */
        String describe(String unit) {
            int n = rates.size();
            List<Double> last = rates.subList(Math.max(0, n - QUIET_RUNS), n);
            double sum = 0;
            for (double r : last) {
                sum += r;
            }
            return String.format(java.util.Locale.ROOT, "%d s (JIT %.1f s of CPU; last %d s: %,.0f %s)", n,
                    jitNanos / 1e9, last.size(), sum / last.size(), unit);
        }
    }

    private JitWarmUp() {
    }

    /** Warms {@code run}, which loads the JVMs {@code pids}, in 1 s runs: {@code minSeconds} to {@code maxSeconds}. */
    static Warmed untilQuiet(long[] pids, OneRun run, int minSeconds, int maxSeconds) throws Exception {
        List<Double> rates = new ArrayList<>();
        int quiet = 0;
        long jitNanos = 0;
        while (rates.size() < maxSeconds) {
            long before = compilerNanos(pids);
            long cpu = cpuNanos(pids);
            rates.add(run.run(1).rate);
            long cpuAfter = cpuNanos(pids);
            long ran = cpu < 0 || cpuAfter < 0 ? -1 : cpuAfter - cpu;
            long after = compilerNanos(pids);
            // Unreadable: taken as quiet, so that the warm-up lasts its minimum.
            long spent = before < 0 || after < 0 ? 0 : after - before;
            jitNanos += Math.max(0, spent);
            // Negative: a compiler thread ended in the run, its time unknown: not a quiet run.
            quiet = spent >= 0 && spent < QUIET_JIT_NANOS && (ran < 0 || ran >= RUNNING_NANOS) ? quiet + 1 : 0;
            if (rates.size() >= minSeconds && quiet >= QUIET_RUNS) {
                break;
            }
        }
        return new Warmed(rates, jitNanos);
    }

    /** The JVMs' compiler threads' CPU time together, or -1 when one is unreadable. */
    private static long compilerNanos(long[] pids) {
        return total(pids, CpuTime::compilerNanos);
    }

    /** The JVMs' CPU time together, or -1 when one is unreadable. */
    private static long cpuNanos(long[] pids) {
        return total(pids, CpuTime::nanos);
    }

    private static long total(long[] pids, LongUnaryOperator read) {
        long sum = 0;
        for (long pid : pids) {
            long n = read.applyAsLong(pid);
            if (n < 0) {
                return -1;
            }
            sum += n;
        }
        return sum;
    }
}
