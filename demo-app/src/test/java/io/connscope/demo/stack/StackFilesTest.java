package io.connscope.demo.stack;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.connscope.demo.stack.StackFiles.list;
import static io.connscope.demo.stack.StackFiles.map;
import static io.connscope.demo.stack.StackFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The otel-collector/ stack's files hang together: the collector's pipelines use only defined components, traces go
 * to Jaeger over OTLP and metrics to Prometheus; every compose image is pinned; every file compose mounts exists;
 * Prometheus scrapes the collector's exporter port; Grafana's dashboard uses provisioned data sources and has the
 * panels connscope's users look for. (promtool checks the Prometheus files themselves: PrometheusRulesIT.)
 */
class StackFilesTest {

    /** The metric names the agent serves (checked against its real endpoint by AlertsEndToEndIT). */
    static final Set<String> AGENT_METRICS = Set.of(
            "connscope_connection_opened_total", "connscope_connection_closed_total",
            "connscope_connection_duration_seconds_bucket", "connscope_connection_duration_seconds_sum",
            "connscope_connection_duration_seconds_count", "connscope_connection_requests_bucket",
            "connscope_connection_requests_sum", "connscope_connection_requests_count",
            "connscope_http_requests_total", "connscope_connection_bytes_total", "connscope_connection_keepalive_total",
            "http_client_open_connections", "http_client_connection_duration_seconds_bucket",
            "connscope_export_dropped_total", "connscope_kernel_time_wait", "connscope_kernel_ports_in_use",
            "connscope_kernel_port_usage_ratio", "connscope_kernel_ephemeral_ports",
            "connscope_kernel_keepalive_unanswered");

    /**
     * The HTTP/2 metric names the agent serves once an HTTP/2 connection has closed (they are recorded at the close;
     * the demo speaks HTTP/1.1 only, so AlertsEndToEndIT cannot see them on its endpoint). Named by the same rules as
     * those above: dots become underscores, counters end in _total, unit s adds _seconds, {annotations} add nothing.
     */
    static final Set<String> AGENT_HTTP2_METRICS = Set.of(
            "connscope_http2_goaways_total", "connscope_http2_stream_resets_total", "connscope_http2_pings_total",
            "connscope_http2_ping_rtt_seconds_bucket", "connscope_http2_ping_rtt_seconds_sum",
            "connscope_http2_ping_rtt_seconds_count", "connscope_http2_streams_bucket", "connscope_http2_streams_sum",
            "connscope_http2_streams_count");

    /** The dashboard's row whose panels show HTTP/2 only. */
    static final String HTTP2_ROW = "HTTP/2";

    /** The dashboard's row whose panels query Jaeger, not Prometheus. */
    static final String TRACES_ROW = "Connections in request traces";

    /**
     * The constant attribute of the connect spans connscope puts into request traces, which the dashboard's Jaeger
     * panel searches by: {@code ConnscopeAttributes.SPAN_TYPE} and {@code RequestTraceSpans.TYPE_CONNECT} in the agent
     * (checked below against their source; TraceSpansIT checks the spans the agent exports carry it).
     */
    static final String CONNECT_SPAN_TAG_KEY = "connscope.span.type";
    static final String CONNECT_SPAN_TAG_VALUE = "socket_connect";

    private static Set<String> servedOrHttp2() {
        Set<String> all = new HashSet<>(AGENT_METRICS);
        all.addAll(AGENT_HTTP2_METRICS);
        return all;
    }

    @Test
    void collectorPipelinesUseDefinedComponentsAndSendTracesToJaegerAndMetricsToPrometheus() throws Exception {
        Map<String, Object> c = yaml("otel-collector-config.yaml");
        Map<String, Object> otlp = map(map(c.get("receivers"), "receivers").get("otlp"), "otlp receiver");
        Map<String, Object> protocols = map(otlp.get("protocols"), "otlp protocols");
        assertEquals("0.0.0.0:4317", map(protocols.get("grpc"), "grpc").get("endpoint"));
        assertEquals("0.0.0.0:4318", map(protocols.get("http"), "http").get("endpoint"));
        Map<String, Object> service = map(c.get("service"), "service");
        Map<String, Object> pipelines = map(service.get("pipelines"), "pipelines");
        assertEquals(Set.of("traces", "metrics"), pipelines.keySet());
        for (Map.Entry<String, Object> p : pipelines.entrySet()) {
            Map<String, Object> pipeline = map(p.getValue(), p.getKey());
            for (String kind : List.of("receivers", "processors", "exporters")) {
                for (Object name : list(pipeline.get(kind), p.getKey() + "." + kind)) {
                    assertTrue(map(c.get(kind), kind).containsKey(name), p.getKey() + " uses undefined " + kind + " " + name);
                }
            }
        }
        for (Object e : list(service.get("extensions"), "extensions")) {
            assertTrue(map(c.get("extensions"), "extensions").containsKey(e), "undefined extension " + e);
        }
        Map<String, Object> exporters = map(c.get("exporters"), "exporters");
        assertEquals(List.of("otlp/jaeger"), map(pipelines.get("traces"), "traces").get("exporters"));
        assertEquals("jaeger:4317", map(exporters.get("otlp/jaeger"), "otlp/jaeger").get("endpoint"));
        assertEquals(List.of("prometheus"), map(pipelines.get("metrics"), "metrics").get("exporters"));
        assertEquals("0.0.0.0:8889", map(exporters.get("prometheus"), "prometheus").get("endpoint"));
        assertEquals(List.of("otlp"), map(pipelines.get("traces"), "traces").get("receivers"));
        assertEquals(List.of("otlp"), map(pipelines.get("metrics"), "metrics").get("receivers"));
    }

