package io.connscope.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The results table: one row per measurement, each with its target and PASS or FAIL (or "-" for none). */
final class Report {

    /** Rows a complete run produces: 11 throughput, 5 CPU targets, 2 startup, attach, memory, jar, 8 JMH. */
    static final int EXPECTED_ROWS = 29;
    static final String BEGIN = "<!-- benchmark-results:begin (scripts/bench.sh rewrites this block) -->";
    static final String END = "<!-- benchmark-results:end -->";

    private final List<String[]> rows = new ArrayList<>();
    private final List<String[]> cpuRows = new ArrayList<>();
    /** Per workload run over fresh JVM sets: what each agent adds to CPU per request in each set. */
    private final List<String[]> setRows = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final int expectedRows;

    Report() {
        this(EXPECTED_ROWS);
    }

    /** A report of part of the suite ({@code --only}): {@code expectedRows} rows make it complete. */
    Report(int expectedRows) {
        this.expectedRows = expectedRows;
    }

    void failure(String what) {
        failures.add(what);
    }

    int missing() {
        return Math.max(failures.size(), expectedRows - rows.size());
    }

    int rows() {
        return rows.size();
    }

    /**
     * A workload the OpenTelemetry agent runs code in: connscope's median ratio to no agent must reach
     * {@code minimumRatio} and OTel's.
     */
    void throughput(String workload, String unit, Rounds r, double minimumRatio) {
        throughput(workload, unit, r, minimumRatio, true);
    }

    /**
     * A workload the OpenTelemetry agent runs no code in (plain sockets): its ratio is 1.0 but for noise, so
     * connscope's is held to {@code minimumRatio} alone.
     */
    void throughputWhereOtelRunsNoCode(String workload, String unit, Rounds r, double minimumRatio) {
        throughput(workload, unit, r, minimumRatio, false);
    }

    private void throughput(String workload, String unit, Rounds r, double minimumRatio, boolean againstOtel) {
        double cs = r.medianRatio(Variant.CONNSCOPE);
        double otel = r.medianRatio(Variant.OTEL);
        boolean pass = cs >= minimumRatio && (!againstOtel || cs >= otel);
        // Three decimals, or four where three would round a median onto the target or onto the other agent's.
        int decimals = Math.abs(cs - minimumRatio) < 0.0005 || Math.abs(cs - otel) < 0.0005 ? 4 : 3;
        add(workload, rate(r.median(Variant.NONE), unit), rate(r.median(Variant.CONNSCOPE), unit),
                rate(r.median(Variant.OTEL), unit), ratio(cs, r.ratioInterval(Variant.CONNSCOPE), decimals),
                ratio(otel, r.ratioInterval(Variant.OTEL), decimals),
                String.format(Locale.ROOT, againstOtel ? "≥ %.2f and ≥ OTel's" : "≥ %.2f (OTel runs no code here)",
                        minimumRatio), pass ? "PASS" : "FAIL");
    }

    /** CPU time per request of a throughput workload: what each agent adds, for the table under the targets. */
    void cpu(String workload, CpuTime cpu) {
        cpu(workload, cpu, List.of());
    }

    /**
     * {@link #cpu(String, CpuTime)} for a workload run over fresh JVM sets ({@code bySet}, each set's rounds alone):
     * its interval is the sets' ({@link #addedInterval}).
     */
    void cpu(String workload, CpuTime cpu, List<CpuTime> bySet) {
        double none = cpu.micros(Variant.NONE);
        double cs = cpu.micros(Variant.CONNSCOPE);
        double otel = cpu.micros(Variant.OTEL);
        cpuRows.add(new String[] {workload, micros(none), micros(cs), micros(otel),
                addedMicros(cs, none, addedInterval(cpu, bySet, Variant.CONNSCOPE)),
                addedMicros(otel, none, addedInterval(cpu, bySet, Variant.OTEL))});
    }

