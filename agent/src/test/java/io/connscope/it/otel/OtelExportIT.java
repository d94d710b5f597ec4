package io.connscope.it.otel;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Fork;
import io.connscope.it.driver.OtelScenario;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.connscope.it.otel.OtlpReceiver.attribute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenTelemetry export against a real OTLP receiver on loopback ({@link OtlpReceiver}: OTLP/HTTP and gRPC, decoded
 * with the official protobuf classes). One known scenario ({@link OtelScenario}: a kept-alive connection with three
 * requests, a {@code Connection: close} one, a refused connect) must arrive exactly: five spans, their initiators,
 * reuse and request events; the metrics' totals; nothing of the exporter's own traffic.
 */
class OtelExportIT {

    /** Metrics are collected every 500 ms, and once more at exit. */
    private static final List<String> FAST_METRICS = List.of("-Dotel.metric.export.interval=500");

    @Test
    void otlpHttpConfiguredByEnvironmentCarriesTheScenarioExactly() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            Fork.Result run = Fork.start(List.of(), List.of(), Map.of(
                            "OTEL_SERVICE_NAME", "connscope-it",
                            "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=it,team=net",
                            "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + receiver.port(),
                            "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                            "OTEL_EXPORTER_OTLP_HEADERS", "x-connscope-test=from-env",
                            "OTEL_METRIC_EXPORT_INTERVAL", "500"),
                    OtelScenario.class.getName()).await();
            checkScenario(run, receiver);
            assertFalse(receiver.testHeaders().isEmpty(), "OTEL_EXPORTER_OTLP_HEADERS reached the collector");
            assertTrue(receiver.testHeaders().stream().allMatch("from-env"::equals), receiver.testHeaders().toString());
        }
    }

    @Test
    void otlpGrpcConfiguredBySystemPropertiesCarriesTheScenarioExactly() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.GRPC)) {
            List<String> args = new ArrayList<>(receiver.agentSettings());
            args.addAll(FAST_METRICS);
            args.add("-Dotel.service.name=connscope-it");
            args.add("-Dotel.resource.attributes=deployment.environment.name=it,team=net");
            Fork.Result run = Fork.run(args, OtelScenario.class.getName());
            checkScenario(run, receiver);
        }
    }

    /**
     * connscope's own OpenTelemetry settings ({@code connscope.otel.*}): the SDK ignores names it does not know, so
     * connscope says which of them nothing read, one line each, and exports with the rest. A name in another
     * spelling the SDK accepts (upper case, '-' for '.') is read, and so not named.
     */
    @Test
    void aMisspeltConnscopeOtelSettingIsNamedOnceAndTheRestApply() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = new ArrayList<>();
            args.add("-Dconnscope.otel.exporter.otlp.endpoint=http://127.0.0.1:" + receiver.port());
            args.add("-Dconnscope.otel.exporter.otlp.protocol=http/protobuf");
            args.add("-Dconnscope.otel.metric.export.interval=500");
            args.add("-Dconnscope.otel.Service-Name=connscope-it");
            args.add("-Dconnscope.otel.resource.attributes=deployment.environment.name=it,team=net");
            args.add("-Dconnscope.otel.exporter.otlp.timout=5000");
            // A setting of an exporter that is not configured has no effect either.
            args.add("-Dconnscope.otel.exporter.zipkin.endpoint=http://127.0.0.1:9411");
            Fork.Result run = Fork.run(args, OtelScenario.class.getName());
            checkScenario(run, receiver);
            List<String> named = run.stderr.lines().filter(l -> l.contains(" had no effect: "))
                    .sorted().collect(Collectors.toList());
            assertEquals(2, named.size(), named + "\n" + run.describe());
            assertTrue(named.get(0).startsWith("connscope: connscope.otel.exporter.otlp.timout had no effect: "),
                    named.get(0));
            assertTrue(named.get(1).startsWith("connscope: connscope.otel.exporter.zipkin.endpoint had no effect: "),
                    named.get(1));
        }
    }

    private static void checkScenario(Fork.Result run, OtlpReceiver receiver) throws Exception {
        String context = "\n" + run.describe();
        assertEquals(0, run.exit, context);
        int port = run.resultValue("server_port");
        int refused = run.resultValue("refused_port");

        // Resource: the standard settings, as users know them.
        assertFalse(receiver.resourceSpans().isEmpty(), "spans arrived" + context);
        for (ResourceSpans rs : receiver.resourceSpans()) {
            assertEquals("connscope-it", attribute(rs.getResource(), "service.name"), context);
            assertEquals("it", attribute(rs.getResource(), "deployment.environment.name"), context);
            assertEquals("net", attribute(rs.getResource(), "team"), context);
        }

        List<Span> spans = receiver.spans();
        String all = spans.stream().map(OtelExportIT::describe).collect(Collectors.joining("\n"));
        context = "\nspans:\n" + all + context;
        // Exactly the scenario's connections, each side once: none of the exporter's own.
        assertEquals(5, spans.size(), "A and B from both sides, and the refused connect" + context);
        for (Span s : spans) {
            String sp = attribute(s.getAttributesList(), "server.port");
            assertTrue(sp.equals(Integer.toString(port)) || sp.equals(Integer.toString(refused)),
                    "only the scenario's connections: " + describe(s) + context);
            assertFalse(describe(s).contains("secret"), "query strings are never exported: " + describe(s));
        }

        Span aOut = one(spans, "outbound", "3", context);
        Span aIn = one(spans, "inbound", "3", context);
        Span bOut = one(spans, "outbound", "1", context);
        Span bIn = one(spans, "inbound", "1", context);
        assertEquals("outbound HTTP connection", aOut.getName(), context);
        assertEquals("inbound HTTP connection", aIn.getName(), context);
        assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, aOut.getKind(), context);
        assertEquals(Span.SpanKind.SPAN_KIND_SERVER, aIn.getKind(), context);
        // The client closed A (the server read its FIN), the server closed B after Connection: close.
        assertEquals("local", attribute(aOut.getAttributesList(), "connscope.close.initiator"), context);
        assertEquals("remote", attribute(aIn.getAttributesList(), "connscope.close.initiator"), context);
        assertEquals("remote", attribute(bOut.getAttributesList(), "connscope.close.initiator"), context);
        assertEquals("local", attribute(bIn.getAttributesList(), "connscope.close.initiator"), context);
        assertEquals("connection_close_by_client", attribute(bOut.getAttributesList(), "connscope.close.reason"), context);
        for (Span s : List.of(aOut, aIn, bOut, bIn)) {
            assertEquals("tcp", attribute(s.getAttributesList(), "network.transport"), context);
            assertEquals("127.0.0.1", attribute(s.getAttributesList(), "server.address"), context);
            assertEquals("false", attribute(s.getAttributesList(), "connscope.keepalive.enabled"), context);
            assertNotNull(attribute(s.getAttributesList(), "network.peer.port"), context);
            assertNotNull(attribute(s.getAttributesList(), "network.local.port"), context);
            assertTrue(s.getEndTimeUnixNano() >= s.getStartTimeUnixNano(), context);
        }
        assertEquals(Long.toString(port), attribute(aIn.getAttributesList(), "network.local.port"), context);
        assertTrue(Long.parseLong(attribute(aOut.getAttributesList(), "connscope.connection.bytes_sent")) > 0, context);
        // One event per request, in order, the first on a new connection and the others reusing it.
        for (Span s : List.of(aOut, aIn)) {
            assertEquals(3, s.getEventsCount(), context);
            for (int i = 0; i < 3; i++) {
                Span.Event e = s.getEvents(i);
                assertEquals("http.request", e.getName(), context);
                assertEquals(Integer.toString(i + 1), attribute(e.getAttributesList(), "connscope.http.request.index"), context);
                assertEquals(Boolean.toString(i > 0), attribute(e.getAttributesList(), "connscope.connection.reused"), context);
                assertEquals("1.1", attribute(e.getAttributesList(), "network.protocol.version"), context);
            }
        }
        assertEquals("close", attribute(bOut.getEvents(0).getAttributesList(), "connscope.http.request.connection"), context);

        Span failed = spans.stream().filter(s -> attribute(s.getAttributesList(), "server.port").equals(Integer.toString(refused)))
                .findFirst().orElseThrow();
        assertEquals("outbound TCP connect", failed.getName(), context);
        assertEquals("refused", attribute(failed.getAttributesList(), "error.type"), context);
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, failed.getStatus().getCode(), context);

        // Metrics: the last cumulative values hold the totals.
        String peer = "server.address=127.0.0.1,server.port=" + port;
        Map<String, Long> requests = receiver.lastSums("connscope.http.requests");
        context = "\nrequests: " + requests + context;
        for (String dir : List.of("outbound", "inbound")) {
            assertEquals(2L, requests.get("connscope.connection.direction=" + dir + ",connscope.connection.reused=false," + peer), context);
            assertEquals(2L, requests.get("connscope.connection.direction=" + dir + ",connscope.connection.reused=true," + peer), context);
        }
        assertEquals(4, requests.size(), "no other series: " + requests + context);
        Map<String, Long> opened = receiver.lastSums("connscope.connection.opened");
        assertEquals(2L, opened.get("connscope.connection.direction=outbound,connscope.connection.outcome=success," + peer), opened + context);
        assertEquals(2L, opened.get("connscope.connection.direction=inbound,connscope.connection.outcome=success," + peer), opened + context);
        assertEquals(1L, opened.get("connscope.connection.direction=outbound,connscope.connection.outcome=failure,"
                + "server.address=127.0.0.1,server.port=" + refused), opened + context);
        assertEquals(3, opened.size(), "only the scenario's peers, no exporter traffic: " + opened + context);
        Map<String, Long> closed = receiver.lastSums("connscope.connection.closed");
        assertEquals(1L, closed.get("connscope.close.initiator=local,connscope.close.reason=" + attribute(aOut.getAttributesList(), "connscope.close.reason")
                + ",connscope.connection.direction=outbound," + peer), closed + context);
        assertEquals(4L, closed.values().stream().mapToLong(Long::longValue).sum(), closed + context);
        Map<String, Long> keepAlive = receiver.lastSums("connscope.connection.keepalive");
        assertEquals(2L, keepAlive.get("connscope.connection.direction=outbound,connscope.keepalive.enabled=false," + peer), keepAlive + context);
        Map<String, Long> bytes = receiver.lastSums("connscope.connection.bytes");
        assertTrue(bytes.get("connscope.connection.direction=outbound,network.io.direction=transmit," + peer) > 0, bytes + context);
        assertEquals(bytes.get("connscope.connection.direction=outbound,network.io.direction=transmit," + peer),
                bytes.get("connscope.connection.direction=inbound,network.io.direction=receive," + peer),
                "what the client sent is what the server received: " + bytes + context);
        Metric perConnection = receiver.lastMetric("connscope.connection.requests");
        assertNotNull(perConnection, context);
        for (HistogramDataPoint p : perConnection.getHistogram().getDataPointsList()) {
            assertEquals(2, p.getCount(), OtlpReceiver.render(p.getAttributesList()) + context);
            assertEquals(4.0, p.getSum(), OtlpReceiver.render(p.getAttributesList()) + context);
        }
        Metric httpDuration = receiver.lastMetric("http.client.connection.duration");
        assertNotNull(httpDuration, context);
        assertEquals(1, httpDuration.getHistogram().getDataPointsCount(), context);
        assertEquals(2, httpDuration.getHistogram().getDataPoints(0).getCount(), context);
        assertEquals("s", httpDuration.getUnit(), context);
        for (String name : List.of("connscope.connection.duration", "connscope.export.dropped")) {
            assertNotNull(receiver.lastMetric(name), name + context);
        }
        Map<String, Long> dropped = receiver.lastSums("connscope.export.dropped");
        assertEquals(0L, dropped.values().stream().mapToLong(Long::longValue).sum(), "nothing dropped: " + dropped + context);

        // The JSON Lines report agrees, and has no connection to the receiver either.
        List<JsonNode> records = run.records();
        assertEquals(5, records.stream().filter(r -> r.path("type").asText().equals("connection")).count(), context);
        assertTrue(records.stream().noneMatch(r -> r.path("remote_port").asInt() == receiver.port()), context);
    }

    /** The one span of a direction whose connection carried {@code requests} requests. */
    private static Span one(List<Span> spans, String direction, String requests, String context) {
        List<Span> found = spans.stream()
                .filter(s -> direction.equals(attribute(s.getAttributesList(), "connscope.connection.direction")))
                .filter(s -> requests.equals(attribute(s.getAttributesList(), "connscope.connection.requests")))
                .collect(Collectors.toList());
        assertEquals(1, found.size(), direction + " with " + requests + " requests" + context);
        return found.get(0);
    }

    static String describe(Span s) {
        StringBuilder sb = new StringBuilder(s.getName()).append(" {").append(OtlpReceiver.render(s.getAttributesList())).append('}');
        for (Span.Event e : s.getEventsList()) {
            sb.append(" [").append(e.getName()).append(' ').append(OtlpReceiver.render(e.getAttributesList())).append(']');
        }
        return sb.toString();
    }
    @Test
    void aLongLivedConnectionIsExportedAsLinkedSpansBeforeItCloses() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = new ArrayList<>(receiver.agentSettings());
            args.add("-Dconnscope.otel.span.max.duration=1");
            args.add("-Dotel.metrics.exporter=none");
            Fork.Result run = Fork.run(args, OtelScenario.class.getName(), "hold", "3500");
            List<Span> a = receiver.spans().stream()
                    .filter(s -> "outbound".equals(attribute(s.getAttributesList(), "connscope.connection.direction")))
                    .filter(s -> "1".equals(attribute(s.getAttributesList(), "connscope.connection.id")))
                    .sorted(java.util.Comparator.comparingLong(Span::getStartTimeUnixNano))
                    .collect(Collectors.toList());
            String context = "\n" + a.stream().map(OtelExportIT::describe).collect(Collectors.joining("\n")) + "\n" + run.describe();
            // Open for 3.5 s with spans of at most 1 s (checked every second): at least 3 spans, one after another.
            assertTrue(a.size() >= 3, "continued spans" + context);
            int events = 0;
            for (int i = 0; i < a.size(); i++) {
                Span s = a.get(i);
                events += s.getEventsCount();
                boolean last = i == a.size() - 1;
                assertEquals(last ? null : "true", attribute(s.getAttributesList(), "connscope.span.continued"), context);
                if (i > 0) {
                    assertEquals(1, s.getLinksCount(), "linked to the span it continues" + context);
                    assertEquals(a.get(i - 1).getSpanId(), s.getLinks(0).getSpanId(), context);
                    assertEquals(Integer.toString(i), attribute(s.getAttributesList(), "connscope.span.segment"), context);
                    assertEquals(a.get(i - 1).getEndTimeUnixNano(), s.getStartTimeUnixNano(), "no gap, no overlap" + context);
                }
            }
            assertEquals(3, events, "each request once, in the span of its time" + context);
            assertEquals("3", attribute(a.get(a.size() - 1).getAttributesList(), "connscope.connection.requests"), context);
            assertEquals("closed", attribute(a.get(a.size() - 1).getAttributesList(), "connscope.connection.state"), context);
        }
    }

    @Test
    void anApplicationWithItsOwnOpenTelemetryKeepsItsGlobalAndConnscopeExportsAlongside() throws Exception {
        List<java.nio.file.Path> ownApi = new ArrayList<>();
        for (Class<?> c : List.of(io.opentelemetry.api.GlobalOpenTelemetry.class, io.opentelemetry.context.Context.class,
                io.opentelemetry.common.ComponentLoader.class)) {
            ownApi.add(java.nio.file.Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI()));
        }
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = new ArrayList<>(receiver.agentSettings());
            args.add("-Dotel.metrics.exporter=none");
            Fork.Result run = Fork.run(args, ownApi, io.connscope.it.driver.AppOwnOpenTelemetry.class.getName());
            String context = "\n" + run.describe();
            assertEquals(1, run.resultValue("global_is_noop"), "the application's global is its own (no-op)" + context);
            assertEquals(0, run.resultValue("global_class_from_connscope"), context);
            assertEquals(1, run.resultValue("global_is_noop_after"), context);
            assertTrue(receiver.spans().stream().noneMatch(s -> s.getName().startsWith("app-own") || s.getName().equals("x")),
                    "the application's spans never reach connscope's exporter" + context);
            assertEquals(5, receiver.spans().size(), "connscope's own spans do" + context);
        }
    }

    @Test
    void theConsoleExportersPrintSpansAndMetrics() throws Exception {
        // They log through java.util.logging, which the JVM shuts down at exit: the run lingers so that the
        // spans and a collection are printed while it lives.
        Fork.Result run = Fork.run(List.of("-Dotel.traces.exporter=console", "-Dotel.metrics.exporter=console",
                "-Dotel.metric.export.interval=500", "-Dconnscope.console=off"), OtelScenario.class.getName(),
                "linger", "2000");
        String context = "\n" + run.describe();
        assertEquals(4, run.stderr.lines().filter(l -> l.contains("'outbound HTTP connection'")
                || l.contains("'inbound HTTP connection'")).count(), "A and B, from both sides" + context);
        assertTrue(run.stderr.contains("connscope.http.requests"), "the metrics too" + context);
    }

    @Test
    void withoutAnyOpenTelemetrySettingTheConsoleReportStaysAndNoSdkRuns() throws Exception {
        Fork.Result run = Fork.run(List.of(), OtelScenario.class.getName(), "linger", "1500");
        assertEquals(0, run.resultValue("sdk_threads"), run.describe());
        assertTrue(run.stderr.contains("connscope: summary (exit)"), run.describe());
        assertFalse(run.stderr.contains("OpenTelemetry"), run.describe());
    }

    @Test
    void prometheusEndpointOnLoopbackServesTheTotalsAndItsScrapesAreNotTraced() throws Exception {
        int promPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            promPort = probe.getLocalPort();
        }
        Fork.Running running = Fork.start(List.of("-Dotel.metrics.exporter=prometheus", "-Dotel.traces.exporter=none",
                "-Dotel.exporter.prometheus.port=" + promPort), List.of(), OtelScenario.class.getName(), "wait");
        String text;
        try {
            // The SDK starts off the application's main thread: scrape until the scenario's totals are there.
            long deadline = System.nanoTime() + 20_000_000_000L;
            text = "";
            while (System.nanoTime() < deadline && !(running.stdoutSoFar().contains("RESULT ")
                    && text.contains("connscope_connection_opened_total{connscope_connection_direction=\"outbound\",connscope_connection_outcome=\"failure\""))) {
                Thread.sleep(100);
                try {
                    text = scrape(promPort);
                } catch (java.io.IOException notYet) {
                    text = "";
                }
            }
            Thread.sleep(300); // the reporter thread has had every close by now
            text = scrape(promPort); // scraped several times: none of it may show in the data
            // Bound to loopback only, as the listening row in the kernel's table shows.
            String hexPort = String.format(":%04X", promPort);
            // (Java's channels are dual-stack: the row may be in tcp6, as ::ffff:127.0.0.1.)
            List<String> listening = new ArrayList<>();
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                java.nio.file.Files.readAllLines(java.nio.file.Paths.get(table)).stream().skip(1).map(String::trim)
                        .filter(l -> l.split("\\s+")[1].endsWith(hexPort) && l.split("\\s+")[3].equals("0A"))
                        .forEach(l -> listening.add(l.split("\\s+")[1]));
            }
            assertEquals(1, listening.size(), "one listener on port " + promPort + ": " + listening);
            String local = listening.get(0);
            assertTrue(local.startsWith("0100007F:") || local.startsWith("0000000000000000FFFF00000100007F:"),
                    "on 127.0.0.1, not on every address: " + local);
        } finally {
            running.process.getOutputStream().write('\n');
            running.process.getOutputStream().flush();
        }
        Fork.Result run = running.await();
        String context = "\n--- scrape:\n" + text + "\n" + run.describe();
        int port = run.resultValue("server_port");
        String peer = "server_address=\"127.0.0.1\",server_port=\"" + port + "\"";
        assertEquals(2.0, sample(text, "connscope_http_requests_total", "connscope_connection_direction=\"outbound\",connscope_connection_reused=\"true\"," + peer), context);
        // A, B and D each opened a connection with their first request.
        assertEquals(3.0, sample(text, "connscope_http_requests_total", "connscope_connection_direction=\"outbound\",connscope_connection_reused=\"false\"," + peer), context);
        assertEquals(3.0, sample(text, "connscope_connection_opened_total", "connscope_connection_direction=\"inbound\",connscope_connection_outcome=\"success\"," + peer), context);
        // D sits idle in HttpURLConnection's pool while it is scraped.
        assertEquals(1.0, sample(text, "http_client_open_connections", "http_connection_state=\"idle\"," + peer), context);
        assertEquals(0.0, sample(text, "http_client_open_connections", "http_connection_state=\"active\"," + peer), context);
        // E, to a second server, closed before the scrape: that server reports 0 open connections, not no series.
        String other = "server_address=\"127.0.0.1\",server_port=\"" + run.resultValue("other_port") + "\"";
        assertEquals(0.0, sample(text, "http_client_open_connections", "http_connection_state=\"idle\"," + other), context);
        assertEquals(0.0, sample(text, "http_client_open_connections", "http_connection_state=\"active\"," + other), context);
        assertTrue(text.contains("connscope_connection_duration_seconds_bucket"), context);
        assertFalse(text.contains("server_port=\"" + promPort + "\""), "scrapes are not in the data" + context);
        assertTrue(run.records().stream().noneMatch(r -> r.path("local_port").asInt() == promPort
                || r.path("remote_port").asInt() == promPort), "no record of a scrape" + context);
    }

    private static String scrape(int port) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> response = client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(java.time.Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    /** The value of the sample of {@code metric} that has each of the comma-separated {@code labels}, or NaN. */
    private static double sample(String text, String metric, String labels) {
        for (String line : text.split("\n")) {
            if (line.startsWith(metric + "{") && java.util.Arrays.stream(labels.split(",")).allMatch(line::contains)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    @Test
    void collectorDownLeavesTheApplicationAloneAndCountsTheDrops() throws Exception {
        int deadPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = probe.getLocalPort();
        }
        // Without retries every export fails at once, many times over the run: still one line.
        Fork.Result run = checkUnaffected(deadPort, "refused", "-Dotel.java.exporter.otlp.retry.disabled=true");
        assertEquals(1, run.stderr.lines().filter(l -> l.contains("OpenTelemetry export of") && l.contains("failed")).count(),
                "the outage is reported once\n" + run.describe());
    }

    @Test
    void exportResumesWhenTheCollectorComesBack() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        // Connection A is held open 12 s: its spans (and B's, and the refused connect's) are made after the
        // collector is back; the metric exports every 300 ms fail until then. The collector comes up once the
        // agent has said that exports fail (within a second or two; the hold leaves room for a slow, loaded start).
        Fork.Running running = Fork.start(List.of("-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + port,
                        "-Dotel.java.exporter.otlp.retry.disabled=true", "-Dotel.metric.export.interval=300",
                        "-Dotel.bsp.schedule.delay=100"), List.of(), OtelScenario.class.getName(), "hold", "12000");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!running.stderrSoFar().contains("OpenTelemetry export of") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(running.stderrSoFar().contains("OpenTelemetry export of"),
                "the outage was not reported within 10 s, before the collector came up:\n" + running.stderrSoFar());
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP, port)) {
            Fork.Result run = running.await();
            String context = "\n" + run.describe();
            assertEquals(1, run.stderr.lines().filter(l -> l.contains("OpenTelemetry export of") && l.contains("failed")).count(),
                    "the outage is reported once" + context);
            assertEquals(1, run.stderr.lines().filter(l -> l.contains("OpenTelemetry export works again")).count(),
                    "and its end once" + context);
            assertEquals(5, receiver.spans().size(), "the connections after the outage are all exported" + context);
            assertNotNull(receiver.lastMetric("connscope.export.dropped"), context);
            long dropped = receiver.lastSums("connscope.export.dropped").entrySet().stream()
                    .filter(e -> e.getKey().contains("metric_point")).mapToLong(Map.Entry::getValue).sum();
            assertTrue(dropped > 0, "the metric points lost in the outage are counted" + context);
        }
    }

    @Test
    void collectorThatNeverAnswersLeavesTheApplicationAloneAndCountsTheDrops() throws Exception {
        try (OtlpReceiver.BlackHole hole = new OtlpReceiver.BlackHole()) {
            checkUnaffected(hole.port(), "black hole", "-Dotel.exporter.otlp.timeout=10000");
            assertTrue(hole.accepted() > 0, "the exporter did try the black hole");
        }
    }

    @Test
    void collectorThatAnswersLateLeavesTheApplicationAloneAndLosesNothingUncounted() throws Exception {
        // Each export is answered after 1 s (within the export timeout): slow, not failing.
        try (OtlpReceiver slow = OtlpReceiver.slow(1000)) {
            Fork.Result run = Fork.run(List.of("-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + slow.port(),
                            "-Dotel.bsp.schedule.delay=100", "-Dotel.metric.export.interval=300", "-Dconnscope.console=summary"),
                    OtelScenario.class.getName(), "churn", "300", "linger", "2000");
            String context = "\n" + run.describe();
            assertTrue(run.resultValue("churn_ms") < 10_000, "no request waited for an export" + context);
            assertEquals(0, run.stderr.lines().filter(l -> l.contains("OpenTelemetry export of") && l.contains("failed")).count(),
                    "slow is not an outage" + context);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("OpenTelemetry export dropped (\\d+) spans")
                    .matcher(run.stderr);
            long dropped = m.find() ? Long.parseLong(m.group(1)) : 0;
            long spans = 2 * 300 + 5;
            // Spans still queued or in flight when the exit stops waiting are counted as lost; the one batch in
            // flight may reach the slow collector all the same (at most 1024 spans counted twice).
            long accounted = slow.spans().size() + dropped;
            assertTrue(accounted >= spans && accounted <= spans + 1024,
                    "received " + slow.spans().size() + " + dropped " + dropped + " for " + spans + " spans" + context);
            assertTrue(slow.spans().size() > 0, context);
        }
    }

    /**
     * 300 short connections while every export fails: the application's requests all succeed, and all of them take
     * less than one export timeout (10 s), so none of them waited for the collector; the outage is reported once
     * and what was lost is counted.
     */
    private static Fork.Result checkUnaffected(int collectorPort, String what, String setting) throws Exception {
        Fork.Result run = Fork.run(List.of("-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + collectorPort, setting,
                        "-Dotel.bsp.schedule.delay=100", "-Dotel.metric.export.interval=300", "-Dconnscope.console=summary"),
                OtelScenario.class.getName(), "churn", "300", "linger", "2000");
        String context = "\n" + what + "\n" + run.describe();
        assertTrue(run.resultValue("churn_ms") < 10_000, "no request waited for an export" + context);
        assertTrue(run.resultValue("sdk_threads") > 0, "the SDK runs when an endpoint is set" + context);
        assertTrue(run.stderr.lines().filter(l -> l.contains("OpenTelemetry export of") && l.contains("failed")).count() <= 1,
                "an outage is reported at most once" + context);
        assertTrue(run.stderr.lines().anyMatch(l -> l.startsWith("connscope: OpenTelemetry export dropped")),
                "what was lost is counted" + context);
        // The connections themselves are all reported as usual.
        assertEquals(2 * 300 + 5, run.records().stream().filter(r -> r.path("type").asText().equals("connection")
                && r.path("remote_port").asInt() != collectorPort && r.path("local_port").asInt() != collectorPort).count(), context);
        assertTrue(run.records().stream().noneMatch(r -> r.path("remote_port").asInt() == collectorPort), context);
        return run;
    }
}