    @Test
    void composePinsEveryImageAndMountsFilesThatExist() throws Exception {
        Map<String, Object> compose = yaml("compose.yaml");
        Map<String, Object> services = map(compose.get("services"), "services");
        assertEquals(Set.of("otel-collector", "jaeger", "prometheus", "grafana"), services.keySet());
        Map<String, String> images = Map.of("otel-collector", "otel/opentelemetry-collector-contrib:",
                "jaeger", "jaegertracing/all-in-one:", "prometheus", "prom/prometheus:", "grafana", "grafana/grafana:");
        for (Map.Entry<String, Object> s : services.entrySet()) {
            Map<String, Object> svc = map(s.getValue(), s.getKey());
            String image = String.valueOf(svc.get("image"));
            assertTrue(image.startsWith(images.get(s.getKey())), s.getKey() + " image " + image);
            String tag = image.substring(image.indexOf(':') + 1);
            assertTrue(tag.matches("v?\\d+\\.\\d+\\.\\d+"), s.getKey() + " is not pinned to a version: " + image);
            Object volumes = svc.get("volumes");
            if (volumes != null) {
                for (Object v : list(volumes, s.getKey() + " volumes")) {
                    String host = String.valueOf(v).split(":")[0];
                    assertTrue(Files.exists(StackFiles.dir().resolve(host)), s.getKey() + " mounts missing " + host);
                }
            }
            Object deps = svc.get("depends_on");
            if (deps != null) {
                for (Object d : list(deps, s.getKey() + " depends_on")) {
                    assertTrue(services.containsKey(d), s.getKey() + " depends on unknown " + d);
                }
            }
            Object ports = svc.get("ports");
            if (ports != null) {
                for (Object p : list(ports, s.getKey() + " ports")) {
                    assertTrue(String.valueOf(p).startsWith("127.0.0.1:"), s.getKey() + " publishes beyond loopback: " + p);
                }
            }
        }
        List<Object> ports = list(map(services.get("otel-collector"), "collector").get("ports"), "collector ports");
        assertTrue(ports.contains("127.0.0.1:4317:4317") && ports.contains("127.0.0.1:4318:4318"), ports.toString());
        // The collector's config is the file next to compose.yaml.
        String command = String.valueOf(map(services.get("otel-collector"), "collector").get("command"));
        assertTrue(command.contains("--config=/etc/otelcol-contrib/config.yaml"), command);
        assertTrue(list(map(services.get("otel-collector"), "collector").get("volumes"), "volumes")
                .contains("./otel-collector-config.yaml:/etc/otelcol-contrib/config.yaml:ro"));
    }

    @Test
    void prometheusScrapesTheCollectorAndLoadsTheRules() throws Exception {
        Map<String, Object> prom = yaml("prometheus/prometheus.yml");
        List<Object> ruleFiles = list(prom.get("rule_files"), "rule_files");
        assertEquals(List.of("connscope-thresholds.yml", "connscope-alerts.yml"), ruleFiles);
        for (Object f : ruleFiles) {
            assertTrue(Files.isRegularFile(StackFiles.dir().resolve("prometheus").resolve(String.valueOf(f))), "missing " + f);
        }
        Map<String, Object> job = map(list(prom.get("scrape_configs"), "scrape_configs").get(0), "job");
        Map<String, Object> targets = map(list(job.get("static_configs"), "static_configs").get(0), "static_configs");
        assertEquals(List.of("otel-collector:8889"), targets.get("targets"));
    }

