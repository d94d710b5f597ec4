package io.connscope.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's arithmetic and its rewrite of docs/performance.md's results block, without running a workload. */
class ReportTest {

    @Test
    void variantsTakeTurnsFirst() {
        assertEquals(List.of(Variant.NONE, Variant.CONNSCOPE, Variant.OTEL), Bench.order(0));
        assertEquals(List.of(Variant.CONNSCOPE, Variant.OTEL, Variant.NONE), Bench.order(1));
        assertEquals(List.of(Variant.OTEL, Variant.NONE, Variant.CONNSCOPE), Bench.order(2));
        assertEquals(Bench.order(0), Bench.order(3));
    }

    @Test
    void ratiosAreTakenWithinARoundThenTheMedian() {
        Rounds r = new Rounds();
        // The machine slows down in round 1: a ratio of medians would mix rounds, the median of ratios does not.
        double[][] values = {{100, 98, 90}, {50, 49, 45}, {100, 99, 80}};
        for (int round = 0; round < values.length; round++) {
            r.add(round, Variant.NONE, values[round][0]);
            r.add(round, Variant.CONNSCOPE, values[round][1]);
            r.add(round, Variant.OTEL, values[round][2]);
        }
        assertEquals(0.98, r.medianRatio(Variant.CONNSCOPE), 1e-9);
        assertEquals(0.9, r.medianRatio(Variant.OTEL), 1e-9);
        assertEquals(98, r.median(Variant.CONNSCOPE), 1e-9);
        assertEquals(-1, r.medianDifference(Variant.CONNSCOPE), 1e-9);
        assertEquals(2.5, Stats.median(List.of(4.0, 1.0, 2.0, 3.0)), 1e-9);
        // Three rounds are too few for a 95 % interval: it is their whole range.
        assertEquals(0.98, r.ratioInterval(Variant.CONNSCOPE)[0], 1e-9);
        assertEquals(0.99, r.ratioInterval(Variant.CONNSCOPE)[1], 1e-9);
        assertEquals(0.8, r.ratioInterval(Variant.OTEL)[0], 1e-9);
        assertEquals(0.9, r.ratioInterval(Variant.OTEL)[1], 1e-9);
    }

    @Test
    void theMediansIntervalComesFromOrderStatistics() {
        // P(Binomial(n, 1/2) <= k - 1) <= 2.5 %, k as large as it can be (the sign-test interval's tables).
        assertEquals(0, Stats.lowerOrderStatistic(5));
        assertEquals(1, Stats.lowerOrderStatistic(6));
        assertEquals(2, Stats.lowerOrderStatistic(9));
        assertEquals(6, Stats.lowerOrderStatistic(20));
        assertEquals(9, Stats.lowerOrderStatistic(28));
        assertEquals(956, Stats.lowerOrderStatistic(2000)); // past where 0.5^n underflows
        List<Double> values = new ArrayList<>();
        for (int i = 28; i >= 1; i--) {
            values.add((double) i); // unsorted on purpose
        }
        assertArrayEquals(new double[] {9, 20}, Stats.medianInterval(values), 1e-9);
        assertArrayEquals(new double[] {1, 5}, Stats.medianInterval(List.of(5.0, 1.0, 3.0, 2.0, 4.0)), 1e-9);
        assertArrayEquals(new double[] {7, 7}, Stats.medianInterval(List.of(7.0)), 1e-9);
    }

    @Test
    void aThroughputRowPassesOnlyAboveTheTargetAndOtel() {
        Report report = new Report();
        report.throughput("good", "req/s", oneRound(100, 98, 90), 0.97);
        report.throughput("worse than OTel", "req/s", oneRound(100, 98, 99), 0.97);
        String table = report.markdown("a machine", "scripts/bench.sh", 1, "now");
        assertTrue(table.contains("| good | 100 req/s | 98 req/s | 90 req/s | 0.980 (0.980–0.980) | 0.900 (0.900–0.900) | ≥ 0.97 and ≥ OTel's | PASS |"), table);
        assertTrue(table.contains("| worse than OTel |") && table.contains("| 0.980 (0.980–0.980) | 0.990 (0.990–0.990) | ≥ 0.97 and ≥ OTel's | FAIL |"), table);
        assertEquals(Report.EXPECTED_ROWS - 2, report.missing());
    }

