package io.connscope.it.otel;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.docs.DocPages;
import io.connscope.it.FailingHandlersIT;
import io.connscope.it.Fork;
import io.connscope.it.TestJars;
import io.connscope.it.driver.SecretGrpcTraffic;
import io.connscope.it.driver.SecretTraffic;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What docs/what-is-recorded.md says connscope records, and what it does not, checked on traffic full of secrets
 * ({@link SecretTraffic}: request targets with query strings, Authorization, Cookie, Set-Cookie and custom headers,
 * bodies; plain and TLS): none of it reaches the JSON Lines file, the console or OpenTelemetry (spans, span
 * events, metrics); the Connection and Keep-Alive headers do; and the JSON fields and span attributes are exactly
 * the ones docs/json-lines.md and docs/opentelemetry.md list.
 */
class WhatIsRecordedIT {

    /** The span and span event attributes docs/opentelemetry.md's Spans section lists. */
    private static final Set<String> SPAN_ATTRIBUTES = Set.of("network.transport", "network.type",
            "network.peer.address", "network.peer.port", "network.local.address", "network.local.port",
            "server.address", "server.port", "client.address", "client.port", "connscope.connection.id",
            "connscope.connection.direction", "connscope.connection.state", "connscope.close.initiator",
            "connscope.close.reason", "connscope.close.detail", "connscope.keepalive.enabled",
            "connscope.keepalive.idle", "connscope.keepalive.interval", "connscope.keepalive.count",
            "connscope.keepalive.source", "connscope.connection.bytes_sent", "connscope.connection.bytes_received",
            "connscope.connection.connect_ms", "connscope.connection.requests", "connscope.tls.handshakes",
            "connscope.pool", "thread.name", "connscope.connection.preexisting", "connscope.span.continued",
            "connscope.span.segment", "error.type", "connscope.http.request_events.dropped",
            "connscope.http2.client.streams", "connscope.http2.server.streams", "connscope.http2.max_open_streams",
            "connscope.http2.client.max_concurrent_streams", "connscope.http2.server.max_concurrent_streams",
            "connscope.http2.client.pings_sent", "connscope.http2.client.pings_acked",
            "connscope.http2.server.pings_sent", "connscope.http2.server.pings_acked",
            "connscope.http2.client.pings_unanswered", "connscope.http2.server.pings_unanswered",
            "connscope.http2.client.ping_interval_avg_ms", "connscope.http2.server.ping_interval_avg_ms",
            "connscope.keepalive.user_timeout_ms",
            "connscope.http2.ping.rtt_min_ms", "connscope.http2.ping.rtt_avg_ms", "connscope.http2.ping.rtt_max_ms",
            "connscope.http2.client.resets", "connscope.http2.server.resets", "connscope.http2.goaways",
            "connscope.http.trace_context.malformed", "connscope.http.request_links.dropped",
            "connscope.http.request.index", "connscope.connection.age_ms", "connscope.connection.idle_before_ms",
            "tls.resumed", "connscope.span.type");
    /** The attributes of each span event docs/opentelemetry.md lists, by event name. */
    private static final java.util.Map<String, Set<String>> EVENT_ATTRIBUTES = java.util.Map.of(
            "http.request", Set.of("connscope.http.request.index", "connscope.connection.reused",
                    "network.protocol.version", "http.response.status_code", "connscope.http.request.connection",
                    "connscope.http.request.keep_alive", "connscope.http.response.connection",
                    "connscope.http.response.keep_alive", "rpc.grpc.status_code", "connscope.http2.reset",
                    "connscope.http.request.trace_id", "connscope.http.request.span_id",
                    "connscope.http.request.sampled"),
            "connscope.http2.goaway", Set.of("connscope.http2.sender", "connscope.http2.error_code",
                    "connscope.http2.last_stream_id", "connscope.http2.goaway.debug"),
            "connscope.http2.rst_stream", Set.of("connscope.http2.sender", "connscope.http2.error_code",
                    "connscope.http2.stream_id"));

    @TempDir
    Path dir;