    @Test
    void grafanaProvisionsBothDataSourcesAndTheDashboardFolder() throws Exception {
        Map<String, Object> ds = yaml("grafana/provisioning/datasources/datasources.yaml");
        Map<String, String> urls = new java.util.HashMap<>();
        for (Object o : list(ds.get("datasources"), "datasources")) {
            Map<String, Object> d = map(o, "datasource");
            urls.put(String.valueOf(d.get("uid")), String.valueOf(d.get("url")));
        }
        assertEquals(Map.of("prometheus", "http://prometheus:9090", "jaeger", "http://jaeger:16686"), urls);
        Map<String, Object> provider = map(list(yaml("grafana/provisioning/dashboards/dashboards.yaml").get("providers"),
                "providers").get(0), "provider");
        assertEquals("/var/lib/grafana/dashboards", map(provider.get("options"), "options").get("path"));
    }

    @Test
    void dashboardHasThePanelsAndUsesOnlyMetricsTheAgentServes() throws Exception {
        Map<String, List<JsonNode>> rows = StackFiles.dashboardPanelsByRow();
        List<String> titles = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        Set<String> ids = new HashSet<>();
        for (Map.Entry<String, List<JsonNode>> row : rows.entrySet()) {
            for (JsonNode p : row.getValue()) {
                titles.add(p.get("title").asText());
                assertTrue(ids.add(p.get("id").asText()), "two panels with id " + p.get("id"));
                if (row.getKey().equals(TRACES_ROW)) {
                    continue; // Jaeger's panels: jaegerPanelListsTracesWhoseRequestsOpenedAConnection
                }
                assertEquals("prometheus", p.get("datasource").get("uid").asText(), p.get("title").asText());
                assertTrue(p.get("targets").size() > 0, p.get("title").asText());
                for (JsonNode t : p.get("targets")) {
                    List<String> names = StackFiles.metricNames(t.get("expr").asText());
                    used.addAll(names);
                    // The HTTP/2 row shows HTTP/2 metrics, and they are shown there only.
                    assertEquals(row.getKey().equals(HTTP2_ROW), names.stream().anyMatch(AGENT_HTTP2_METRICS::contains),
                            row.getKey() + ": " + p.get("title").asText() + ": " + names);
                }
            }
        }
        for (String wanted : List.of("Connections opened per second, by peer", "Connections closed per second, by who closed first",
                "HTTP connection reuse ratio per peer", "HTTP requests per connection (mean, at close)",
                "Connection duration (p50, p95)", "Share of connections without TCP keep-alive",
                "Open outbound HTTP connections, active and idle", "Close reasons per second")) {
            assertTrue(titles.contains(wanted), "panel '" + wanted + "' in " + titles);
        }
        List<String> http2 = new ArrayList<>();
        for (JsonNode p : rows.getOrDefault(HTTP2_ROW, List.of())) {
            http2.add(p.get("title").asText());
        }
        assertEquals(List.of("HTTP/2 GOAWAYs per second, by sender and code", "HTTP/2 stream resets per second, by sender and code",
                "HTTP/2 PINGs per second, acknowledged and unanswered", "HTTP/2 PING round trip (p50, p95)",
                "HTTP/2 streams per connection (mean, at close), by the side that opened them"), http2);
        assertTrue(used.containsAll(Set.of("connscope_http2_goaways_total", "connscope_http2_stream_resets_total",
                "connscope_http2_pings_total", "connscope_http2_ping_rtt_seconds_bucket", "connscope_http2_streams_sum",
                "connscope_http2_streams_count")), "the HTTP/2 row shows every HTTP/2 metric: " + used);
        Set<String> unknown = new HashSet<>(used);
        unknown.removeAll(servedOrHttp2());
        assertTrue(unknown.isEmpty(), "dashboard metrics the agent does not serve: " + unknown);
    }

