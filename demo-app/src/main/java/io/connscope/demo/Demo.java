package io.connscope.demo;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The seed experiments of connscope, on 127.0.0.1, each followed by what connscope saw and a check of it against
 * the scenario's own ground truth. Run it with the agent attached:
 * <pre>java -javaagent:agent/target/connscope-agent.jar -jar demo-app/target/connscope-demo.jar [scenario...]</pre>
 * Without scenarios it runs them all (slow-response with a 3 s delay unless {@code --slow-seconds} says
 * otherwise, so that the tour stays quick). Exit status: 0 when every check matched, 1 on a mismatch, 2 on bad
 * arguments.
 */
public final class Demo {

    /** The seed's delay for slow-response when it is asked for by name. */
    static final int SEED_SLOW_SECONDS = 30;
    /** The delay when slow-response runs as part of all scenarios. */
    static final int ALL_SLOW_SECONDS = 3;

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) throws Exception {
        List<String> scenarios = new ArrayList<>();
        Integer slowSeconds = null;
        boolean loop = false;
        boolean serve = false;
        int port = 8080;
        int delayMillis = 0;
        String reportFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            try {
                switch (a) {
                    case "--slow-seconds":
                        slowSeconds = Integer.parseInt(args[++i]);
                        break;
                    case "--loop":
                        loop = true;
                        break;
                    case "--report":
                        reportFile = args[++i];
                        break;
                    case "--port":
                        port = Integer.parseInt(args[++i]);
                        break;
                    case "--delay-ms":
                        delayMillis = Integer.parseInt(args[++i]);
                        if (delayMillis < 0) {
                            out.println("demo: --delay-ms needs 0 or more milliseconds, not " + delayMillis);
                            usage(out);
                            return 2;
                        }
                        break;
                    case "serve":
                        serve = true;
                        break;
                    case "all":
                        scenarios.addAll(Scenarios.ALL.keySet());
                        break;
                    case "-h":
                    case "--help":
                    case "help":
                        usage(out);
                        return 0;
                    default:
                        if (!Scenarios.ALL.containsKey(a)) {
                            out.println("demo: unknown argument '" + a + "'");
                            usage(out);
                            return 2;
                        }
                        scenarios.add(a);
                }
            } catch (RuntimeException e) {
                out.println("demo: " + a + " needs a number");
                usage(out);
                return 2;
            }
        }
        if (serve) {
            return serve(port, delayMillis, out);
        }
        boolean all = scenarios.isEmpty();
        if (all) {
            scenarios.addAll(Scenarios.ALL.keySet());
        }
        if (slowSeconds == null) {
            slowSeconds = all ? ALL_SLOW_SECONDS : SEED_SLOW_SECONDS;
            if (scenarios.contains("slow-response") && all) {
                out.println("demo: slow-response runs with a " + ALL_SLOW_SECONDS + " s delay in the full tour (the seed "
                        + "experiment's " + SEED_SLOW_SECONDS + " s: `slow-response` alone, or --slow-seconds N)");
            }
        }
        ConnscopeView view = ConnscopeView.subscribe();
        String htmlReport = view.attached()
                ? ConnscopeView.requestReport(reportFile != null ? reportFile : defaultReportFile()) : null;
        if (!view.attached()) {
            out.println("demo: connscope is not attached: the scenarios run, but there is nothing to compare. Run "
                    + "java -javaagent:agent/target/connscope-agent.jar -jar demo-app/target/connscope-demo.jar");
        }
        Scenarios runner = new Scenarios(view, slowSeconds);
        int failedScenarios = 0;
        long iteration = 0;
        try {
            do {
                iteration++;
                int failed = 0;
                for (String name : scenarios) {
                    // After the first --loop iteration a scenario prints only its result line, and everything on a
                    // mismatch.
                    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                    PrintStream scenarioOut = iteration == 1 ? out
                            : new PrintStream(buffer, true, StandardCharsets.UTF_8);
                    String result;
                    try {
                        ScenarioReport report = runner.run(name, scenarioOut);
                        result = report.result();
                        if (report.mismatches() > 0) {
                            failed++;
                        }
                    } catch (Exception e) {
                        result = "result " + name + ": MISMATCH (the scenario failed: " + e + ")";
                        failed++;
                    }
                    if (iteration > 1 && result.contains("MISMATCH")) {
                        out.print(buffer.toString(StandardCharsets.UTF_8));
                    }
                    out.println((iteration == 1 ? "   " : "") + result);
                }
                failedScenarios += failed;
                out.println();
                out.println("demo: " + (loop ? "iteration " + iteration + ": " : "") + scenarios.size()
                        + " scenario(s), " + (!view.attached() ? "not checked (connscope not attached)"
                        : failed == 0 ? "every check matched what connscope saw"
                        : failed + " with a MISMATCH (marked " + ScenarioReport.MISMATCH + ")"));
                out.flush();
            } while (loop);
        } finally {
            runner.closeServers();
        }
        if (view.attached()) {
            out.println("demo: connscope's own lines are on stderr; its per-peer summary follows at exit.");
        }
        if (htmlReport != null) {
            out.println("demo: connscope writes its HTML report at exit to " + Paths.get(htmlReport).toAbsolutePath()
                    + " (open it in a browser)");
        }
        return failedScenarios == 0 ? 0 : 1;
    }

    /** Only the "Hello there!" server, for nginx to proxy to; runs until the JVM is stopped. */
    private static int serve(int port, int delayMillis, PrintStream out) throws Exception {
        HelloServer server = new HelloServer(port, delayMillis, 60_000);
        out.println("demo: serving \"Hello there!\" on http://127.0.0.1:" + server.port() + "/ (HTTP/1.1 keep-alive, "
                + "idle timeout 60 s; closes after HTTP/1.0 and Connection: close"
                + (delayMillis > 0 ? "; each response after " + delayMillis + " ms" : "") + "); stop with Ctrl-C");
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("demo: server: " + server.counts());
            out.flush();
        }, "demo-serve-exit"));
        new CountDownLatch(1).await();
        return 0;
    }

    /** Beside the demo's jar ({@code demo-app/target/connscope-report.html}), else in the working directory. */
    static String defaultReportFile() {
        try {
            Path jar = Paths.get(Demo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(jar) ? jar : jar.getParent();
            return dir.resolve("connscope-report.html").toString();
        } catch (Exception | Error e) {
            return "connscope-report.html";
        }
    }

    private static void usage(PrintStream out) {
        out.println("usage: java -javaagent:connscope-agent.jar -jar connscope-demo.jar [scenario...] [--slow-seconds N] "
                + "[--loop]");
        out.println("       java -javaagent:connscope-agent.jar -jar connscope-demo.jar serve [--port N] [--delay-ms N]");
        out.println("scenarios (default: all): " + String.join(", ", Scenarios.ALL.keySet()));
        out.println("  --slow-seconds N  slow-response's and h2-slow-response's delay (default " + SEED_SLOW_SECONDS + ", " + ALL_SLOW_SECONDS
                + " when all scenarios run)");
        out.println("  --loop            repeat the scenarios until stopped (for dashboards and alerts)");
        out.println("  --report FILE     where connscope writes its HTML report at exit (default connscope-report.html"
                + " beside the demo's jar; connscope.report.file wins)");
        out.println("  serve --port N    only the \"Hello there!\" server on 127.0.0.1:N (default 8080; 0 for any)");
        out.println("  --delay-ms N      with serve: each response waits N ms (default 0)");
    }
}
