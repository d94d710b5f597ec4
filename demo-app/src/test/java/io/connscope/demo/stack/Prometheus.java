package io.connscope.demo.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** Debian's prometheus and promtool, run by the tests: the server on a free loopback port with its own files. */
final class Prometheus implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final int port;
    private final Process process;
    private final Path log;

    private Prometheus(int port, Process process, Path log) {
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** The path of a Debian tool (prometheus, promtool); fails naming the package when it is missing. */
    static String binary(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/bin", "/usr/sbin", "/usr/local/bin"));
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Paths.get(d, name))) {
                return Paths.get(d, name).toString();
            }
        }
        return fail("'" + name + "' is not installed: the Prometheus tests need Debian's package prometheus "
                + "(scripts/test.sh installs it)");
    }

    /** Runs a command to completion (bounded); returns exit code and output together. */
    static String[] run(List<String> cmd, Path dir) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " did not finish within 60 s");
        }
        return new String[] {String.valueOf(p.exitValue()), new String(out, StandardCharsets.UTF_8)};
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Starts prometheus with {@code config} (rule files relative to it), storage in {@code dir}; waits until ready. */
    static Prometheus start(Path config, Path dir) throws Exception {
        int port = freePort();
        Path log = dir.resolve("prometheus.log");
        List<String> cmd = List.of(binary("prometheus"), "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=warn");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Prometheus prom = new Prometheus(port, p, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                fail("prometheus exited with " + p.exitValue() + "\n" + prom.log());
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(prom.url("/-/ready"))).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return prom;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        prom.close();
        return fail("prometheus not ready within 30 s\n" + prom.log());
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** GET an API path; returns the JSON answer's {@code data}. */
    JsonNode api(String pathAndQuery) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url(pathAndQuery)))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            fail("prometheus answered " + r.statusCode() + " to " + pathAndQuery + ": " + r.body());
        }
        return body.get("data");
    }

    /** An instant query's result vector. */
    JsonNode query(String promql) throws Exception {
        return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).get("result");
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() throws Exception {
        process.toHandle().destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
