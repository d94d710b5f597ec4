package io.connscope.demo.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.demo.it.DemoFork;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.connscope.demo.stack.StackFiles.list;
import static io.connscope.demo.stack.StackFiles.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The stack's alert rules and dashboard against real data: the demo loops with the agent serving Prometheus metrics,
 * Debian's prometheus scrapes it every second and evaluates the stack's rule files (copies with
 * LowConnectionReuse's {@code for:} at 5 s and its traffic threshold at 0.2 requests/s, overridden the documented
 * way). LowConnectionReuse must fire for the peer that gets one request per connection (connection-close) and
 * not for the one whose connections carry five (keepalive); every PromQL expression of the dashboard must return
 * data; every metric name the rules and the dashboard use must be on the agent's endpoint. The demo speaks HTTP/1.1
 * only: the HTTP/2 row's expressions and the HTTP/2 rules must evaluate (Prometheus accepts them) but have no data,
 * and their metric names are not on the endpoint ({@link StackFilesTest#AGENT_HTTP2_METRICS}).
 */
class AlertsEndToEndIT {

    private static final Pattern SERVER_PORT = Pattern.compile("== (\\S+):.*?\\n   server: port=(\\d+)", Pattern.DOTALL);

    @Test
    void lowConnectionReuseFiresAndEveryDashboardQueryReturnsData() throws Exception {
        Path dir = Files.createTempDirectory("connscope-prometheus-it-");
        int agentPort = Prometheus.freePort();
        DemoLoop demo = DemoLoop.start(agentPort, "keepalive", "connection-close", "slow-response", "--slow-seconds", "2",
                "--loop");
        try {
            Map<String, Integer> ports = demo.serverPorts(List.of("keepalive", "connection-close"), 60);
            writeTestCopies(dir, agentPort);
            try (Prometheus prometheus = Prometheus.start(dir.resolve("prometheus.yml"), dir)) {
                String firing = awaitAlert(prometheus, "LowConnectionReuse", ports.get("connection-close"), 120);
                assertTrue(firing.contains("\"connscope_connection_direction\":\"outbound\"")
                        || firing.contains("\"connscope_connection_direction\":\"inbound\""), firing);
                JsonNode alerts = prometheus.api("/api/v1/alerts").get("alerts");
                for (JsonNode a : alerts) {
                    if ("LowConnectionReuse".equals(a.at("/labels/alertname").asText())) {
                        assertTrue(!String.valueOf(ports.get("keepalive")).equals(a.at("/labels/server_port").asText()),
                                "the keepalive peer (4 of 5 requests reused) must not alert: " + a);
                    }
                }
                // Every rule, the HTTP/2 ones without data too, has evaluated without an error.
                for (JsonNode g : prometheus.api("/api/v1/rules").get("groups")) {
                    for (JsonNode r : g.get("rules")) {
                        assertEquals("ok", r.path("health").asText(), r.toString());
                    }
                }
                everyDashboardQueryReturnsData(prometheus, 90);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n--- demo stdout (tail):\n" + tail(demo.stdout())
                        + "\n--- demo stderr:\n" + tail(demo.stderr()), e);
            }
            everyUsedMetricIsOnTheAgentEndpoint(agentPort, 30);
            assertTrue(!demo.stdout().contains("MISMATCH"), "the looping demo reported a mismatch\n" + tail(demo.stdout()));
        } finally {
            demo.stop();
            DemoFork.deleteAll(dir);
        }
    }

    /** The stack's rule files with the documented overrides for a test that has seconds, not hours. */
    @SuppressWarnings("unchecked")
    private static void writeTestCopies(Path dir, int agentPort) throws Exception {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Yaml yaml = new Yaml(options);

        Map<String, Object> thresholds = StackFiles.yaml("prometheus/connscope-thresholds.yml");
        int overridden = 0;
        for (Object g : list(thresholds.get("groups"), "groups")) {
            for (Object r : list(map(g, "group").get("rules"), "rules")) {
                Map<String, Object> rule = map(r, "rule");
                if ("connscope:threshold:low_reuse_min_requests_per_second".equals(rule.get("record"))) {
                    rule.put("expr", "vector(0.2)");
                    overridden++;
                }
            }
        }
        assertEquals(1, overridden, "the thresholds file names low_reuse_min_requests_per_second once");
        Files.writeString(dir.resolve("connscope-thresholds.yml"), yaml.dump(thresholds));

        Map<String, Object> alerts = StackFiles.yaml("prometheus/connscope-alerts.yml");
        overridden = 0;
        for (Object g : list(alerts.get("groups"), "groups")) {
            for (Object r : list(map(g, "group").get("rules"), "rules")) {
                Map<String, Object> rule = map(r, "rule");
                if ("LowConnectionReuse".equals(rule.get("alert"))) {
                    rule.put("for", "5s");
                    overridden++;
                }
            }
        }
        assertEquals(1, overridden, "the alerts file has LowConnectionReuse once");
        Files.writeString(dir.resolve("connscope-alerts.yml"), yaml.dump(alerts));

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("global", Map.of("scrape_interval", "1s", "evaluation_interval", "1s"));
        config.put("rule_files", List.of("connscope-thresholds.yml", "connscope-alerts.yml"));
        config.put("scrape_configs", List.of(Map.of("job_name", "connscope-demo",
                "static_configs", List.of(Map.of("targets", List.of("127.0.0.1:" + agentPort))))));
        Files.writeString(dir.resolve("prometheus.yml"), yaml.dump(config));
        String[] check = Prometheus.run(List.of(Prometheus.binary("promtool"), "check", "config", "prometheus.yml"), dir);
        assertEquals("0", check[0], check[1]);
    }

    /** Waits until {@code alert} is firing for the peer on {@code serverPort}; returns that alert's JSON. */
    private static String awaitAlert(Prometheus prometheus, String alert, int serverPort, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String last = "";
        while (System.nanoTime() < deadline) {
            JsonNode alerts = prometheus.api("/api/v1/alerts").get("alerts");
            last = alerts.toString();
            for (JsonNode a : alerts) {
                if (alert.equals(a.at("/labels/alertname").asText())
                        && String.valueOf(serverPort).equals(a.at("/labels/server_port").asText())
                        && "firing".equals(a.path("state").asText())) {
                    return a.toString();
                }
            }
            Thread.sleep(1000);
        }
        return fail(alert + " did not fire for port " + serverPort + " within " + seconds + " s; alerts: " + last
                + "\nreuse ratio: " + prometheus.query("connscope:http_reuse_ratio:rate5m")
                + "\nrequests/s: " + prometheus.query("connscope:http_requests:rate5m")
                + "\n--- prometheus log:\n" + prometheus.log());
    }

    /**
     * Every PromQL target expression of the dashboard, with Grafana's $__rate_interval as 1m, returns a non-empty
     * result. (Its Jaeger panel's search is checked against the spans by TraceSpansIT and StackFilesTest.)
     */
    private static void everyDashboardQueryReturnsData(Prometheus prometheus, int seconds) throws Exception {
        List<String> pending = new ArrayList<>();
        for (Map.Entry<String, List<JsonNode>> row : StackFiles.prometheusPanelsByRow().entrySet()) {
            for (JsonNode p : row.getValue()) {
                for (JsonNode t : p.get("targets")) {
                    String expr = t.get("expr").asText().replace("$__rate_interval", "1m");
                    if (row.getKey().equals(StackFilesTest.HTTP2_ROW)) {
                        prometheus.query(expr); // no HTTP/2 in the demo: it must evaluate, without data
                    } else {
                        pending.add(expr);
                    }
                }
            }
        }
        assertTrue(pending.size() >= 9, "dashboard expressions: " + pending);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        // Some series exist only at moments (an open HTTP connection): ask again until each has answered once.
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            pending.removeIf(expr -> {
                try {
                    return prometheus.query(expr).size() > 0;
                } catch (Exception e) {
                    throw new AssertionError("query failed: " + expr + ": " + e, e);
                }
            });
            if (!pending.isEmpty()) {
                Thread.sleep(1000);
            }
        }
        assertTrue(pending.isEmpty(), "dashboard queries without data after " + seconds + " s: " + pending);
    }

    /** The names the rules and the dashboard use, against what the agent's Prometheus endpoint really serves. */
    private static void everyUsedMetricIsOnTheAgentEndpoint(int agentPort, int seconds) throws Exception {
        Set<String> used = new TreeSet<>();
        for (String expr : StackFiles.ruleExpressions("prometheus/connscope-alerts.yml")) {
            used.addAll(StackFiles.metricNames(expr));
        }
        for (List<JsonNode> row : StackFiles.prometheusPanelsByRow().values()) {
            for (JsonNode p : row) {
                for (JsonNode t : p.get("targets")) {
                    used.addAll(StackFiles.metricNames(t.get("expr").asText()));
                }
            }
        }
        used.removeAll(StackFilesTest.AGENT_HTTP2_METRICS); // recorded when an HTTP/2 connection closes; the demo has none
        Set<String> served = new HashSet<>();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Set<String> expected = new HashSet<>(used);
        expected.addAll(StackFilesTest.AGENT_METRICS);
        while (!served.containsAll(expected) && System.nanoTime() < deadline) {
            String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agentPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : text.split("\n")) {
                if (!line.isEmpty() && !line.startsWith("#")) {
                    served.add(line.split("[{ ]")[0]);
                }
            }
            Thread.sleep(500);
        }
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(served);
        assertTrue(missing.isEmpty(), "used or listed but not served by the agent: " + missing + "; served: " + served);
    }

    private static String tail(String s) {
        return s.length() > 6000 ? "..." + s.substring(s.length() - 6000) : s;
    }

    /** The demo jar with the agent, looping, serving Prometheus metrics on {@code agentPort}. */
    private static final class DemoLoop {
        private final io.connscope.demo.it.DemoFork fork;

        private DemoLoop(io.connscope.demo.it.DemoFork fork) {
            this.fork = fork;
        }

        static DemoLoop start(int agentPort, String... args) throws Exception {
            return new DemoLoop(io.connscope.demo.it.DemoFork.start(List.of("-Dconnscope.console=off",
                    "-Dotel.metrics.exporter=prometheus", "-Dotel.traces.exporter=none",
                    "-Dotel.exporter.prometheus.port=" + agentPort), args));
        }

        /** Each named scenario's server port, from the first iteration's output. */
        Map<String, Integer> serverPorts(List<String> scenarios, int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            Map<String, Integer> ports = new LinkedHashMap<>();
            while (ports.size() < scenarios.size() && System.nanoTime() < deadline) {
                Matcher m = SERVER_PORT.matcher(fork.stdout());
                while (m.find()) {
                    if (scenarios.contains(m.group(1))) {
                        ports.put(m.group(1), Integer.parseInt(m.group(2)));
                    }
                }
                if (!fork.process.isAlive()) {
                    fail("the demo exited\n" + fork.describe());
                }
                Thread.sleep(200);
            }
            assertEquals(scenarios.size(), ports.size(), "server ports of " + scenarios + "\n" + fork.describe());
            return ports;
        }

        String stdout() {
            return fork.stdout();
        }

        String stderr() {
            return fork.stderr();
        }

        void stop() throws Exception {
            fork.stop();
        }
    }
}