    /**
     * A 95 % interval of what {@code v} adds per request: over the rounds ({@link CpuTime#addedInterval}), or, for a
     * workload measured over two or more fresh JVM sets, over the sets: of the median of the sets' own medians
     * ({@link Stats#medianInterval} of {@link CpuTime#addedMedian}; the whole range with fewer than 6 sets). The rounds
     * of one set share its JVMs' compiled code, which differs from one start to the next by as much as an agent costs:
     * they are not independent samples, and an interval over all sets' rounds claimed more than the sets showed (12
     * sets: -0.5 to +4.1 % over rounds, -1.9 to +6.4 % over sets).
     */
    static double[] addedInterval(CpuTime cpu, List<CpuTime> bySet, Variant v) {
        if (bySet.size() < 2) {
            return cpu.addedInterval(v);
        }
        List<Double> medians = new ArrayList<>();
        for (CpuTime set : bySet) {
            double m = set.addedMedian(v);
            if (!Double.isNaN(m)) {
                medians.add(m);
            }
        }
        return Stats.medianInterval(medians);
    }

    /**
     * A target on the CPU time connscope adds per request: the upper bound of the 95 % interval of the median over
     * rounds of what it adds ({@link CpuTime#addedInterval}; over sets, {@link #addedInterval}), as a share of no
     * agent's CPU per request, at most {@code maximumAddedShare}. So a run whose rounds (or sets) cannot tell the
     * cost from the target does not pass it.
     */
    void cpuTarget(String workload, CpuTime cpu, double maximumAddedShare) {
        cpuTarget(workload, cpu, List.of(), maximumAddedShare);
    }

    /** {@link #cpuTarget(String, CpuTime, double)} for a workload run over fresh JVM sets: judged by their interval. */
    void cpuTarget(String workload, CpuTime cpu, List<CpuTime> bySet, double maximumAddedShare) {
        double none = cpu.micros(Variant.NONE);
        double cs = cpu.micros(Variant.CONNSCOPE);
        double otel = cpu.micros(Variant.OTEL);
        double[] interval = addedInterval(cpu, bySet, Variant.CONNSCOPE);
        boolean pass = interval[1] / none <= maximumAddedShare;
        add(workload + ": CPU per request", micros(none), micros(cs), micros(otel),
                addedShare(cs, none, interval), addedShare(otel, none, addedInterval(cpu, bySet, Variant.OTEL)),
                String.format(Locale.ROOT, "adds ≤ %.0f %% (95 %% interval's upper end)", maximumAddedShare * 100),
                pass ? "PASS" : "FAIL");
    }

    /**
     * What each agent adds to CPU per request in each fresh JVM set of a workload (the median of that set's rounds):
     * how far apart sets of the same JVMs land, which the rounds of one set cannot show. Not a target.
     */
    void cpuBySet(String workload, List<CpuTime> bySet) {
        StringBuilder cs = new StringBuilder();
        StringBuilder otel = new StringBuilder();
        for (CpuTime set : bySet) {
            double none = set.micros(Variant.NONE);
            cs.append(cs.length() == 0 ? "" : "; ").append(medianShare(set, Variant.CONNSCOPE, none));
            otel.append(otel.length() == 0 ? "" : "; ").append(medianShare(set, Variant.OTEL, none));
        }
        setRows.add(new String[] {workload, cs.toString(), otel.toString()});
    }

    private static String medianShare(CpuTime set, Variant v, double none) {
        return String.format(Locale.ROOT, "%+.1f %%", set.addedMedian(v) / none * 100);
    }

    void startup(String row, Rounds millis, double maximumAddedMillis) {
        double cs = millis.medianDifference(Variant.CONNSCOPE);
        add(row, ms(millis.median(Variant.NONE)),
                ms(millis.median(Variant.CONNSCOPE)), ms(millis.median(Variant.OTEL)), signedMs(cs),
                signedMs(millis.medianDifference(Variant.OTEL)),
                String.format(Locale.ROOT, "≤ +%.0f ms", maximumAddedMillis), cs <= maximumAddedMillis ? "PASS" : "FAIL");
    }