    /** Where the OpenTelemetry agent runs no code, its ratio is noise around 1.0: the absolute target alone judges. */
    @Test
    void aRowWhereOtelRunsNoCodeIsJudgedOnItsTargetAlone() {
        Report report = new Report();
        report.throughputWhereOtelRunsNoCode("plain sockets", "req/s", oneRound(1_000, 981, 1_004), 0.95);
        report.throughputWhereOtelRunsNoCode("too slow", "req/s", oneRound(1_000, 940, 1_000), 0.95);
        String table = report.markdown("a machine", "scripts/bench.sh", 1, "now");
        assertTrue(table.contains("| plain sockets |") && table.contains(
                "| 0.981 (0.981–0.981) | 1.004 (1.004–1.004) | ≥ 0.95 (OTel runs no code here) | PASS |"), table);
        assertTrue(table.contains("| too slow |") && table.contains(
                "| 0.940 (0.940–0.940) | 1.000 (1.000–1.000) | ≥ 0.95 (OTel runs no code here) | FAIL |"), table);
    }

    /** A median that three decimals would show as the target (0.9697 as 0.970) is shown with four. */
    @Test
    void aMedianNextToItsTargetShowsWhichSideItIsOn() {
        Report report = new Report();
        report.throughput("just under", "req/s", oneRound(10_000, 9_697, 9_000), 0.97);
        String table = report.markdown("a machine", "scripts/bench.sh", 1, "now");
        assertTrue(table.contains("| 0.9697 (0.9697–0.9697) | 0.9000 (0.9000–0.9000) | ≥ 0.97 and ≥ OTel's | FAIL |"),
                table);
    }

    /**
     * CPU per request is each variant's CPU time over its requests, summed over its runs, not a mean of the runs';
     * what an agent adds comes with the interval of its median over rounds.
     */
    @Test
    void cpuPerRequestIsTotalTimeOverTotalRequests() {
        CpuTime cpu = new CpuTime();
        cpu.add(0, Variant.NONE, 8_000_000, 1_000); // 8 µs a request
        cpu.add(1, Variant.NONE, 24_000_000, 3_000);
        cpu.add(0, Variant.CONNSCOPE, 8_400_000, 1_000); // 8.4 µs a request
        cpu.add(1, Variant.CONNSCOPE, 27_000_000, 3_000); // 9 µs: 8.85 over both (the mean of the runs' 8.7)
        cpu.add(2, Variant.CONNSCOPE, 0, 0);
        cpu.add(3, Variant.CONNSCOPE, -1, 1_000); // unreadable: not a run of 0 µs
        cpu.add(0, Variant.OTEL, 30_000_000, 3_000);
        assertEquals(8.0, cpu.micros(Variant.NONE), 1e-9);
        assertEquals(8.85, cpu.micros(Variant.CONNSCOPE), 1e-9);
        assertArrayEquals(new double[] {0.4, 1.0}, cpu.addedInterval(Variant.CONNSCOPE), 1e-9);
        Report report = new Report();
        report.cpu("a server", cpu);
        String table = report.markdown("a machine", "scripts/bench.sh", 1, "now");
        assertTrue(table.contains("| CPU per request | no agent | connscope | OpenTelemetry agent | connscope adds | OTel adds |"),
                table);
        assertTrue(table.contains("| a server | 8.00 µs | 8.85 µs | 10.00 µs | +0.85 µs, +10.6 % (+0.40 to +1.00) "
                + "| +2.00 µs, +25.0 % (+2.00 to +2.00) |"), table);
        assertTrue(Double.isNaN(new CpuTime().micros(Variant.NONE)));
    }

