package io.connscope.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The benchmark suite's driver (scripts/bench.sh runs it): every workload without an agent, with connscope and with
 * the OpenTelemetry Java agent, the three variants taking turns (A/B/C, B/C/A, C/A/B, ...) in the same run, medians
 * over the rounds, ratios to no agent, and PASS/FAIL against the targets of docs/performance.md.
 * Writes a Markdown table ({@code --out}) and, for a full run, the results block of docs/performance.md
 * ({@code --results-page}).
 * Exits 2 when a workload produced no result (the smoke run asserts this only, not the targets).
 */
public final class Bench {

    /** "At most 8 MB", read strictly: 8,000,000 bytes, not 8 MiB. */
    static final long JAR_LIMIT = 8_000_000L;

    /** Durations and counts: the full run (about 35 minutes on 2 cores) or the smoke run (about 190 s). */
    static final class Settings {
        final boolean smoke;
        final int warmSeconds;
        final int runSeconds;
        final int rounds;
        final int startupRounds;
        final int attachRounds;
        final int memoryConnections;
        final int memoryRounds;
        final int jmhWarmupMillis;
        final int jmhIterationMillis;
        final int jmhIterations;
        final int springSets;
        final int springRounds;
        final int springWarmMinSeconds;
        /** The longest warm-up until a JVM's JIT is quiet ({@link JitWarmUp}), in the spring and grpc steps. */
        final int quietWarmMaxSeconds;
        final int springChurnWarmSeconds;
        final int grpcSets;
        final int grpcRounds;

        /**
         * @param springSets the spring step's fresh JVM sets; 0 for the default (3, or 1 in the smoke run)
         * @param grpcSets the grpc step's fresh JVM sets; 0 for the default (3, or 1 in the smoke run)
         */
        Settings(boolean smoke, int springSets, int grpcSets) {
            this.smoke = smoke;
            // 8 s: with either agent the JIT is still compiling the workload's code (advice inlined) 5 s in.
            warmSeconds = smoke ? 1 : 8;
            // Many short rounds rather than a few long ones: here the rounds' ratios spread as widely with 5 s runs
            // as with 1 s runs (the machine's load changes over seconds), so the variants of a round are compared
            // closer in time, and the median of 28 ratios is known about twice as closely as that of 7.
            runSeconds = 1;
            rounds = smoke ? 1 : 28;
            startupRounds = smoke ? 1 : 10;
            attachRounds = smoke ? 1 : 5;
            memoryConnections = smoke ? 1_000 : 10_000;
            memoryRounds = smoke ? 1 : 3;
            jmhWarmupMillis = smoke ? 100 : 2_000;
            jmhIterationMillis = smoke ? 100 : 1_000;
            jmhIterations = smoke ? 1 : 5;
            // The Spring workload: several fresh JVM sets (SpringWorkloads), each JVM warmed until its JIT is quiet,
            // then 8 rounds of each load (24 over the sets, so the medians' intervals are the 7th to 18th of 24).
            this.springSets = springSets > 0 ? springSets : smoke ? 1 : 3;
            springRounds = smoke ? 1 : 8;
            springWarmMinSeconds = 10;
            quietWarmMaxSeconds = 90;
            // The churn's least warm-up: the request path is warm by then (GET / kept alive); accepting and closing are
            // not, and are warmed until the JIT is quiet again.
            springChurnWarmSeconds = smoke ? 1 : 4;
            // The gRPC workload the same way: 10 rounds in each of 3 sets of JVM pairs.
            this.grpcSets = grpcSets > 0 ? grpcSets : smoke ? 1 : 3;
            grpcRounds = smoke ? 1 : 10;
        }
    }

    private final Settings settings;
    private final Variant.Jars jars;
    private final String java;
    private final Path selfJar;
    private final Processes processes;
    private final Report report;
    private final List<String> only;