    void attach(double millis) {
        add("Attach: `java -jar connscope-agent.jar attach PID`, start to exit", "-", ms(millis), "-", "-", "-",
                "(reported)", "-");
    }

    void memory(Rounds bytesPerConnection, int connections, double maximumAddedBytes) {
        double cs = bytesPerConnection.median(Variant.CONNSCOPE) - bytesPerConnection.median(Variant.NONE);
        double otel = bytesPerConnection.median(Variant.OTEL) - bytesPerConnection.median(Variant.NONE);
        add(String.format(Locale.ROOT, "Memory: heap after GC per open connection, %,d open", connections),
                bytes(bytesPerConnection.median(Variant.NONE)), bytes(bytesPerConnection.median(Variant.CONNSCOPE)),
                bytes(bytesPerConnection.median(Variant.OTEL)), signedBytes(cs), signedBytes(otel),
                String.format(Locale.ROOT, "≤ +%.0f B", maximumAddedBytes), cs <= maximumAddedBytes ? "PASS" : "FAIL");
    }

    void jar(long size, long limit) {
        add("Agent jar size", "-", String.format(Locale.ROOT, "%.2f MB (%,d B)", size / 1e6, size), "-", "-", "-",
                String.format(Locale.ROOT, "≤ %.0f MB (%,d B)", limit / 1e6, limit), size <= limit ? "PASS" : "FAIL");
    }

    void jmh(String benchmark, double[] nanos, double[] allocBytes, boolean mustNotAllocate) {
        double addedBytes = allocBytes[1] - allocBytes[0];
        add("JMH `SocketPathsBenchmark." + benchmark + "` (ns/op; gc.alloc.rate.norm)",
                String.format(Locale.ROOT, "%.0f ns; %.1f B", nanos[0], allocBytes[0]),
                String.format(Locale.ROOT, "%.0f ns; %.1f B", nanos[1], allocBytes[1]), "-",
                String.format(Locale.ROOT, "%+.0f ns; %+.1f B", nanos[1] - nanos[0], addedBytes), "-",
                mustNotAllocate ? "adds < 1 B/op" : "(reported)",
                mustNotAllocate ? (addedBytes < 1 ? "PASS" : "FAIL") : "-");
    }

    /**
     * A JMH benchmark of connscope's code alone (no agent, no other variant): its time per operation, reported, and
     * what it allocates per operation, held to {@code maxBytes}.
     */
    void jmhAllocation(String benchmark, String params, double nanos, double allocBytes, double maxBytes) {
        add("JMH `" + benchmark + "` (" + params + "; ns/op; gc.alloc.rate.norm)", "-",
                String.format(Locale.ROOT, "%.0f ns; %.3f B", nanos, allocBytes), "-", "-", "-",
                String.format(Locale.ROOT, "< %.1f B/op", maxBytes), allocBytes < maxBytes ? "PASS" : "FAIL");
    }

    private void add(String... cells) {
        rows.add(cells);
    }