    /**
     * The CPU target is judged by the upper end of the interval of what connscope adds, as a share of no agent's CPU
     * per request: a median under 2 % whose interval reaches past it does not pass.
     */
    @Test
    void aCpuTargetPassesOnlyWhenItsIntervalStaysUnderIt() {
        Report report = new Report();
        report.cpuTarget("sure", addedPerRound(100, 1.0, 1.5, 1.2, 0.8, 1.1, 1.3, 0.9), 0.02);
        report.cpuTarget("unsure", addedPerRound(100, 1.0, 1.5, 1.2, 0.8, 1.1, 1.3, 2.5), 0.02);
        String table = report.markdown("a machine", "scripts/bench.sh", 1, "now");
        // 7 rounds: the interval is the 1st to the 7th value (k = 1).
        assertTrue(table.contains("| sure: CPU per request | 100.00 µs | 101.11 µs | 110.00 µs | +1.11 µs, +1.1 % "
                + "(+0.80 to +1.50; at most +1.5 %) | +10.00 µs, +10.0 % (+10.00 to +10.00; at most +10.0 %) "
                + "| adds ≤ 2 % (95 % interval's upper end) | PASS |"), table);
        assertTrue(table.contains("(+0.80 to +2.50; at most +2.5 %)") && table.contains("| adds ≤ 2 % (95 % interval's "
                + "upper end) | FAIL |"), table);
        assertTrue(table.contains("Targets: 1 PASS, 1 FAIL"), table);
    }

    /**
     * Over fresh JVM sets, the target is judged by the sets' interval: a set's rounds share its JVMs' compiled code,
     * so six sets of three rounds are six samples, not eighteen. Here the rounds' interval would pass the 2 % target
     * (the 5th to the 14th of 18 values: +0.8 to +1.5 µs of 100), while the sets' (the 1st to the 6th of 6 medians)
     * reaches +3 %.
     */
    @Test
    void overJvmSetsTheTargetIsJudgedByTheSetsInterval() {
        double[] setMedians = {0.5, 0.8, 1.0, 1.2, 1.5, 3.0};
        CpuTime pooled = new CpuTime();
        List<CpuTime> bySet = new ArrayList<>();
        for (int set = 0; set < setMedians.length; set++) {
            CpuTime thisSet = new CpuTime();
            for (int r = 0; r < 3; r++) {
                int round = ServerSet.round(set, 3, r);
                for (CpuTime t : List.of(pooled, thisSet)) {
                    t.add(round, Variant.NONE, 100_000_000, 1_000);
                    t.add(round, Variant.CONNSCOPE, Math.round((100 + setMedians[set]) * 1_000_000), 1_000);
                    t.add(round, Variant.OTEL, 110_000_000, 1_000);
                }
            }
            bySet.add(thisSet);
        }
        assertArrayEquals(new double[] {0.8, 1.5}, pooled.addedInterval(Variant.CONNSCOPE), 1e-9);
        assertArrayEquals(new double[] {0.5, 3.0}, Report.addedInterval(pooled, bySet, Variant.CONNSCOPE), 1e-9);
        assertArrayEquals(new double[] {0.8, 1.5}, Report.addedInterval(pooled, bySet.subList(0, 1), Variant.CONNSCOPE),
                1e-9, "one set: its rounds are all there is");
        Report report = new Report();
        report.cpuTarget("over rounds", pooled, 0.02);
        report.cpuTarget("over sets", pooled, bySet, 0.02);
        report.cpu("over sets", pooled, bySet);
        String table = report.markdown("a machine", "scripts/bench.sh", 1, "now");
        assertTrue(table.contains("| over rounds: CPU per request | 100.00 µs | 101.33 µs | 110.00 µs | +1.33 µs, +1.3 % "
                + "(+0.80 to +1.50; at most +1.5 %) |"), table);
        assertTrue(table.contains("| over sets: CPU per request | 100.00 µs | 101.33 µs | 110.00 µs | +1.33 µs, +1.3 % "
                + "(+0.50 to +3.00; at most +3.0 %) | +10.00 µs, +10.0 % (+10.00 to +10.00; at most +10.0 %) "
                + "| adds ≤ 2 % (95 % interval's upper end) | FAIL |"), table);
        assertTrue(table.contains("| over sets | 100.00 µs | 101.33 µs | 110.00 µs | +1.33 µs, +1.3 % (+0.50 to +3.00) |"),
                table);
        assertTrue(table.contains("Targets: 1 PASS, 1 FAIL"), table);
    }

