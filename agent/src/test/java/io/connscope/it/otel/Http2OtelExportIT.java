package io.connscope.it.otel;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Fork;
import io.connscope.it.TestJars;
import io.connscope.it.driver.GrpcHttp2Scenarios;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.connscope.it.otel.OtlpReceiver.attribute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/2 in the OpenTelemetry export, against a real OTLP receiver: gRPC calls with a cancel, and a server's
 * maximum connection age ({@link GrpcHttp2Scenarios}). The connection spans carry the streams and PINGs, a GOAWAY
 * event with its code and debug text, the peer's RST_STREAM as an event, and the metrics count GOAWAYs, resets and
 * PINGs by sender and code, as gRPC's own frame loggers counted them.
 */
class Http2OtelExportIT {

    private static final Pattern RESULT = Pattern.compile("RESULT (\\w+) port=(\\d+) calls=(\\d+) served=(\\d+)");
    private static final Pattern FRAMES = Pattern.compile("FRAMES side=(\\w+) local=\\d+ remote=\\d+(.*)");

    @Test
    void spansAndMetricsCarryStreamsGoAwaysResetsAndPings() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = new ArrayList<>(receiver.agentSettings());
            args.add("-Dotel.metric.export.interval=500");
            Fork.Result run = Fork.run(args, TestJars.grpc(), GrpcHttp2Scenarios.class.getName(),
                    "calls,max_age");
            Map<String, int[]> results = new HashMap<>();
            for (String line : run.stdout.split("\n")) {
                Matcher m = RESULT.matcher(line);
                if (m.find()) {
                    results.put(m.group(1), new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))});
                }
            }
            int callsPort = results.getOrDefault("calls", new int[2])[0];
            int calls = results.getOrDefault("calls", new int[2])[1];
            int agePort = results.getOrDefault("max_age", new int[2])[0];
            String context = "\n" + run.describe();
            assertTrue(callsPort > 0 && agePort > 0, "both scenarios ran" + context);
            // The clients' PINGs: tried (their frame loggers' OUTBOUND), read by the servers, and answered.
            int clientPingsTried = 0;
            int clientPingsRead = 0;
            int clientPingAcks = 0;
            for (String line : run.stdout.split("\n")) {
                Matcher m = FRAMES.matcher(line);
                if (!m.find()) {
                    continue;
                }
                if (m.group(1).equals("client")) {
                    clientPingsTried += count(m.group(2), "OUTBOUND_PING");
                    clientPingAcks += count(m.group(2), "INBOUND_PING_ACK");
                } else {
                    clientPingsRead += count(m.group(2), "INBOUND_PING");
                }
            }

            List<Span> spans = receiver.spans();
            context = "\nspans:\n" + spans.stream().map(Http2OtelExportIT::describe).collect(Collectors.joining("\n"))
                    + context;
            Span callsOut = one(spans, "outbound", callsPort, context);
            Span callsIn = one(spans, "inbound", callsPort, context);
            assertEquals("outbound HTTP connection", callsOut.getName(), context);
            assertEquals(Integer.toString(calls), attribute(callsOut.getAttributesList(), "connscope.http2.client.streams"),
                    context);
            assertEquals(Integer.toString(calls), attribute(callsOut.getAttributesList(), "connscope.connection.requests"),
                    context);
            assertEquals("1", attribute(callsOut.getAttributesList(), "connscope.http2.client.resets"), context);
            // The server's span has the client's cancel as an event: a reset from its peer.
            List<Span.Event> resets = events(callsIn, "connscope.http2.rst_stream");
            assertEquals(1, resets.size(), context);
            assertEquals("cancel", attribute(resets.get(0).getAttributesList(), "connscope.http2.error_code"), context);
            assertEquals("client", attribute(resets.get(0).getAttributesList(), "connscope.http2.sender"), context);
            assertTrue(events(callsOut, "connscope.http2.rst_stream").isEmpty(), "its own resets are counted, not events"
                    + context);

            Span ageOut = one(spans, "outbound", agePort, context);
            List<Span.Event> goAways = events(ageOut, "connscope.http2.goaway");
            assertTrue(!goAways.isEmpty(), context);
            assertEquals("server", attribute(goAways.get(0).getAttributesList(), "connscope.http2.sender"), context);
            assertEquals("no_error", attribute(goAways.get(0).getAttributesList(), "connscope.http2.error_code"), context);
            assertEquals("max_age", attribute(goAways.get(0).getAttributesList(), "connscope.http2.goaway.debug"), context);
            assertEquals(Integer.toString(goAways.size()), attribute(ageOut.getAttributesList(), "connscope.http2.goaways"),
                    context);
            assertEquals("goaway_by_server_no_error", attribute(ageOut.getAttributesList(), "connscope.close.reason"),
                    context);

            // Each side's PINGs on the span as in the connection's JSON record (checked against gRPC's own frame
            // logs by GrpcHttp2IT); no TCP_USER_TIMEOUT, which gRPC sets only with a keep-alive time.
            for (Object[] side : new Object[][] {{callsOut, "outbound", callsPort}, {callsIn, "inbound", callsPort},
                    {ageOut, "outbound", agePort}}) {
                JsonNode record = record(run, (String) side[1], (int) side[2], context);
                List<KeyValue> attributes = ((Span) side[0]).getAttributesList();
                for (String sender : List.of("client", "server")) {
                    JsonNode pings = record.path("http2").path("pings").path(sender);
                    String prefix = "connscope.http2." + sender + ".";
                    assertEquals(pings.path("sent").asText(), attribute(attributes, prefix + "pings_sent"), context);
                    assertEquals(pings.path("acked").asText(), attribute(attributes, prefix + "pings_acked"), context);
                    assertEquals(pings.path("unanswered").asText(), attribute(attributes, prefix + "pings_unanswered"),
                            context);
                    JsonNode interval = pings.path("interval_avg_ms");
                    String spanInterval = attribute(attributes, prefix + "ping_interval_avg_ms");
                    if (interval.isNull()) {
                        assertNull(spanInterval, context);
                    } else {
                        assertEquals(interval.asDouble(), Double.parseDouble(spanInterval), 0.001, context); // JSON keeps 3 decimals
                    }
                }
                assertTrue(record.path("keepalive").path("user_timeout_ms").isNull(), context);
                assertNull(attribute(attributes, "connscope.keepalive.user_timeout_ms"), context);
            }
            assertEquals("0", attribute(callsOut.getAttributesList(), "connscope.http2.client.pings_unanswered"),
                    context);

            // Metrics, from the outbound side: the server's GOAWAYs with max age, the client's cancel, its PINGs.
            Map<String, Long> goAwayTotals = receiver.lastSums("connscope.http2.goaways");
            long serverNoError = sum(goAwayTotals, "connscope.connection.direction=outbound",
                    "connscope.http2.error_code=no_error", "connscope.http2.sender=server", "server.port=" + agePort);
            assertEquals(goAways.size(), serverNoError, goAwayTotals + context);
            Map<String, Long> resetTotals = receiver.lastSums("connscope.http2.stream_resets");
            assertEquals(1, sum(resetTotals, "connscope.connection.direction=outbound", "connscope.http2.error_code=cancel",
                    "connscope.http2.sender=client", "server.port=" + callsPort), resetTotals + context);
            Map<String, Long> pingTotals = receiver.lastSums("connscope.http2.pings");
            assertEquals(clientPingAcks, sum(pingTotals, "connscope.connection.direction=outbound",
                    "connscope.http2.ping.acked=true", "connscope.http2.sender=client"), pingTotals + context);
            long clientPings = sum(pingTotals, "connscope.connection.direction=outbound", "connscope.http2.sender=client");
            assertTrue(clientPingsRead <= clientPings && clientPings <= clientPingsTried, pingTotals + context);
            assertNotNull(receiver.lastMetric("connscope.http2.streams"), context);
        }
    }

    /**
     * The HTTP/2 metrics as Prometheus names them, scraped from connscope's own endpoint after gRPC traffic: the
     * names the alert rules and the dashboard use (otel-collector/, StackFilesTest's list) with their labels.
     */
    @Test
    void prometheusNamesTheHttp2MetricsAsTheAlertRulesExpect() throws Exception {
        int promPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            promPort = probe.getLocalPort();
        }
        Fork.Running running = Fork.start(List.of("-Dotel.metrics.exporter=prometheus", "-Dotel.traces.exporter=none",
                "-Dotel.exporter.prometheus.port=" + promPort), TestJars.grpc(), GrpcHttp2Scenarios.class.getName(),
                "calls,max_age", "wait");
        String text = "";
        try {
            long deadline = System.nanoTime() + 40_000_000_000L;
            while (System.nanoTime() < deadline && !(running.stdoutSoFar().contains("WAITING")
                    && text.contains("connscope_http2_goaways_total"))) {
                Thread.sleep(200);
                try {
                    text = scrape(promPort);
                } catch (java.io.IOException notYet) {
                    text = "";
                }
            }
        } finally {
            running.process.getOutputStream().write('\n');
            running.process.getOutputStream().flush();
        }
        Fork.Result run = running.await();
        String context = "\n--- scrape:\n" + text + "\n" + run.describe();
        for (String name : List.of("connscope_http2_goaways_total", "connscope_http2_stream_resets_total",
                "connscope_http2_pings_total", "connscope_http2_ping_rtt_seconds_bucket",
                "connscope_http2_ping_rtt_seconds_sum", "connscope_http2_ping_rtt_seconds_count",
                "connscope_http2_streams_bucket", "connscope_http2_streams_sum", "connscope_http2_streams_count")) {
            assertTrue(text.contains("\n" + name + "{"), name + context);
        }
        assertTrue(text.contains("connscope_http2_error_code=\"no_error\""), context);
        assertTrue(text.contains("connscope_http2_sender=\"server\""), context);
        assertTrue(text.contains("connscope_http2_ping_acked=\"true\""), context);
        assertTrue(text.contains("connscope_http2_error_code=\"cancel\""), context);
    }

    private static String scrape(int port) throws Exception {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) new java.net.URL("http://127.0.0.1:" + port
                + "/metrics").openConnection();
        try (java.io.InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static int count(String counts, String kind) {
        for (String kv : counts.trim().split(" ")) {
            String[] p = kv.split("=");
            if (p[0].equals(kind)) {
                return Integer.parseInt(p[1]);
            }
        }
        return 0;
    }

    /** The sum of the points whose rendered attributes contain all of {@code parts}. */
    private static long sum(Map<String, Long> points, String... parts) {
        long n = 0;
        for (Map.Entry<String, Long> e : points.entrySet()) {
            boolean all = true;
            for (String part : parts) {
                all &= ("," + e.getKey() + ",").contains("," + part + ",");
            }
            if (all) {
                n += e.getValue();
            }
        }
        return n;
    }

    private static Span one(List<Span> spans, String direction, int serverPort, String context) {
        List<Span> found = spans.stream()
                .filter(s -> direction.equals(attribute(s.getAttributesList(), "connscope.connection.direction"))
                        && Integer.toString(serverPort).equals(attribute(s.getAttributesList(), "server.port")))
                .collect(Collectors.toList());
        assertEquals(1, found.size(), direction + " span to port " + serverPort + context);
        return found.get(0);
    }

    private static JsonNode record(Fork.Result run, String direction, int serverPort, String context)
            throws java.io.IOException {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode n : run.records()) {
            if ("connection".equals(n.path("type").asText()) && direction.equals(n.path("direction").asText())
                    && serverPort == (direction.equals("inbound") ? n.path("local_port") : n.path("remote_port")).asInt()) {
                found.add(n);
            }
        }
        assertEquals(1, found.size(), direction + " record to port " + serverPort + context);
        return found.get(0);
    }

    private static List<Span.Event> events(Span s, String name) {
        return s.getEventsList().stream().filter(e -> e.getName().equals(name)).collect(Collectors.toList());
    }

    private static String describe(Span s) {
        return s.getName() + " " + OtlpReceiver.render(s.getAttributesList()) + " events="
                + s.getEventsList().stream().map(e -> e.getName() + OtlpReceiver.render(e.getAttributesList()))
                .collect(Collectors.toList());
    }
}