    @Test
    void jaegerPanelListsTracesWhoseRequestsOpenedAConnection() throws Exception {
        // The data source it names is provisioned, as Jaeger.
        Map<String, String> types = new java.util.HashMap<>();
        for (Object o : list(yaml("grafana/provisioning/datasources/datasources.yaml").get("datasources"), "datasources")) {
            Map<String, Object> d = map(o, "datasource");
            types.put(String.valueOf(d.get("uid")), String.valueOf(d.get("type")));
        }
        List<JsonNode> panels = StackFiles.dashboardPanelsByRow().get(TRACES_ROW);
        assertTrue(panels != null && panels.size() == 1, "one panel in the row '" + TRACES_ROW + "': " + panels);
        JsonNode p = panels.get(0);
        assertEquals("Traces whose requests opened a new connection (Jaeger)", p.get("title").asText());
        assertEquals("table", p.get("type").asText(), "Grafana shows Jaeger's search results as a table");
        assertEquals("jaeger", p.path("datasource").path("type").asText());
        assertEquals("jaeger", types.get(p.path("datasource").path("uid").asText()), "a provisioned Jaeger data source");
        assertEquals(1, p.get("targets").size());
        JsonNode t = p.get("targets").get(0);
        assertEquals(p.get("datasource"), t.get("datasource"));
        // Grafana's Jaeger query model: a search by service, tags in logfmt, and a limit of traces.
        assertEquals("search", t.path("queryType").asText());
        assertTrue(t.path("limit").isInt() && t.path("limit").asInt() > 0, "limit: " + t.path("limit"));
        assertTrue(t.path("operation").isMissingNode(), "all operations: the connect spans' names hold the address");
        assertEquals(Map.of(CONNECT_SPAN_TAG_KEY, CONNECT_SPAN_TAG_VALUE), logfmt(t.path("tags").asText()));
        // Jaeger searches within one service: the dashboard's textbox variable, with the README's service as default.
        assertEquals("$service", t.path("service").asText());
        JsonNode service = null;
        for (JsonNode v : StackFiles.dashboard().path("templating").path("list")) {
            if ("service".equals(v.path("name").asText())) {
                service = v;
            }
        }
        assertTrue(service != null, "a dashboard variable 'service'");
        assertEquals("textbox", service.path("type").asText());
        assertEquals("demo", service.path("query").asText(), "the service name docs/opentelemetry.md runs the demo with");
        assertEquals("demo", service.path("current").path("value").asText());
        // The tag is one the agent sets: its attribute key and the connect spans' value, in its source.
        Path otel = StackFiles.dir().getParent().resolve("agent/src/main/java/io/connscope/agent/export/otel");
        String attributes = Files.readString(otel.resolve("ConnscopeAttributes.java"));
        assertTrue(attributes.contains("SPAN_TYPE = stringKey(\"" + CONNECT_SPAN_TAG_KEY + "\")"),
                "ConnscopeAttributes.SPAN_TYPE is " + CONNECT_SPAN_TAG_KEY);
        String spans = Files.readString(otel.resolve("RequestTraceSpans.java"));
        assertTrue(spans.contains("TYPE_CONNECT = \"" + CONNECT_SPAN_TAG_VALUE + "\""),
                "RequestTraceSpans.TYPE_CONNECT is " + CONNECT_SPAN_TAG_VALUE);
    }

    /** Grafana's Jaeger tags: logfmt, {@code key=value} pairs separated by spaces (no quoting needed here). */
    static Map<String, String> logfmt(String tags) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String pair : tags.trim().split("\\s+")) {
            int eq = pair.indexOf('=');
            assertTrue(eq > 0 && eq < pair.length() - 1 && !pair.contains("\""), "a plain key=value pair: " + pair);
            m.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return m;
    }

    @Test
    void alertRulesUseOnlyMetricsTheAgentServes() throws Exception {
        Set<String> used = new TreeSet<>();
        for (String expr : StackFiles.ruleExpressions("prometheus/connscope-alerts.yml")) {
            used.addAll(StackFiles.metricNames(expr));
        }
        Set<String> unknown = new HashSet<>(used);
        unknown.removeAll(servedOrHttp2());
        assertTrue(unknown.isEmpty(), "alert metrics the agent does not serve: " + unknown);
        assertTrue(used.containsAll(Set.of("connscope_http_requests_total", "connscope_connection_opened_total",
                "connscope_connection_closed_total", "connscope_connection_keepalive_total",
                "connscope_http2_goaways_total", "connscope_http2_pings_total", "connscope_http2_streams_count")),
                used.toString());
    }

    @Test
    void metricNamesSkipRecordedSeriesAndLabels() {
        assertEquals(List.of("connscope_http_requests_total"), StackFiles.metricNames(
                "connscope:http_reuse_ratio:rate5m < on () connscope:threshold:low_reuse_ratio and sum by "
                        + "(connscope_connection_direction) (rate(connscope_http_requests_total{connscope_connection_reused=\"true\"}[5m]))"));
        assertEquals(List.of("connscope_connection_keepalive_total"), StackFiles.metricNames(
                "sum by (server_port) (connscope_connection_keepalive_total)"));
        // Digits in a name (http2), and recorded series with digits (connscope:http2_goaways:increase15m).
        assertEquals(List.of("connscope_http2_goaways_total", "connscope_http2_goaways_total"), StackFiles.metricNames(
                "connscope:http2_goaways:increase15m{connscope_http2_sender=\"server\"} > 0 or (increase("
                        + "connscope_http2_goaways_total[15m]) and connscope_http2_goaways_total offset 15m)"));
        Path unused = StackFiles.dir();
        assertTrue(Files.isDirectory(unused));
    }
}
