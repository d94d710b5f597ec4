package io.connscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * The benchmark suite with tiny durations (what {@code scripts/bench.sh --smoke} runs), so that it never rots: every
 * workload must produce its row with all three variants. The numbers are not checked: a loaded CI machine says
 * nothing about overhead.
 */
class BenchSmokeIT {

    @Test
    void everyWorkloadProducesItsRow() throws Exception {
        Path module = Paths.get(System.getProperty("connscope.bench.dir", ".")).toAbsolutePath();
        Path root = module.getParent();
        Path target = module.resolve("target");
        Path out = target.resolve("results-smoke.md");
        Files.deleteIfExists(out);
        String classPath = target.resolve("connscope-benchmarks.jar") + File.pathSeparator + target.resolve("lib") + "/*";
        Process p = new ProcessBuilder(System.getProperty("connscope.test.java", "java"), "-cp", classPath,
                Bench.class.getName(), "--smoke", "--out", out.toString(),
                "--agent", root.resolve("agent/target/connscope-agent.jar").toString(),
                "--demo", root.resolve("demo-app/target/connscope-demo.jar").toString(),
                "--spring", module.resolve("spring-app/target/connscope-spring-app.jar").toString(),
                "--otel", target.resolve("otel/opentelemetry-javaagent.jar").toString(),
                "--work", target.resolve("bench-smoke").toString())
                .redirectErrorStream(true).redirectOutput(target.resolve("bench-smoke.log").toFile()).start();
        boolean ended = p.waitFor(600, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String log = Files.readString(target.resolve("bench-smoke.log"));
        assertTrue(ended, "the smoke run did not end within 10 minutes:\n" + log);
        assertEquals(0, p.exitValue(), "the smoke run failed:\n" + log);

        List<String> lines = Files.readAllLines(out);
        List<String> rows = table(lines, "| Workload |");
        assertEquals(Report.EXPECTED_ROWS, rows.size(), "rows in " + out + ":\n" + String.join("\n", rows));
        for (String row : rows) {
            assertFalse(row.contains("NaN") || row.contains("NO RESULT"), "a row without a number: " + row);
            assertTrue(row.endsWith("| PASS |") || row.endsWith("| FAIL |") || row.endsWith("| - |"), row);
        }
        for (String workload : List.of("Keep-alive server: demo server", "Connection churn server: demo server",
                "Keep-alive server: JDK HttpServer", "Connection churn server: JDK HttpServer", "JDK HttpClient",
                "Apache HttpClient", "Client churn", "gRPC unary",
                "Spring Boot keep-alive", "Spring Boot outbound call", "Spring Boot churn",
                "Spring Boot keep-alive: `GET /` (Tomcat) under `wrk -t1 -c8`: CPU per request",
                "Keep-alive server: demo server under `wrk -t1 -c8`: CPU per request",
                "gRPC unary: grpc-java client and server JVMs, both with the agent, 8 calls in flight: CPU per request", "Startup: trivial main",
                "Startup: Spring Boot application", "Attach", "Memory", "Agent jar size",
                "SocketPathsBenchmark.writeRead", "SocketPathsBenchmark.httpExchange", "SocketPathsBenchmark.openClose",
                "Http2ExchangeBenchmark.unaryCall` (headers=indexed", "Http2ExchangeBenchmark.unaryCall` (headers=literal",
                "Http1ExchangeBenchmark.keptAliveExchange` (connections=1,",
                "Http1ExchangeBenchmark.keptAliveExchange` (connections=65536,")) {
            assertTrue(rows.stream().anyMatch(r -> r.contains(workload)), "no row for " + workload);
        }
        // The Spring Boot application's own count of its start's CPU time, in each variant: some seconds.
        String springStart = rows.stream().filter(r -> r.startsWith("| Startup: Spring Boot")).findFirst().orElseThrow();
        String[] startCells = springStart.split("\\|");
        for (int i = 2; i <= 4; i++) {
            double millis = Double.parseDouble(startCells[i].trim().replace(" ms", ""));
            assertTrue(millis > 100 && millis < 180_000, "a Spring Boot start of " + millis + " ms: " + springStart);
        }
        // Every throughput workload has its CPU per request, for all three variants.
        List<String> cpu = table(lines, "| CPU per request |");
        assertEquals(11, cpu.size(), "CPU rows in " + out + ":\n" + String.join("\n", cpu));
        for (String row : cpu) {
            String[] cells = row.split("\\|");
            assertTrue(cells.length == 7 && !row.contains("NaN"), "a CPU row without a number: " + row);
            for (int i = 2; i <= 4; i++) {
                double micros = Double.parseDouble(cells[i].trim().replace(" µs", ""));
                assertTrue(micros > 0, "no CPU time in " + row);
            }
        }
        // The Spring Boot loads and the gRPC calls, set by set: one set in the smoke run, a share for each agent.
        List<String> bySet = table(lines, "| CPU per request, by JVM set |");
        assertEquals(4, bySet.size(), "rows by set in " + out + ":\n" + String.join("\n", bySet));
        for (String row : bySet) {
            assertTrue(row.startsWith("| Spring Boot") || row.startsWith("| gRPC unary"), "a row by set: " + row);
            assertTrue(row.matches("\\| [^|]+ \\| [+-]\\d+\\.\\d % \\| [+-]\\d+\\.\\d % \\|"), "a row by set: " + row);
        }
    }

    /** The rows of the table whose header starts with {@code header}: the lines after it that start with "| ". */
    private static List<String> table(List<String> lines, String header) {
        int start = -1;
        for (int i = 0; i < lines.size() && start < 0; i++) {
            start = lines.get(i).startsWith(header) ? i + 2 : -1; // past the header and its |---| line
        }
        assertTrue(start >= 0, "no table headed " + header + ":\n" + String.join("\n", lines));
        return lines.subList(start, lines.size()).stream().takeWhile(l -> l.startsWith("| ")).collect(Collectors.toList());
    }
}