    private Bench(Settings settings, Variant.Jars jars, String java, Path selfJar, Processes processes,
                  List<String> only) {
        this.settings = settings;
        this.only = only;
        this.jars = jars;
        this.java = java;
        this.selfJar = selfJar;
        this.processes = processes;
        this.report = only.isEmpty() ? new Report() : new Report(only.stream().mapToInt(STEPS::get).sum());
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = false;
        Path out = null;
        Path resultsPage = null;
        Path agent = Paths.get("agent/target/connscope-agent.jar");
        Path otel = Paths.get("benchmarks/target/otel/opentelemetry-javaagent.jar");
        Path demo = Paths.get("demo-app/target/connscope-demo.jar");
        Path spring = Paths.get("benchmarks/spring-app/target/connscope-spring-app.jar");
        Path work = Paths.get("benchmarks/target/bench-run");
        List<String> only = List.of();
        int springSets = 0;
        int grpcSets = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke": smoke = true; break;
                case "--out": out = Paths.get(args[++i]); break;
                case "--results-page": resultsPage = Paths.get(args[++i]); break;
                case "--agent": agent = Paths.get(args[++i]); break;
                case "--otel": otel = Paths.get(args[++i]); break;
                case "--demo": demo = Paths.get(args[++i]); break;
                case "--spring": spring = Paths.get(args[++i]); break;
                case "--work": work = Paths.get(args[++i]); break;
                case "--only": only = Arrays.asList(args[++i].split(",")); break;
                case "--spring-sets":
                    springSets = parseSets(args[i], args[++i]);
                    break;
                case "--grpc-sets":
                    grpcSets = parseSets(args[i], args[++i]);
                    break;
                default:
                    System.err.println("bench: unknown argument " + args[i]);
                    System.exit(64);
            }
        }
        for (String step : only) {
            if (!STEPS.containsKey(step)) {
                System.err.println("bench: --only " + step + ": not a step; steps are " + String.join(", ", STEPS.keySet()));
                System.exit(64);
            }
        }
        if (!only.isEmpty() && resultsPage != null) {
            System.err.println("bench: --only runs part of the suite: it does not rewrite " + resultsPage);
            System.exit(64);
        }
        for (Path p : List.of(agent, otel, demo, spring)) {
            if (!Files.isRegularFile(p)) {
                System.err.println("bench: missing " + p.toAbsolutePath() + " (build with: mvn -B -q package -DskipTests)");
                System.exit(64);
            }
        }
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Path selfJar = Paths.get(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Variant.Jars jars = new Variant.Jars(agent.toAbsolutePath(), otel.toAbsolutePath(), demo.toAbsolutePath(),
                spring.toAbsolutePath(), System.getProperty("java.class.path"));
        Settings settings = new Settings(smoke, springSets, grpcSets);
        long start = System.nanoTime();
        int missing;
        String markdown;
        try (Processes processes = new Processes(work.resolve("logs"))) {
            Bench bench = new Bench(settings, jars, java, selfJar, processes, only);
            bench.runAll();
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            markdown = bench.report.markdown(Machine.describe(java) + "; throughput workloads with " + Pinning.describe(),
                    "scripts/bench.sh" + (smoke ? " --smoke" : "") + (only.isEmpty() ? "" : " --only " + String.join(",", only))
                            + (springSets > 0 ? " --spring-sets " + springSets : "")
                            + (grpcSets > 0 ? " --grpc-sets " + grpcSets : ""),
                    seconds,
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            missing = bench.report.missing();
        }
        System.out.println();
        System.out.println(markdown);
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, markdown);
            System.out.println("bench: wrote " + out);
        }
        if (resultsPage != null) {
            Report.replaceBlock(resultsPage, markdown);
            System.out.println("bench: updated the results block of " + resultsPage);
        }
        if (missing > 0) {
            System.err.println("bench: " + missing + " row(s) without a result; see the logs under " + work.resolve("logs"));
            System.exit(2);
        }
    }

    /** A positive number of JVM sets, given to {@code option}, or the usage error. */
    static int parseSets(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the usage error below
        }
        System.err.println("bench: " + option + " " + value + ": not a positive number");
        System.exit(64);
        return 0;
    }

    /** The steps by the name {@code --only} takes, in order, with the rows each produces. */
    static final Map<String, Integer> STEPS = new java.util.LinkedHashMap<>();

    static {
        STEPS.put("servers", 3);
        STEPS.put("jdk-server", 2);
        STEPS.put("grpc", 2);
        STEPS.put("clients", 3);
        STEPS.put("spring", 7);
        STEPS.put("startup", 1);
        STEPS.put("attach", 1);
        STEPS.put("memory", 1);
        STEPS.put("jar", 1);
        STEPS.put("jmh", 8);
    }

    private void runAll() {
        step("servers", "keep-alive server (wrk) and connection churn server (ab)", this::servers);
        step("jdk-server", "the JDK's HttpServer under wrk and ab", this::jdkServer);
        // Before the client loops: it makes no TIME_WAIT sockets, so the clients' wait for the JDK server's churn to
        // drain is also this workload's, once.
        step("grpc", "gRPC unary calls (grpc-java client and server JVMs) over fresh JVM sets",
                () -> new GrpcWorkload(this, settings, processes, report, jars.classPath).run());
        step("clients", "client reuse (JDK HttpClient, Apache HttpClient) and client churn, against nginx", this::clients);
        step("spring", "Spring Boot application (keep-alive, outbound calls to nginx, churn) over fresh JVM sets",
                () -> new SpringWorkloads(this, settings, processes, report, jars.spring.toString()).run());
        step("startup", "startup", this::startup);
        step("attach", "attach", this::attach);
        step("memory", "memory per open connection", this::memory);
        step("jar", "agent jar size", this::jarSize);
        step("jmh", "JMH per-event paths", this::jmh);
    }

    private interface Step {
        void run() throws Exception;
    }

    private void step(String key, String name, Step step) {
        if (!only.isEmpty() && !only.contains(key)) {
            return;
        }
        System.out.println("bench: " + name + " ...");
        long start = System.nanoTime();
        try {
            step.run();
        } catch (Exception e) {
            System.out.println("bench: " + name + " FAILED: " + e);
            report.failure(name + ": " + e.getMessage());
        }
        System.out.printf(Locale.ROOT, "bench: %s done in %.1f s%n", name, (System.nanoTime() - start) / 1e9);
    }

    /** The variants in turn, the first one rotating each round (A/B/C, B/C/A, C/A/B). */
    static List<Variant> order(int round) {
        Variant[] all = Variant.values();
        List<Variant> order = new ArrayList<>();
        for (int i = 0; i < all.length; i++) {
            order.add(all[(round + i) % all.length]);
        }
        return order;
    }

    List<String> javaCommand(Variant v, String... rest) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(v.jvmArgs(jars));
        cmd.addAll(Arrays.asList(rest));
        return cmd;
    }

    // -- keep-alive server and connection churn server: the demo's server under wrk and ab --

    /** The demo's kept-alive server: at most this share of no agent's CPU per exchange added. */
    static final double DEMO_SERVER_MAXIMUM_ADDED_CPU = 0.03;

    static final Pattern SERVING = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/");
    private static final Pattern WRK_RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern WRK_REQUESTS = Pattern.compile("(\\d+) requests in ");
    private static final Pattern AB_RATE = Pattern.compile("Requests per second:\\s+([0-9.]+)");
    private static final Pattern AB_FAILED = Pattern.compile("Failed requests:\\s+(\\d+)");
    private static final Pattern AB_REQUESTS = Pattern.compile("Complete requests:\\s+(\\d+)");

    private void servers() throws Exception {
        // Plain sockets: the OpenTelemetry agent runs no code here, so the targets are absolute, and the kept-alive
        // exchange has a CPU target of its own.
        serverWorkloads(List.of("-jar", jars.demo.toString(), "serve", "--port", "0"),
                "Keep-alive server: demo server under `wrk -t1 -c8`",
                "Connection churn server: demo server under `ab -c4` (no -k)", false);
    }

    private void jdkServer() throws Exception {
        serverWorkloads(List.of("-cp", selfJar.toString(), JdkHttpHello.class.getName()),
                "Keep-alive server: JDK HttpServer (NIO) under `wrk -t1 -c8`",
                "Connection churn server: JDK HttpServer (NIO) under `ab -c4` (no -k)", true);
    }

    /**
     * A server in each variant, under wrk (keep-alive) and then ab (a connection per request): two rows, and where
     * the OpenTelemetry agent runs no code, a third: the kept-alive exchange's CPU target.
     */
    private void serverWorkloads(List<String> server, String keepAliveRow, String churnRow, boolean otelRunsCode)
            throws Exception {
        List<Processes.Background> started = new ArrayList<>();
        try {
            Map<Variant, Integer> ports = new EnumMap<>(Variant.class);
            Map<Variant, Long> pids = new EnumMap<>(Variant.class);
            for (Variant v : Variant.values()) {
                Processes.Background b = processes.startAndAwait(
                        Pinning.UNDER_TEST.apply(javaCommand(v, server.toArray(new String[0]))), SERVING, 120);
                started.add(b);
                ports.put(v, Integer.parseInt(b.ready.group(1)));
                pids.put(v, b.process.pid());
            }
            String wrk = Tools.find("wrk");
            String ab = Tools.find("ab");
            Rounds keepAlive = new Rounds();
            Rounds churn = new Rounds();
            CpuTime keepAliveCpu = new CpuTime();
            CpuTime churnCpu = new CpuTime();
            // The keep-alive workload first, so that it does not run beside the churn's TIME_WAIT sockets.
            awaitTimeWaitDrained();
            for (Variant v : Variant.values()) {
                // In two runs: the end of the first is each JVM's first end of stream on a kept-alive connection,
                // whose code C2 compiled without it (in either agent, the advice inlined into the read path), so
                // that code is thrown away and compiled again. The second run lets that happen before the measured
                // rounds, each of which ends the same way, rather than in the first of them.
                int second = Math.min(2, settings.warmSeconds - 1);
                if (second > 0) {
                    wrk(wrk, ports.get(v), settings.warmSeconds - second);
                    wrk(wrk, ports.get(v), second);
                } else {
                    wrk(wrk, ports.get(v), settings.warmSeconds);
                }
            }
            for (int round = 0; round < settings.rounds; round++) {
                for (Variant v : order(round)) {
                    long cpu = CpuTime.nanos(pids.get(v));
                    Run run = wrk(wrk, ports.get(v), settings.runSeconds);
                    keepAlive.add(round, v, run.rate);
                    keepAliveCpu.add(round, v, CpuTime.since(pids.get(v), cpu), run.requests);
                }
            }
            for (Variant v : Variant.values()) {
                ab(ab, ports.get(v), settings.warmSeconds);
            }
            for (int round = 0; round < settings.rounds; round++) {
                for (Variant v : order(round)) {
                    long cpu = CpuTime.nanos(pids.get(v));
                    Run run = ab(ab, ports.get(v), settings.runSeconds);
                    churn.add(round, v, run.rate);
                    churnCpu.add(round, v, CpuTime.since(pids.get(v), cpu), run.requests);
                }
            }
            if (otelRunsCode) {
                report.throughput(keepAliveRow, "req/s", keepAlive, 0.97);
                report.throughput(churnRow, "req/s", churn, 0.95);
            } else {
                report.throughputWhereOtelRunsNoCode(keepAliveRow, "req/s", keepAlive, 0.97);
                report.throughputWhereOtelRunsNoCode(churnRow, "req/s", churn, 0.95);
                report.cpuTarget(keepAliveRow, keepAliveCpu, DEMO_SERVER_MAXIMUM_ADDED_CPU);
            }
            report.cpu(keepAliveRow, keepAliveCpu);
            report.cpu(churnRow, churnCpu);
        } finally {
            // Also when a run failed: the next step must not run beside these JVMs.
            for (Processes.Background b : started) {
                b.stop();
            }
        }
    }

    /** A measured run: its rate and how many requests it made. */
    static final class Run {
        final double rate;
        final long requests;

        Run(double rate, long requests) {
            this.rate = rate;
            this.requests = requests;
        }
    }

    private Run wrk(String wrk, int port, int seconds) throws Exception {
        return wrk(wrk, port, "/", seconds);
    }

    Run wrk(String wrk, int port, String path, int seconds) throws Exception {
        Processes.Finished f = processes.run(Pinning.PEER.apply(List.of(wrk, "-t1", "-c8", "-d" + seconds + "s",
                "http://127.0.0.1:" + port + path)), seconds + 30L);
        Matcher m = WRK_RATE.matcher(f.output);
        Matcher requests = WRK_REQUESTS.matcher(f.output);
        if (f.exitCode != 0 || !m.find() || !requests.find() || f.output.contains("Non-2xx")
                || f.output.contains("Socket errors")) {
            throw new IllegalStateException("wrk failed or had errors:\n" + f.output);
        }
        return new Run(Double.parseDouble(m.group(1)), Long.parseLong(requests.group(1)));
    }

    private Run ab(String ab, int port, int seconds) throws Exception {
        return ab(ab, port, "/", seconds);
    }

    Run ab(String ab, int port, String path, int seconds) throws Exception {
        // -t before -n: -t alone caps the requests at 50,000.
        Processes.Finished f = processes.run(Pinning.PEER.apply(List.of(ab, "-q", "-t", String.valueOf(seconds),
                "-n", "10000000", "-c", "4", "http://127.0.0.1:" + port + path)), seconds + 30L);
        Matcher m = AB_RATE.matcher(f.output);
        Matcher failed = AB_FAILED.matcher(f.output);
        Matcher requests = AB_REQUESTS.matcher(f.output);
        if (f.exitCode != 0 || !m.find() || !failed.find() || !failed.group(1).equals("0") || !requests.find()
                || f.output.contains("Non-2xx")) {
            throw new IllegalStateException("ab failed or had failed requests:\n" + f.output);
        }
        return new Run(Double.parseDouble(m.group(1)), Long.parseLong(requests.group(1)));
    }

    // -- client reuse and client churn: commanded client JVMs against nginx --

    private void clients() throws Exception {
        try (Nginx nginx = Nginx.start(Paths.get(System.getProperty("java.io.tmpdir")))) {
            Map<Variant, Processes.Worker> workers = new EnumMap<>(Variant.class);
            for (Variant v : Variant.values()) {
                workers.put(v, processes.startWorker(Pinning.UNDER_TEST.apply(javaCommand(v, "-cp", jars.classPath,
                        ClientWorker.class.getName(), String.valueOf(nginx.port()))), 120));
            }
            // After the churn server: its TIME_WAIT sockets gone before the reuse loops (client churn is last).
            awaitTimeWaitDrained();
            String[][] workloads = {
                    {"jdk-reuse", "Client reuse: JDK HttpClient loop against nginx (keep-alive)", "0.97", "otel"},
                    {"apache-reuse", "Client reuse: Apache HttpClient 5 loop against nginx (keep-alive)", "0.97", "otel"},
                    // A plain Socket: the OpenTelemetry agent runs no code here.
                    {"churn", "Client churn: Socket connect, HTTP/1.0 GET, close, against nginx", "0.95", "no otel"},
            };
            for (String[] w : workloads) {
                Rounds rounds = new Rounds();
                CpuTime cpu = new CpuTime();
                for (Variant v : Variant.values()) {
                    clientRun(workers.get(v), w[0], settings.warmSeconds);
                }
                for (int round = 0; round < settings.rounds; round++) {
                    for (Variant v : order(round)) {
                        long before = CpuTime.nanos(workers.get(v).pid);
                        Run run = clientRun(workers.get(v), w[0], settings.runSeconds);
                        rounds.add(round, v, run.rate);
                        cpu.add(round, v, CpuTime.since(workers.get(v).pid, before), run.requests);
                    }
                }
                if (w[3].equals("otel")) {
                    report.throughput(w[1], "req/s", rounds, Double.parseDouble(w[2]));
                } else {
                    report.throughputWhereOtelRunsNoCode(w[1], "req/s", rounds, Double.parseDouble(w[2]));
                }
                report.cpu(w[1], cpu);
            }
            for (Processes.Worker w : workers.values()) {
                w.exit();
            }
        }
    }

    static Run clientRun(Processes.Worker worker, String workload, int seconds) throws Exception {
        String answer = worker.ask("run " + workload + " " + seconds * 1000L, seconds + 60L);
        String[] parts = answer.split(" ");
        if (parts.length != 4 || !parts[0].equals("ops")) {
            throw new IllegalStateException(workload + ": worker answered " + answer);
        }
        if (!parts[3].equals("0")) {
            throw new IllegalStateException(workload + ": " + parts[3] + " failed requests\n" + Files.readString(worker.log));
        }
        long ops = Long.parseLong(parts[1]);
        return new Run(ops / (Long.parseLong(parts[2]) / 1e9), ops);
    }

    // -- startup and attach --

    private void startup() throws Exception {
        Rounds millis = new Rounds();
        for (Variant v : Variant.values()) {
            if (!settings.smoke) {
                hello(v); // the page cache holds the jars from here on
            }
        }
        for (int round = 0; round < settings.startupRounds; round++) {
            for (Variant v : order(round)) {
                millis.add(round, v, hello(v));
            }
        }
        report.startup("Startup: trivial main, process start to exit", millis, 300);
    }

    private double hello(Variant v) throws Exception {
        Processes.Finished f = processes.run(javaCommand(v, "-cp", selfJar.toString(), Hello.class.getName()), 120);
        if (f.exitCode != 0 || !f.output.contains("hello")) {
            throw new IllegalStateException("trivial main failed with " + v.label + ":\n" + f.output);
        }
        return f.nanos / 1e6;
    }

    private void attach() throws Exception {
        List<Double> millis = new ArrayList<>();
        for (int round = 0; round < settings.attachRounds; round++) {
            Processes.Worker target = processes.startWorker(
                    javaCommand(Variant.NONE, "-cp", selfJar.toString(), Hello.class.getName(), "wait"), 60);
            Processes.Finished f = processes.run(List.of(java, "-jar", jars.connscope.toString(), "attach",
                    String.valueOf(target.pid), "console=summary,summary.interval=0"), 120);
            target.exit();
            if (f.exitCode != 0) {
                throw new IllegalStateException("attach failed:\n" + f.output);
            }
            millis.add(f.nanos / 1e6);
        }
        report.attach(Stats.median(millis));
    }

    // -- memory and jar size --

    private static final Pattern HEAP = Pattern.compile("heap_before=(\\d+) heap_open=(\\d+) connections=(\\d+)");

    private void memory() throws Exception {
        Rounds growth = new Rounds();
        int connections = settings.memoryConnections;
        for (int round = 0; round < settings.memoryRounds; round++) {
            for (Variant v : order(round)) {
                List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xms256m", "-Xmx256m"));
                cmd.addAll(v.jvmArgs(jars));
                cmd.addAll(List.of("-cp", selfJar.toString(), OpenConnections.class.getName(),
                        String.valueOf(connections)));
                Processes.Finished f = processes.run(cmd, 300);
                Matcher m = HEAP.matcher(f.output);
                if (f.exitCode != 0 || !m.find() || Integer.parseInt(m.group(3)) != connections) {
                    throw new IllegalStateException("memory workload failed with " + v.label + ":\n" + f.output);
                }
                growth.add(round, v, (Long.parseLong(m.group(2)) - Long.parseLong(m.group(1))) / (double) connections);
            }
        }
        report.memory(growth, connections, 300);
    }

    private void jarSize() throws IOException {
        report.jar(Files.size(jars.connscope), JAR_LIMIT);
    }

    // -- JMH --

    private void jmh() throws Exception {
        Map<Variant, Collection<RunResult>> results = new EnumMap<>(Variant.class);
        for (Variant v : List.of(Variant.NONE, Variant.CONNSCOPE)) {
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include(SocketPathsBenchmark.class.getName() + ".*")
                    .forks(1)
                    .warmupIterations(1)
                    .warmupTime(TimeValue.milliseconds(settings.jmhWarmupMillis))
                    .measurementIterations(settings.jmhIterations)
                    .measurementTime(TimeValue.milliseconds(settings.jmhIterationMillis))
                    .addProfiler(GCProfiler.class)
                    .shouldFailOnError(true)
                    .jvm(java)
                    .output(processes.logDir().resolve("jmh-" + v.name().toLowerCase(Locale.ROOT) + ".log").toString());
            if (!v.jvmArgs(jars).isEmpty()) {
                options.jvmArgsAppend(v.jvmArgs(jars).toArray(new String[0]));
            }
            results.put(v, new Runner(options.build()).run());
        }
        for (String benchmark : List.of("writeRead", "httpExchange", "openClose")) {
            double[] nanos = new double[2];
            double[] bytes = new double[2];
            int i = 0;
            for (Variant v : List.of(Variant.NONE, Variant.CONNSCOPE)) {
                RunResult r = results.get(v).stream()
                        .filter(x -> x.getParams().getBenchmark().endsWith("." + benchmark)).findFirst()
                        .orElseThrow(() -> new IllegalStateException("JMH ran no " + benchmark + " with " + v.label));
                nanos[i] = r.getPrimaryResult().getScore();
                Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
                if (alloc == null) {
                    throw new IllegalStateException("JMH's GC profiler gave no gc.alloc.rate.norm for " + benchmark);
                }
                bytes[i] = alloc.getScore();
                i++;
            }
            report.jmh(benchmark, nanos, bytes, !benchmark.equals("openClose"));
        }
        http1Exchange();
        http2Exchange();
        hostileInput();
    }

    /**
     * {@link HostileInputBenchmark}: CPU per byte of hostile and broken traffic against ordinary traffic of the same
     * size, each parser fed as the agent feeds it (class path as for {@link #http2Exchange}). Not a row of the
     * results: its table (docs/security.md, "CPU per byte") is written to {@code benchmarks/target/hostile-input.md}.
     * Short iterations (3 warm-up and 5 measured of 500 ms, the published settings): each case is a steady loop.
     */
    private void hostileInput() throws Exception {
        String classPath = System.getProperty("java.class.path");
        Collection<RunResult> results;
        try {
            System.setProperty("java.class.path", classPath + File.pathSeparator + jars.connscope);
            results = new Runner(new OptionsBuilder()
                    .include(HostileInputBenchmark.class.getName() + ".*")
                    .param("source", "native")
                    .forks(1)
                    .warmupIterations(settings.smoke ? 1 : 3)
                    .warmupTime(TimeValue.milliseconds(settings.smoke ? 100 : 500))
                    .measurementIterations(settings.smoke ? 1 : 5)
                    .measurementTime(TimeValue.milliseconds(settings.smoke ? 100 : 500))
                    .addProfiler(GCProfiler.class)
                    .shouldFailOnError(true)
                    .jvm(java)
                    .output(processes.logDir().resolve("jmh-hostile-input.log").toString())
                    .build()).run();
        } finally {
            System.setProperty("java.class.path", classPath);
        }
        if (results.size() != HostileInputs.INPUTS.length) {
            throw new IllegalStateException("JMH ran " + results.size() + " of the "
                    + HostileInputs.INPUTS.length + " HostileInputBenchmark cases");
        }
        String table = HostileInputs.table(results);
        Path out = Paths.get("benchmarks/target/hostile-input.md");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, table);
        System.out.println("bench: CPU per byte, hostile against ordinary input (" + out + "):");
        System.out.println(table);
    }

    /**
     * {@link Http2ExchangeBenchmark}, in one JVM without an agent ({@link #withAgentClasses}: it calls the agent's
     * HTTP/2 tracker itself), reading from native memory as the agent does; both header encodings.
     */
    private void http2Exchange() throws Exception {
        Collection<RunResult> results = withAgentClasses(Http2ExchangeBenchmark.class, "jmh-http2.log",
                o -> o.param("source", "native"));
        for (String headers : List.of("indexed", "literal")) {
            reportAllocation(results, Http2ExchangeBenchmark.class, "unaryCall", "headers", headers,
                    "headers=" + headers + ", native memory", Http2ExchangeBenchmark.MAX_BYTES_PER_CALL);
        }
    }

    /**
     * {@link Http1ExchangeBenchmark}: the HTTP/1.x head look alone, a kept-alive exchange on one connection (its
     * state in the caches) and on the next of thousands (out of them, as in a real application), as
     * {@link #http2Exchange} runs its benchmark.
     */
    private void http1Exchange() throws Exception {
        Collection<RunResult> results = withAgentClasses(Http1ExchangeBenchmark.class, "jmh-http1.log", o -> { });
        for (String connections : List.of("1", "4096", "65536")) {
            reportAllocation(results, Http1ExchangeBenchmark.class, "keptAliveExchange", "connections", connections,
                    "connections=" + connections + ", native memory", Http1ExchangeBenchmark.MAX_BYTES_PER_EXCHANGE);
        }
    }

    /**
     * Runs {@code benchmark} in one JVM without an agent. The fork needs the agent's classes, which the driver's class
     * path leaves out so that no workload JVM finds them there: JMH starts a fork with this JVM's
     * {@code java.class.path} (JMH 1.37), so the agent jar is on it for this run only.
     */
    private Collection<RunResult> withAgentClasses(Class<?> benchmark, String log,
                                                   java.util.function.Consumer<ChainedOptionsBuilder> options)
            throws Exception {
        String classPath = System.getProperty("java.class.path");
        try {
            System.setProperty("java.class.path", classPath + File.pathSeparator + jars.connscope);
            ChainedOptionsBuilder o = new OptionsBuilder()
                    .include(benchmark.getName() + ".*")
                    .forks(1)
                    .warmupIterations(1)
                    .warmupTime(TimeValue.milliseconds(settings.jmhWarmupMillis))
                    .measurementIterations(settings.jmhIterations)
                    .measurementTime(TimeValue.milliseconds(settings.jmhIterationMillis))
                    .addProfiler(GCProfiler.class)
                    .shouldFailOnError(true)
                    .jvm(java)
                    .output(processes.logDir().resolve(log).toString());
            options.accept(o);
            return new Runner(o.build()).run();
        } finally {
            System.setProperty("java.class.path", classPath);
        }
    }

    /** The row of {@code benchmark}'s {@code method} run with {@code param=value}: ns/op and bytes allocated per op. */
    private void reportAllocation(Collection<RunResult> results, Class<?> benchmark, String method, String param,
                                  String value, String described, double maxBytes) {
        String name = benchmark.getSimpleName();
        RunResult r = results.stream().filter(x -> value.equals(x.getParams().getParam(param))).findFirst()
                .orElseThrow(() -> new IllegalStateException("JMH ran no " + name + " with " + param + "=" + value));
        Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
        if (alloc == null) {
            throw new IllegalStateException("JMH's GC profiler gave no gc.alloc.rate.norm for " + name);
        }
        report.jmhAllocation(name + "." + method, described, r.getPrimaryResult().getScore(), alloc.getScore(), maxBytes);
    }

    /**
     * Where the throughput workloads run: the JVM under test on CPU 0, its peer (wrk, ab, nginx, the gRPC client) on
     * CPU 1. Left to the scheduler, where it happened to put the client's and server's threads moved the JDK
     * HttpClient loop's rate by 8 % between identical runs, more than the overhead measured. Pinned, connscope's and
     * the OpenTelemetry agent's own threads share the application's CPU, so their cost shows in full. Not pinned on
     * a single CPU or without {@code taskset} (util-linux).
     */
    enum Pinning {
        UNDER_TEST("0"), PEER("1");

        private static final boolean AVAILABLE = Runtime.getRuntime().availableProcessors() >= 2
                && Files.isExecutable(Paths.get("/usr/bin/taskset"));

        private final String cpu;

        Pinning(String cpu) {
            this.cpu = cpu;
        }

        List<String> apply(List<String> command) {
            if (!AVAILABLE) {
                return command;
            }
            List<String> pinned = new ArrayList<>(List.of("/usr/bin/taskset", "-c", cpu));
            pinned.addAll(command);
            return pinned;
        }

        static String describe() {
            return AVAILABLE ? "the JVM under test pinned to CPU 0 and wrk, ab, nginx or the gRPC client to CPU 1 (taskset)"
                    : "not pinned to CPUs (taskset missing or one CPU)";
        }
    }

    /** A TIME_WAIT socket lasts 60 s in Linux; a little more for the kernel's reaper. */
    private static final long TIME_WAIT_DRAIN_MILLIS = 65_000;
    /** Few enough TIME_WAIT sockets that a sample of them costs the kernel view next to nothing. */
    private static final int TIME_WAIT_QUIET = 1_000;

    /**
     * Waits, at most 65 s, until the TIME_WAIT sockets a churn workload left on the host are gone: a workload measured
     * next would otherwise run beside tens of thousands of them, which connscope's kernel view reads every 10 s
     * (about 0.1 s of a core each time, docs/performance.md "Where the overhead goes"), although that workload made none. Not in
     * the smoke run.
     */
    void awaitTimeWaitDrained() throws InterruptedException {
        if (settings.smoke) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIME_WAIT_DRAIN_MILLIS);
        int left = timeWaitSockets();
        if (left > TIME_WAIT_QUIET) {
            System.out.println("bench: waiting for " + left + " TIME_WAIT sockets to expire (at most "
                    + TIME_WAIT_DRAIN_MILLIS / 1000 + " s)");
        }
        while (left > TIME_WAIT_QUIET && System.nanoTime() - deadline < 0) {
            Thread.sleep(1000);
            left = timeWaitSockets();
        }
    }

    /** TIME_WAIT sockets in /proc/net/tcp and tcp6 (state 06); 0 where /proc cannot be read. */
    static int timeWaitSockets() {
        int n = 0;
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try (BufferedReader in = Files.newBufferedReader(Paths.get(file))) {
                for (String line; (line = in.readLine()) != null; ) {
                    String[] columns = line.trim().split("\\s+", 5);
                    if (columns.length > 3 && columns[3].equals("06")) {
                        n++;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // Not Linux, or no IPv6: nothing to wait for there.
            }
        }
        return n;
    }

    /** Tools the workloads drive. */
    static final class Tools {
        static String find(String name) {
            for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin").split(":")) {
                if (!dir.isEmpty() && Files.isExecutable(Paths.get(dir, name))) {
                    return Paths.get(dir, name).toString();
                }
            }
            throw new IllegalStateException("'" + name + "' is not installed (scripts/bench.sh and scripts/test.sh install it)");
        }
    }
}