    String markdown(String machine, String command, long seconds, String when) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Measured %s with `%s` (%d s) on %s.%n%n", when, command, seconds, machine));
        sb.append("| Workload | no agent | connscope | OpenTelemetry agent | connscope vs no agent | OTel vs no agent | Target | Result |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        int pass = 0;
        int fail = 0;
        for (String[] row : rows) {
            sb.append("| ").append(String.join(" | ", row)).append(" |\n");
            pass += row[7].equals("PASS") ? 1 : 0;
            fail += row[7].equals("FAIL") ? 1 : 0;
        }
        for (String f : failures) {
            sb.append("| NO RESULT: ").append(f.replace('\n', ' ').replace('|', '/')).append(" | | | | | | | MISSING |\n");
        }
        sb.append(String.format(Locale.ROOT, "%nTargets: %d PASS, %d FAIL%s. A throughput ratio is the median of the"
                + " rounds' ratios (each round runs the three variants back to back); in brackets, its 95 %% confidence"
                + " interval (order statistics of the rounds' ratios; the whole range with fewer than 6 rounds).%n",
                pass, fail, missing() > 0 ? ", " + missing() + " without a result" : ""));
        if (!cpuRows.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%nCPU time of the JVM under test per request in the same measured runs"
                    + " (user and system, all its threads, the agent's included; from /proc/PID/stat before and after"
                    + " each run), over all of a variant's runs: what each agent costs a request. In brackets, a 95 %%"
                    + " confidence interval of the median over rounds of what it adds (each round's µs per request"
                    + " against no agent's in the same round); for a workload run over fresh JVM sets, of the median"
                    + " over the sets of each set's median (order statistics of the sets; the whole range with fewer"
                    + " than 6), since a set's rounds share its JVMs' compiled code and are not independent.%n%n"));
            sb.append("| CPU per request | no agent | connscope | OpenTelemetry agent | connscope adds | OTel adds |\n");
            sb.append("|---|---|---|---|---|---|\n");
            for (String[] row : cpuRows) {
                sb.append("| ").append(String.join(" | ", row)).append(" |\n");
            }
        }
        if (!setRows.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%nThe same, set by set (each set a fresh start of every variant's"
                    + " JVMs; one share per set, in the order they ran): the median over each set's rounds of what an"
                    + " agent adds to CPU per request, as a share of no agent's. How far apart the sets land is how"
                    + " much each JVM start's JIT (and the machine's hour) moves the result; more rounds in a set do not"
                    + " narrow it, more sets do.%n%n"));
            sb.append("| CPU per request, by JVM set | connscope adds | OTel adds |\n");
            sb.append("|---|---|---|\n");
            for (String[] row : setRows) {
                sb.append("| ").append(String.join(" | ", row)).append(" |\n");
            }
        }
        return sb.toString();
    }

    /** Replaces what is between the results markers of {@code page} (docs/performance.md) with {@code markdown}. */
    static void replaceBlock(Path page, String markdown) throws IOException {
        String text = Files.readString(page);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IOException(page + " has no results block (" + BEGIN + " ... " + END + ")");
        }
        Files.writeString(page, text.substring(0, begin + BEGIN.length()) + "\n" + markdown + text.substring(end));
    }

    private static String rate(double value, String unit) {
        return String.format(Locale.ROOT, "%,.0f %s", value, unit);
    }

    /** The median ratio and, after it, its confidence interval. */
    private static String ratio(double median, double[] interval, int decimals) {
        String f = "%." + decimals + "f";
        return String.format(Locale.ROOT, f + " (" + f + "–" + f + ")", median, interval[0], interval[1]);
    }

    private static String micros(double value) {
        return String.format(Locale.ROOT, "%.2f µs", value);
    }

    /** What {@code with} adds to {@code without}, in µs and as a share of it; after it, the rounds' interval. */
    private static String addedMicros(double with, double without, double[] interval) {
        return String.format(Locale.ROOT, "%+.2f µs, %+.1f %% (%+.2f to %+.2f)", with - without,
                (with / without - 1) * 100, interval[0], interval[1]);
    }

    /** As {@link #addedMicros}, with the interval's upper end as a share of {@code without}. */
    private static String addedShare(double with, double without, double[] interval) {
        return String.format(Locale.ROOT, "%+.2f µs, %+.1f %% (%+.2f to %+.2f; at most %+.1f %%)", with - without,
                (with / without - 1) * 100, interval[0], interval[1], interval[1] / without * 100);
    }

    private static String ms(double value) {
        return String.format(Locale.ROOT, "%.0f ms", value);
    }

    private static String signedMs(double value) {
        return String.format(Locale.ROOT, "%+.0f ms", value);
    }

    private static String signedBytes(double value) {
        return String.format(Locale.ROOT, "%+.1f B", value);
    }

    private static String bytes(double value) {
        return String.format(Locale.ROOT, "%.0f B", value);
    }
}