    @Test
    void noTargetQueryStringHeaderValueOrBodyIsRecordedAnywhere() throws Exception {
        Path keystore = FailingHandlersIT.keystore(dir);
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = new ArrayList<>(receiver.agentSettings());
            args.add("-Dotel.metric.export.interval=500");
            args.add("-Dconnscope.events.requests=true");
            Fork.Result r = Fork.run(args, SecretTraffic.class.getName(), keystore.toString());
            int plain = r.resultValue("plain_port");
            int tls = r.resultValue("tls_port");
            String context = "\n" + r.describe();

            assertNoSecrets(r, receiver, context);

            // The two headers it keeps, exactly as sent: 2 requests on the plain raw connection, 2 over TLS, 1 from
            // HttpURLConnection, each seen from both sides.
            int raw = 0;
            for (JsonNode n : r.records()) {
                if (!"request".equals(n.path("type").asText())) {
                    continue;
                }
                int port = n.path("server_port").asInt();
                assertTrue(port == plain || port == tls, "only the scenario's requests: " + n + context);
                if (n.path("request_keep_alive").asText().equals("timeout=15")) {
                    raw++;
                    assertEquals("keep-alive", n.path("request_connection").asText(), n + context);
                    assertEquals("keep-alive", n.path("response_connection").asText(), n + context);
                    assertEquals("timeout=30, max=100", n.path("response_keep_alive").asText(), n + context);
                    assertEquals(200, n.path("status").asInt(), n + context);
                    assertEquals(SecretTraffic.TRACE_ID, n.path("trace_id").asText(), n + context);
                    assertEquals(SecretTraffic.SPAN_ID, n.path("span_id").asText(), n + context);
                    assertTrue(n.path("sampled").asBoolean(), n + context);
                }
            }
            assertEquals(8, raw, "the raw clients' requests, both sides, with their Keep-Alive header" + context);
            assertEquals(10, r.records().stream().filter(n -> "request".equals(n.path("type").asText())).count(),
                    "all requests, both sides" + context);

            // ... and their trace context, on the span events too (8 raw requests, of 10 events).
            int traced = 0;
            for (Span s : receiver.spans()) {
                for (Span.Event e : s.getEventsList()) {
                    java.util.Map<String, String> a = new java.util.HashMap<>();
                    e.getAttributesList().forEach(kv -> a.put(kv.getKey(), kv.getValue().hasStringValue()
                            ? kv.getValue().getStringValue() : String.valueOf(kv.getValue().getBoolValue())));
                    if (a.containsKey("connscope.http.request.trace_id")) {
                        traced++;
                        assertEquals(SecretTraffic.TRACE_ID, a.get("connscope.http.request.trace_id"), e + context);
                        assertEquals(SecretTraffic.SPAN_ID, a.get("connscope.http.request.span_id"), e + context);
                        assertEquals("true", a.get("connscope.http.request.sampled"), e + context);
                    }
                }
            }
            assertEquals(8, traced, "span events with the raw requests' trace context" + context);

            assertOnlyWhatTheReadmeLists(r, receiver, context);
        }
    }

    /**
     * HTTP/2 (gRPC in the clear, {@link SecretGrpcTraffic}): secrets in the {@code :path}, the {@code :authority},
     * metadata, response headers, trailers and messages, all HPACK-encoded (most of them Huffman-coded and indexed
     * in the dynamic table): none is recorded; the calls are counted, with their status and gRPC status.
     */
    @Test
    void noHttp2HeaderValuePathAuthorityOrMessageIsRecordedAnywhere() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = new ArrayList<>(receiver.agentSettings());
            args.add("-Dotel.metric.export.interval=500");
            args.add("-Dconnscope.events.requests=true");
            Fork.Result r = Fork.run(args, TestJars.grpc(), SecretGrpcTraffic.class.getName());
            int port = r.resultValue("grpc_port");
            String context = "\n" + r.describe();
            assertNoSecrets(r, receiver, context);
            List<JsonNode> requests = new ArrayList<>();
            for (JsonNode n : r.records()) {
                if ("request".equals(n.path("type").asText()) && n.path("server_port").asInt() == port) {
                    requests.add(n);
                }
            }
            assertEquals(6, requests.size(), "3 calls, each seen from both sides" + context);
            for (JsonNode n : requests) {
                assertEquals("HTTP/2", n.path("http_version").asText(), n + context);
            }
            assertOnlyWhatTheReadmeLists(r, receiver, context);
        }
    }

    /** Every place connscope writes to: none of the secrets. */
    private static void assertNoSecrets(Fork.Result r, OtlpReceiver receiver, String context) throws Exception {
        String spans = receiver.resourceSpans().toString();
        String metrics = receiver.resourceMetrics().toString();
        assertFalse(receiver.spans().isEmpty(), "spans arrived" + context);
        assertFalse(receiver.resourceMetrics().isEmpty(), "metrics arrived" + context);
        for (String[] place : List.of(new String[] {"the JSON Lines file", r.eventsText()},
                new String[] {"stderr", r.stderr}, new String[] {"spans", spans},
                new String[] {"metrics", metrics})) {
            assertFalse(place[1].toUpperCase(Locale.ROOT).contains("SECRET"), place[0]
                    + " must hold no request target, query string, header value (but Connection and Keep-Alive) "
                    + "or body byte:\n" + place[1] + context);
        }
    }

    /** The JSON fields are exactly docs/json-lines.md's; the resource, span and span event attributes only those docs/opentelemetry.md lists. */
    private static void assertOnlyWhatTheReadmeLists(Fork.Result r, OtlpReceiver receiver, String context)
            throws Exception {
        // The JSON fields are exactly docs/json-lines.md's.
        String jsonLines = DocPages.read("docs/json-lines.md");
        for (String type : List.of("connection", "request")) {
            Set<String> documented = documentedFields(jsonLines, type);
            for (JsonNode n : r.records()) {
                if (type.equals(n.path("type").asText())) {
                    Set<String> fields = new TreeSet<>();
                    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                        fields.add(it.next());
                    }
                    assertEquals(documented, fields, "the fields of a " + type + " record against docs/json-lines.md's "
                            + "table: " + n + context);
                }
            }
        }

        // The resource: the SDK's own attributes and the service name, nothing about the host or process.
        Set<String> resource = new TreeSet<>();
        receiver.resourceSpans().forEach(rs -> rs.getResource().getAttributesList()
                .forEach(kv -> resource.add(kv.getKey())));
        receiver.resourceMetrics().forEach(rm -> rm.getResource().getAttributesList()
                .forEach(kv -> resource.add(kv.getKey())));
        assertEquals(Set.of("service.name", "telemetry.sdk.language", "telemetry.sdk.name",
                "telemetry.sdk.version"), resource, "resource attributes" + context);

        // Span and span event attributes: only those docs/opentelemetry.md lists.
        for (Span s : receiver.spans()) {
            for (var kv : s.getAttributesList()) {
                assertTrue(SPAN_ATTRIBUTES.contains(kv.getKey()), "span attribute " + kv.getKey()
                        + " is not in docs/opentelemetry.md" + context);
            }
            for (Span.Event e : s.getEventsList()) {
                assertTrue(EVENT_ATTRIBUTES.containsKey(e.getName()), "span event " + e.getName() + context);
                Set<String> keys = new TreeSet<>();
                e.getAttributesList().forEach(kv -> keys.add(kv.getKey()));
                assertTrue(EVENT_ATTRIBUTES.get(e.getName()).containsAll(keys), "span event attributes " + keys
                        + context);
            }
        }
    }

    /** The first column of docs/json-lines.md's table of {@code "type":"TYPE"} objects, one field per name. */
    static Set<String> documentedFields(String page, String type) {
        String title = "objects (`\"type\":\"" + type + "\"`):";
        int at = page.indexOf(title);
        assertTrue(at >= 0, "docs/json-lines.md has no table headed '" + title + "'");
        Set<String> fields = new TreeSet<>();
        String[] lines = page.substring(at).split("\n");
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() && fields.isEmpty()) {
                continue;
            }
            if (!line.startsWith("|")) {
                break;
            }
            String cell = line.split("\\|")[1].trim();
            if (cell.equals("field") || cell.startsWith("---")) {
                continue;
            }
            for (String name : cell.split(",")) {
                fields.add(name.trim().replace("`", ""));
            }
        }
        return fields;
    }
}
