package io.connscope.it.otel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.connscope.docs.DocPages;
import io.connscope.it.FailingHandlersIT;
import io.connscope.it.Fork;
import io.connscope.it.TestJars;
import io.connscope.it.Truth;
import io.connscope.it.driver.TraceSpansTraffic;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static io.connscope.it.otel.OtlpReceiver.attribute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections in the requests' own traces ({@link TraceSpansTraffic}: the JDK HttpClient and HttpURLConnection,
 * plain and TLS, and the HttpClient over h2 to Jetty, with a traceparent per request, sampled or not), exported to an OTLP receiver, once with connscope's
 * defaults and once with {@code connscope.otel.reused.spans=true} and the SDK's link limit at its own default of 128:
 * <ul>
 *   <li>each new connection whose first request was sampled has one {@code socket connect} span (and over TLS one
 *   {@code TLS client handshake} span), a child of that request's span in its trace, with the connection's id and
 *   local port and a link to the connection span the receiver got; no other request has one;</li>
 *   <li>reused requests get a {@code connection reused} span only with the option, unsampled ones nothing;</li>
 *   <li>the connection spans of both sides link to exactly the sampled requests, with their index, also over 300
 *   requests on one connection, where a link limit of 128 rolls the span over instead of cutting links;</li>
 *   <li>connscope's spans carry the application's service.name, with io.connscope as their scope.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TraceSpansIT {

    private static final List<String> SCENARIOS = List.of("httpclient", "urlconnection", "httpclient-tls",
            "urlconnection-tls", "h2-tls", "long");

    Fork.Result defaults;
    Fork.Result withReused;
    OtlpReceiver receiverDefaults;
    OtlpReceiver receiverReused;

    @BeforeAll
    void runDrivers(@TempDir Path dir) throws Exception {
        Path keystore = FailingHandlersIT.keystore(dir);
        receiverDefaults = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP);
        receiverReused = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP);
        List<String> args = new ArrayList<>(receiverDefaults.agentSettings());
        args.add("-Dotel.service.name=orders-app");
        args.add("-Dotel.metrics.exporter=none");
        defaults = Fork.run(args, TestJars.jetty(), TraceSpansTraffic.class.getName(), keystore.toString());
        args = new ArrayList<>(receiverReused.agentSettings());
        args.add("-Dconnscope.otel.reused.spans=true");
        args.add("-Dotel.span.link.count.limit=128");
        args.add("-Dotel.metrics.exporter=none");
        withReused = Fork.start(args, TestJars.jetty(), Map.of("OTEL_SERVICE_NAME", "billing-app"),
                TraceSpansTraffic.class.getName(), keystore.toString()).await();
        assertEquals(0, withReused.exit, withReused.describe());
    }

    @AfterAll
    void stopReceivers() {
        for (OtlpReceiver r : new OtlpReceiver[] {receiverDefaults, receiverReused}) {
            if (r != null) {
                r.close();
            }
        }
    }

    /** One request the driver sent, with its index on its connection (by the client port the server saw). */
    static final class Request {
        String traceId;
        String spanId;
        boolean sampled;
        int localPort;
        int index;
    }

    @Test
    void connectSpansAreChildrenOfTheRequestsThatOpenedTheirConnections() {
        for (String scenario : SCENARIOS) {
            checkSetupSpans(defaults, receiverDefaults, scenario);
            checkSetupSpans(withReused, receiverReused, scenario);
        }
    }

    @Test
    void noOtherConnectionGetsSetupSpansNotEvenTheAcceptedOnes() {
        for (Fork.Result r : List.of(defaults, withReused)) {
            OtlpReceiver receiver = r == defaults ? receiverDefaults : receiverReused;
            int openers = 0;
            int tlsOpeners = 0;
            for (String scenario : SCENARIOS) {
                for (Request q : requests(r, scenario)) {
                    if (q.index == 1 && q.sampled) {
                        openers++;
                        tlsOpeners += scenario.endsWith("-tls") ? 1 : 0;
                    }
                }
            }
            assertEquals(openers, receiver.spans().stream().filter(s -> s.getName().startsWith("socket connect "))
                    .count(), "connect spans in all");
            assertEquals(tlsOpeners, receiver.spans().stream().filter(s -> s.getName().startsWith("TLS client "))
                    .count(), "TLS handshake spans in all");
        }
    }

    @Test
    void theTlsHandshakeSpanSaysWhetherTheSessionWasResumed() {
        for (Fork.Result r : List.of(defaults, withReused)) {
            OtlpReceiver receiver = r == defaults ? receiverDefaults : receiverReused;
            for (String scenario : List.of("httpclient-tls", "urlconnection-tls")) {
                Set<String> openers = requests(r, scenario).stream().filter(q -> q.index == 1 && q.sampled)
                        .map(q -> q.spanId).collect(Collectors.toSet());
                List<String> resumed = named(receiver, "TLS client handshake 127.0.0.1").stream()
                        .filter(s -> openers.contains(hex(s.getParentSpanId())))
                        .sorted(java.util.Comparator.comparingLong(Span::getStartTimeUnixNano))
                        .map(s -> attribute(s.getAttributesList(), "tls.resumed")).collect(Collectors.toList());
                // The first connection to a server made a new session; the httpclient's second client resumed it.
                assertEquals(scenario.equals("httpclient-tls") ? List.of("false", "true") : List.of("false"), resumed,
                        scenario + ": tls.resumed of the handshakes in order\n" + r.describe());
            }
        }
    }

    @Test
    void reusedRequestsGetASpanOnlyWithTheOption() {
        for (String scenario : SCENARIOS) {
            checkReused(defaults, receiverDefaults, scenario, false);
            checkReused(withReused, receiverReused, scenario, true);
        }
    }

    @Test
    void unsampledRequestsGetNoSpanAndNoLink() {
        for (Fork.Result r : List.of(defaults, withReused)) {
            OtlpReceiver receiver = r == defaults ? receiverDefaults : receiverReused;
            int unsampled = 0;
            Set<String> unsampledIds = new HashSet<>();
            for (String scenario : SCENARIOS) {
                for (Request q : requests(r, scenario)) {
                    if (!q.sampled) {
                        unsampledIds.add(q.spanId);
                        unsampled++;
                    }
                }
            }
            assertEquals(4, unsampled, r.describe());
            for (Span s : receiver.spans()) {
                assertFalse(unsampledIds.contains(hex(s.getParentSpanId())), "a span under an unsampled request: "
                        + s.getName());
                for (Span.Link l : s.getLinksList()) {
                    assertFalse(unsampledIds.contains(hex(l.getSpanId())), "a link to an unsampled request from "
                            + s.getName());
                }
            }
        }
    }

    @Test
    void connectionSpansOfBothSidesLinkToEachSampledRequest() {
        for (String scenario : SCENARIOS) {
            for (String direction : List.of("outbound", "inbound")) {
                checkLinks(defaults, receiverDefaults, scenario, direction);
                checkLinks(withReused, receiverReused, scenario, direction);
            }
        }
    }

    @Test
    void aLongConnectionRollsOverAtTheLinkLimitInsteadOfCuttingLinks() {
        String port = scenarioLine(withReused, "long").get("port");
        List<Span> segments = connectionSpans(receiverReused, port, "outbound");
        assertTrue(segments.size() >= 3, "300 links at 127 a span (one for the previous segment): "
                + segments.size() + " spans");
        Set<String> spanIds = segments.stream().map(s -> hex(s.getSpanId())).collect(Collectors.toSet());
        int continued = 0;
        for (Span s : segments) {
            assertTrue(s.getLinksCount() <= 128, s.getLinksCount() + " links on one span");
            assertEquals(0, s.getDroppedLinksCount(), "links the SDK dropped");
            for (Span.Link l : s.getLinksList()) {
                if (attribute(l.getAttributesList(), "connscope.http.request.index") == null) {
                    assertTrue(spanIds.contains(hex(l.getSpanId())), "a segment links to the one it continues");
                    continued++;
                }
            }
        }
        assertEquals(segments.size() - 1, continued, "each segment after the first links to its previous one");
        // With connscope's default limit the 300 links fit one span.
        List<Span> whole = connectionSpans(receiverDefaults, scenarioLine(defaults, "long").get("port"), "outbound");
        assertEquals(1, whole.size(), "one span for the long connection with the default link limit");
        assertEquals(300, whole.get(0).getLinksCount());
    }

    @Test
    void spansCarryTheApplicationsServiceNameAndConnscopeAsTheirScope() {
        for (Fork.Result r : List.of(defaults, withReused)) {
            OtlpReceiver receiver = r == defaults ? receiverDefaults : receiverReused;
            String service = r == defaults ? "orders-app" : "billing-app";
            int childSpans = 0;
            assertFalse(receiver.resourceSpans().isEmpty(), r.describe());
            for (ResourceSpans rs : receiver.resourceSpans()) {
                assertEquals(service, attribute(rs.getResource(), "service.name"));
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    assertEquals("io.connscope", ss.getScope().getName());
                    for (Span s : ss.getSpansList()) {
                        if (s.getName().startsWith("socket connect")) {
                            childSpans++;
                        }
                    }
                }
            }
            assertTrue(childSpans > 0, "connect spans were exported");
        }
    }

    /**
     * The Grafana dashboard's Jaeger panel (otel-collector/) lists traces by a tag: every connect span carries it, and
     * no other span connscope exports does, so it finds exactly the traces in which a request opened a connection.
     */
    @Test
    void theDashboardsJaegerPanelSearchesByATagOnlyConnectSpansCarry() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(java.nio.file.Files.readString(
                DocPages.root().resolve("otel-collector/grafana/dashboards/connscope.json")));
        List<String> tags = new ArrayList<>();
        for (JsonNode p : dashboard.get("panels")) {
            if ("jaeger".equals(p.path("datasource").path("type").asText())) {
                for (JsonNode t : p.path("targets")) {
                    tags.add(t.path("tags").asText());
                }
            }
        }
        assertEquals(1, tags.size(), "one Jaeger query in the dashboard: " + tags);
        String[] kv = tags.get(0).trim().split("=", 2);
        assertEquals(2, kv.length, tags.get(0));
        for (OtlpReceiver receiver : List.of(receiverDefaults, receiverReused)) {
            int connects = 0;
            for (Span s : receiver.spans()) {
                boolean connect = s.getName().startsWith("socket connect ");
                connects += connect ? 1 : 0;
                assertEquals(connect, kv[1].equals(attribute(s.getAttributesList(), kv[0])),
                        s.getName() + " and the panel's tag " + tags.get(0));
            }
            assertTrue(connects > 0, "connect spans were exported");
        }
    }

    static void checkSetupSpans(Fork.Result r, OtlpReceiver receiver, String scenario) {
        String port = scenarioLine(r, scenario).get("port");
        List<Request> requests = requests(r, scenario);
        boolean tls = scenario.endsWith("-tls");
        Map<String, Request> openers = new HashMap<>();
        Set<Integer> connections = new HashSet<>();
        for (Request q : requests) {
            connections.add(q.localPort);
            if (q.index == 1 && q.sampled) {
                openers.put(q.spanId, q);
            }
        }
        List<Span> outbound = connectionSpans(receiver, port, "outbound", connections);
        Set<String> connectionIds = outbound.stream().map(s -> attribute(s.getAttributesList(),
                "connscope.connection.id")).collect(Collectors.toSet());
        String context = scenario + ": " + r.describe();
        assertEquals(connections.size(), connectionIds.size(), "outbound connections, " + context);
        assertFalse(openers.isEmpty(), context);

        // By the scenario's own client ports too: a later scenario's server can get the port an earlier one's had.
        List<Span> connects = named(receiver, "socket connect 127.0.0.1:" + port).stream()
                .filter(s -> connections.contains(port(s, "network.local.port"))).collect(Collectors.toList());
        List<Span> handshakes = named(receiver, "TLS client handshake 127.0.0.1").stream()
                .filter(s -> openers.containsKey(hex(s.getParentSpanId()))).collect(Collectors.toList());
        assertEquals(openers.size(), connects.size(), "one connect span per connection opened by a sampled request, "
                + context);
        assertEquals(tls ? openers.size() : 0, handshakes.size(), "TLS handshake spans, " + context);
        Set<String> parents = new HashSet<>();
        for (Span c : connects) {
            Request q = openers.get(hex(c.getParentSpanId()));
            assertNotNull(q, "a connect span's parent is the span of the request that opened it, " + context);
            assertTrue(parents.add(q.spanId), "one connect span per request");
            assertEquals(q.traceId, hex(c.getTraceId()), "in the request's trace");
            assertEquals(Span.SpanKind.SPAN_KIND_INTERNAL, c.getKind());
            assertEquals("socket_connect", attribute(c.getAttributesList(), "connscope.span.type"));
            assertTrue(c.getEndTimeUnixNano() >= c.getStartTimeUnixNano());
            checkChildOfConnection(c, q, outbound, context);
            if (tls) {
                Span h = handshakes.stream().filter(s -> hex(s.getParentSpanId()).equals(q.spanId)).findFirst()
                        .orElseThrow();
                assertEquals(q.traceId, hex(h.getTraceId()));
                assertTrue(h.getStartTimeUnixNano() + 1_000_000 >= c.getEndTimeUnixNano(),
                        "the handshake follows the connect");
                assertTrue(h.getEndTimeUnixNano() >= h.getStartTimeUnixNano());
                assertEquals("tls_handshake", attribute(h.getAttributesList(), "connscope.span.type"));
                checkChildOfConnection(h, q, outbound, context);
            }
        }
    }

    /** A child span names its connection (id, local port) and links to that connection's span, which arrived. */
    private static void checkChildOfConnection(Span child, Request q, List<Span> outbound, String context) {
        assertEquals(String.valueOf(q.localPort), attribute(child.getAttributesList(), "network.local.port"), context);
        String id = attribute(child.getAttributesList(), "connscope.connection.id");
        assertEquals(1, child.getLinksCount(), child.getName());
        Span.Link link = child.getLinks(0);
        Span target = outbound.stream().filter(s -> s.getSpanId().equals(link.getSpanId())
                && s.getTraceId().equals(link.getTraceId())).findFirst().orElse(null);
        assertNotNull(target, child.getName() + " links to a connection span the receiver got, " + context);
        assertEquals(id, attribute(target.getAttributesList(), "connscope.connection.id"));
        assertEquals(String.valueOf(q.localPort), attribute(target.getAttributesList(), "network.local.port"));
    }

    private static void checkReused(Fork.Result r, OtlpReceiver receiver, String scenario, boolean option) {
        Map<String, Request> bySpan = new HashMap<>();
        int expected = 0;
        for (Request q : requests(r, scenario)) {
            bySpan.put(q.spanId, q);
            if (q.sampled && q.index > 1) {
                expected++;
            }
        }
        int seen = 0;
        Set<String> parents = new HashSet<>();
        for (Span s : named(receiver, "connection reused")) {
            Request q = bySpan.get(hex(s.getParentSpanId()));
            if (q == null) {
                continue;
            }
            seen++;
            assertTrue(q.sampled && q.index > 1, "a reused span under request " + q.index + " of its connection");
            assertTrue(parents.add(q.spanId));
            assertEquals(q.traceId, hex(s.getTraceId()));
            assertEquals(String.valueOf(q.index), attribute(s.getAttributesList(), "connscope.http.request.index"));
            assertEquals("connection_reused", attribute(s.getAttributesList(), "connscope.span.type"));
            assertTrue(Double.parseDouble(attribute(s.getAttributesList(), "connscope.connection.age_ms")) > 0);
            String idle = attribute(s.getAttributesList(), "connscope.connection.idle_before_ms");
            if (scenario.startsWith("h2")) {
                assertTrue(idle == null, "HTTP/2 streams overlap: no idle time");
            } else {
                assertTrue(Double.parseDouble(idle) >= 0, scenario);
            }
            assertEquals(String.valueOf(q.localPort), attribute(s.getAttributesList(), "network.local.port"));
            assertEquals(1, s.getLinksCount());
        }
        assertEquals(option ? expected : 0, seen, scenario + ", reused spans with the option " + (option ? "on" : "off"));
        assertTrue(expected > 0, scenario + ": the driver sent sampled requests on reused connections");
    }

    static void checkLinks(Fork.Result r, OtlpReceiver receiver, String scenario, String direction) {
        String port = scenarioLine(r, scenario).get("port");
        Set<String> expected = new TreeSet<>();
        Set<Integer> clientPorts = new HashSet<>();
        for (Request q : requests(r, scenario)) {
            clientPorts.add(q.localPort);
            if (q.sampled) {
                expected.add(q.traceId + "/" + q.spanId + "#" + q.index);
            }
        }
        List<String> actual = new ArrayList<>();
        for (Span s : connectionSpans(receiver, port, direction, clientPorts)) {
            assertTrue(attribute(s.getAttributesList(), "connscope.http.request_links.dropped") == null);
            for (Span.Link l : s.getLinksList()) {
                String index = attribute(l.getAttributesList(), "connscope.http.request.index");
                if (index != null) {
                    actual.add(hex(l.getTraceId()) + "/" + hex(l.getSpanId()) + "#" + index);
                }
            }
        }
        assertEquals(expected.size(), actual.size(), scenario + " " + direction + ": links, each once");
        assertEquals(expected, new TreeSet<>(actual), scenario + " " + direction + ": each link points at a sampled "
                + "request's span, with its index");
    }

    /** The driver's requests of a scenario, in order, with their index on their connection. */
    static List<Request> requests(Fork.Result r, String scenario) {
        List<Request> list = new ArrayList<>();
        Map<Integer, Integer> perConnection = new HashMap<>();
        for (Truth t : Truth.parse(r.stdout)) {
            if (t.type.equals("REQ") && scenario.equals(t.name())) {
                Request q = new Request();
                q.traceId = t.get("trace_id");
                if (q.traceId.length() == 16) {
                    // B3's 64-bit trace id: connscope reads it as a 128-bit one with leading zeros, as OTLP has it.
                    q.traceId = "0000000000000000" + q.traceId;
                }
                q.spanId = t.get("span_id");
                q.sampled = Boolean.parseBoolean(t.get("sampled"));
                q.localPort = t.port("local_port");
                q.index = perConnection.merge(q.localPort, 1, Integer::sum);
                list.add(q);
            }
        }
        assertEquals(scenarioLine(r, scenario).num("requests"), list.size(), r.describe());
        return list;
    }

    private static List<Span> connectionSpans(OtlpReceiver receiver, String port, String direction) {
        return receiver.spans().stream()
                .filter(s -> port.equals(attribute(s.getAttributesList(), "server.port"))
                        && direction.equals(attribute(s.getAttributesList(), "connscope.connection.direction")))
                .collect(Collectors.toList());
    }

    /**
     * The connection spans of a scenario's server port on the client ports its requests went out from (the local
     * port outbound, the peer's inbound): a later scenario's server can get the port an earlier one's had.
     */
    private static List<Span> connectionSpans(OtlpReceiver receiver, String port, String direction,
                                              Set<Integer> clientPorts) {
        String attribute = direction.equals("outbound") ? "network.local.port" : "client.port";
        return connectionSpans(receiver, port, direction).stream()
                .filter(s -> clientPorts.contains(port(s, attribute))).collect(Collectors.toList());
    }

    /** A port attribute of {@code s}, or -1 when it has none. */
    private static int port(Span s, String attribute) {
        String value = attribute(s.getAttributesList(), attribute);
        return value == null ? -1 : Integer.parseInt(value);
    }

    private static List<Span> named(OtlpReceiver receiver, String name) {
        return receiver.spans().stream().filter(s -> s.getName().equals(name)).collect(Collectors.toList());
    }

    private static Truth scenarioLine(Fork.Result r, String scenario) {
        for (Truth t : Truth.parse(r.stdout)) {
            if (t.type.equals("SCENARIO") && scenario.equals(t.name())) {
                return t;
            }
        }
        throw new AssertionError("no SCENARIO line for " + scenario + "\n" + r.describe());
    }

    static String hex(ByteString bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes.toByteArray()) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }
}