    /** Each JVM set's own median, in the order the sets ran: the spread that one set's rounds cannot show. */
    @Test
    void theSetsOfAWorkloadAreShownOneByOne() {
        Report report = new Report();
        // Set 1: connscope adds 1 µs of 100 in its middle round; set 2: 5 µs of 100.
        report.cpuBySet("spring", List.of(addedPerRound(100, 0.5, 1.0, 3.0), addedPerRound(100, 5.0, 4.0, 6.0)));
        String table = report.markdown("a machine", "scripts/bench.sh", 1, "now");
        assertTrue(table.contains("set by set (each set a fresh start"), table);
        assertTrue(table.contains("| CPU per request, by JVM set | connscope adds | OTel adds |"), table);
        assertTrue(table.contains("| spring | +1.0 %; +5.0 % | +10.0 %; +10.0 % |"), table);
    }

    /**
     * Rounds of 1,000 requests: no agent at {@code none} µs a request and OTel at 10 % more in every round; connscope
     * adds {@code added[round]}.
     */
    private static CpuTime addedPerRound(double none, double... added) {
        CpuTime cpu = new CpuTime();
        for (int round = 0; round < added.length; round++) {
            cpu.add(round, Variant.NONE, Math.round(none * 1_000_000), 1_000);
            cpu.add(round, Variant.CONNSCOPE, Math.round((none + added[round]) * 1_000_000), 1_000);
            cpu.add(round, Variant.OTEL, Math.round(none * 1.1 * 1_000_000), 1_000);
        }
        return cpu;
    }

    /**
     * Several fresh JVM sets feed one tally: set s's round r is round s * roundsPerSet + r, so no set's rounds
     * overwrite another's, and the variants' turns go on rotating from one set to the next.
     */
    @Test
    void theRoundsOfAllJvmSetsFeedOneTally() {
        Rounds r = new Rounds();
        for (int set = 0; set < 3; set++) {
            for (int round = 0; round < 2; round++) {
                int global = ServerSet.round(set, 2, round);
                r.add(global, Variant.NONE, 100);
                r.add(global, Variant.CONNSCOPE, 100 - set); // each set's JVMs a little different
            }
        }
        assertEquals(6, r.size());
        assertEquals(0.99, r.medianRatio(Variant.CONNSCOPE), 1e-9);
        assertEquals(List.of(4, 5), List.of(ServerSet.round(2, 2, 0), ServerSet.round(2, 2, 1)));
        assertEquals(Bench.order(2), Bench.order(ServerSet.round(1, 2, 0)), "the second set starts where the first ended");
    }

    /** utime and stime are fields 14 and 15, counted after the command name, which may hold spaces and parentheses. */
    @Test
    void cpuTimeIsReadPastTheCommandName() {
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 120 0 0 0 250 50 0 0 20 0 30 0 12345 0 0";
        assertEquals(300L * 1_000_000_000L / 100, CpuTime.parse(stat), "250 + 50 ticks at 100 a second");
        long self = CpuTime.nanos(ProcessHandle.current().pid());
        assertTrue(self > 0, "this JVM has used CPU: " + self);
        assertEquals(-1, CpuTime.nanos(Long.MAX_VALUE));
        assertEquals(-1, CpuTime.since(Long.MAX_VALUE, 0), "no process: no time, not minus the time before");
        assertEquals(-1, CpuTime.since(ProcessHandle.current().pid(), -1));
    }

