package io.connscope.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The gRPC unary workload: in each variant, a {@link GrpcHello} server (on CPU 0) and a {@link GrpcClientWorker} (on
 * CPU 1), both with the variant's agent, as a service calling another has it on both sides (and the OpenTelemetry
 * agent instruments both: a client and a server span per call). Its CPU per call is the two JVMs' together.
 *
 * <p>Measured over several fresh sets of JVM pairs, as the Spring Boot workloads are ({@link SpringWorkloads}): where
 * C2 puts its inlining differs from one start to the next, and one pair per variant measured the luck of its start.
 * Each set's pairs are warmed until both JVMs' JIT compilers are quiet ({@link JitWarmUp}), then run interleaved
 * rounds under a global round index, so that the rounds of all sets feed the same medians and intervals.
 */
final class GrpcWorkload {

    private static final Pattern SERVING = Pattern.compile("serving grpc://127\\.0\\.0\\.1:(\\d+)");
    /** Calls in flight on the client's channel, as {@code wrk -c8} keeps eight requests in flight. */
    static final int IN_FLIGHT = 8;
    static final String ROW = "gRPC unary: grpc-java client and server JVMs, both with the agent, "
            + IN_FLIGHT + " calls in flight";
    private static final String WORKLOAD = "grpc-unary";

    private final Bench bench;
    private final Bench.Settings settings;
    private final Processes processes;
    private final Report report;
    private final String classPath;

    GrpcWorkload(Bench bench, Bench.Settings settings, Processes processes, Report report, String classPath) {
        this.bench = bench;
        this.settings = settings;
        this.processes = processes;
        this.report = report;
        this.classPath = classPath;
    }

    /** One set: a server and a client JVM per variant. */
    private static final class Pairs implements AutoCloseable {
        final Map<Variant, Processes.Background> servers = new ConcurrentHashMap<>();
        final Map<Variant, Processes.Worker> clients = new ConcurrentHashMap<>();

        long[] pids(Variant v) {
            return new long[] {servers.get(v).process.pid(), clients.get(v).pid};
        }

        /** Stops every JVM (the servers also when a client's exit failed): no agent runs into what comes next. */
        @Override
        public void close() throws Exception {
            try {
                for (Processes.Worker w : clients.values()) {
                    w.exit();
                }
            } finally {
                for (Processes.Background b : servers.values()) {
                    b.stop();
                }
            }
        }
    }

    void run() throws Exception {
        Rounds rounds = new Rounds();
        CpuTime cpu = new CpuTime();
        List<CpuTime> cpuBySet = new ArrayList<>();
        for (int set = 0; set < settings.grpcSets; set++) {
            try (Pairs pairs = start()) {
                bench.awaitTimeWaitDrained();
                for (Variant v : Variant.values()) {
                    warm(set, v, pairs);
                }
                CpuTime thisSet = new CpuTime();
                cpuBySet.add(thisSet);
                for (int r = 0; r < settings.grpcRounds; r++) {
                    int round = ServerSet.round(set, settings.grpcRounds, r);
                    for (Variant v : Bench.order(round)) {
                        long[] pids = pairs.pids(v);
                        long server = CpuTime.nanos(pids[0]);
                        long client = CpuTime.nanos(pids[1]);
                        Bench.Run run = Bench.clientRun(pairs.clients.get(v), WORKLOAD, settings.runSeconds);
                        rounds.add(round, v, run.rate);
                        long serverSpent = CpuTime.since(pids[0], server);
                        long clientSpent = CpuTime.since(pids[1], client);
                        long spent = serverSpent < 0 || clientSpent < 0 ? -1 : serverSpent + clientSpent;
                        cpu.add(round, v, spent, run.requests);
                        thisSet.add(round, v, spent, run.requests);
                    }
                }
            }
        }
        // A real application's target (issue: cost in real applications), as for the Spring Boot workloads.
        report.throughput(ROW, "calls/s", rounds, SpringWorkloads.MINIMUM_RATIO);
        report.cpuTarget(ROW, cpu, cpuBySet, SpringWorkloads.MAXIMUM_ADDED_CPU);
        report.cpu(ROW, cpu, cpuBySet);
        report.cpuBySet(ROW, cpuBySet);
    }

    /** Starts the three pairs side by side: six JVM starts, two with OTel's agent, are most of a smoke run. */
    private Pairs start() throws Exception {
        Pairs pairs = new Pairs();
        ExecutorService starter = Executors.newFixedThreadPool(Variant.values().length);
        try {
            List<Future<?>> started = new ArrayList<>();
            for (Variant v : Variant.values()) {
                started.add(starter.submit(() -> {
                    Processes.Background server = processes.startAndAwait(Bench.Pinning.UNDER_TEST.apply(
                            bench.javaCommand(v, "-cp", classPath, GrpcHello.class.getName())), SERVING, 120);
                    pairs.servers.put(v, server);
                    pairs.clients.put(v, processes.startWorker(Bench.Pinning.PEER.apply(bench.javaCommand(v, "-cp",
                            classPath, GrpcClientWorker.class.getName(), server.ready.group(1),
                            String.valueOf(IN_FLIGHT))), 120));
                    return null;
                }));
            }
            for (Future<?> f : started) {
                f.get();
            }
            return pairs;
        } catch (ExecutionException e) {
            stopOnceStarted(starter, pairs);
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        } catch (Exception | Error e) {
            stopOnceStarted(starter, pairs);
            throw e;
        } finally {
            starter.shutdown();
        }
    }

    /** Once every start has ended, what started is stopped. */
    private static void stopOnceStarted(ExecutorService starter, Pairs pairs) throws Exception {
        starter.shutdown();
        starter.awaitTermination(300, TimeUnit.SECONDS);
        pairs.close();
    }

    /** Warms {@code v}'s pair until both JVMs' compilers are quiet; in the smoke run, one warm-up run. */
    private void warm(int set, Variant v, Pairs pairs) throws Exception {
        Processes.Worker client = pairs.clients.get(v);
        if (settings.smoke) {
            Bench.clientRun(client, WORKLOAD, settings.warmSeconds);
            return;
        }
        JitWarmUp.Warmed warmed = JitWarmUp.untilQuiet(pairs.pids(v), s -> Bench.clientRun(client, WORKLOAD, s),
                settings.warmSeconds, settings.quietWarmMaxSeconds);
        System.out.printf(Locale.ROOT, "bench: grpc set %d/%d, %s: warmed for %s%n", set + 1, settings.grpcSets,
                v.label, warmed.describe("calls/s"));
    }
}