    /** A benchmark of connscope's code alone: its time reported, its allocation per operation held to a bound. */
    @Test
    void anAllocationRowPassesBelowItsBound() {
        Report report = new Report();
        report.jmhAllocation("Http2ExchangeBenchmark.unaryCall", "headers=indexed, native memory", 612.4, 0.0139, 1.0);
        report.jmhAllocation("Http2ExchangeBenchmark.unaryCall", "headers=literal, native memory", 2010, 24.02, 1.0);
        String table = report.markdown("a machine", "scripts/bench.sh", 1, "now");
        assertTrue(table.contains("| JMH `Http2ExchangeBenchmark.unaryCall` (headers=indexed, native memory; ns/op; "
                + "gc.alloc.rate.norm) | - | 612 ns; 0.014 B | - | - | - | < 1.0 B/op | PASS |"), table);
        assertTrue(table.contains("| 2010 ns; 24.020 B | - | - | - | < 1.0 B/op | FAIL |"), table);
    }

    /** A single round with these rates for no agent, connscope and OTel. */
    private static Rounds oneRound(double none, double connscope, double otel) {
        Rounds r = new Rounds();
        r.add(0, Variant.NONE, none);
        r.add(0, Variant.CONNSCOPE, connscope);
        r.add(0, Variant.OTEL, otel);
        return r;
    }

    @Test
    void aPartialRunIsCompleteWithTheRowsOfItsSteps() {
        int clientsAndJmh = Bench.STEPS.get("clients") + Bench.STEPS.get("jmh");
        Report report = new Report(clientsAndJmh);
        Rounds r = new Rounds();
        r.add(0, Variant.NONE, 100);
        r.add(0, Variant.CONNSCOPE, 99);
        r.add(0, Variant.OTEL, 98);
        for (int i = 0; i < clientsAndJmh - 1; i++) {
            report.throughput("row " + i, "req/s", r, 0.97);
        }
        assertEquals(1, report.missing());
        report.throughput("last", "req/s", r, 0.97);
        assertEquals(0, report.missing());
        assertTrue(report.markdown("a machine", "scripts/bench.sh --only clients,jmh", 1, "now")
                .contains("Targets: " + clientsAndJmh + " PASS, 0 FAIL."), "no row counted as missing");
        int all = Bench.STEPS.values().stream().mapToInt(Integer::intValue).sum();
        assertEquals(Report.EXPECTED_ROWS, all, "the steps' rows add up to a complete run's");
    }

    @Test
    void theResultsBlockIsReplacedAndTheRestKept(@TempDir Path dir) throws IOException {
        Path page = dir.resolve("performance.md");
        Files.writeString(page, "# t\nbefore\n" + Report.BEGIN + "\nold table\n" + Report.END + "\nafter\n");
        Report.replaceBlock(page, "new table\n");
        assertEquals("# t\nbefore\n" + Report.BEGIN + "\nnew table\n" + Report.END + "\nafter\n", Files.readString(page));
        Report.replaceBlock(page, "newer\n");
        assertEquals("# t\nbefore\n" + Report.BEGIN + "\nnewer\n" + Report.END + "\nafter\n", Files.readString(page));

        Path none = dir.resolve("other.md");
        Files.writeString(none, "no block\n");
        assertThrows(IOException.class, () -> Report.replaceBlock(none, "x"));
    }

    /**
     * scripts/bench.sh passes {@code --results-page docs/performance.md}: that page must hold the block, once, or a
     * full run (35 minutes) would fail only at its end.
     */
    @Test
    void thePerformancePageHoldsOneResultsBlock() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("docs/performance.md"))) {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "no docs/performance.md above " + Path.of("").toAbsolutePath());
        String text = Files.readString(dir.resolve("docs/performance.md"));
        assertEquals(text.indexOf(Report.BEGIN), text.lastIndexOf(Report.BEGIN), "one begin marker");
        assertEquals(text.indexOf(Report.END), text.lastIndexOf(Report.END), "one end marker");
        assertTrue(text.indexOf(Report.BEGIN) >= 0 && text.indexOf(Report.END) > text.indexOf(Report.BEGIN),
                "docs/performance.md has no results block (" + Report.BEGIN + " ... " + Report.END + ")");
        String script = Files.readString(dir.resolve("scripts/bench.sh"));
        assertTrue(script.contains("--results-page docs/performance.md"), "scripts/bench.sh rewrites docs/performance.md");
    }
}
