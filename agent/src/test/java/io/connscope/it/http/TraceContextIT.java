package io.connscope.it.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.FailingHandlersIT;
import io.connscope.it.Fork;
import io.connscope.it.TestJars;
import io.connscope.it.Truth;
import io.connscope.it.driver.TraceContextHttp2Traffic;
import io.connscope.it.driver.TraceContextTraffic;
import io.connscope.it.otel.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.connscope.it.http.HttpChecks.connectionsOf;
import static io.connscope.it.http.HttpChecks.requestObjects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trace context each request carried, in its request object, on both sides of each connection: HTTP/1.1 plain
 * and over TLS from a raw client ({@link TraceContextTraffic}: every form, valid and malformed, one head written in
 * 5-byte pieces) and from the JDK HttpClient to the JDK HttpServer; HTTP/2 from the JDK HttpClient to Jetty over TLS
 * (Huffman-coded values) and from gRPC in the clear ({@link TraceContextHttp2Traffic}: raw values, a repeat sent as
 * a table index). Checked exactly against the ids the drivers generated and printed, in the request objects and in
 * the spans' {@code http.request} events (exported to an OTLP receiver); malformed headers counted on each connection
 * (JSON and span) and at exit; and no {@code tracestate}, {@code baggage} or other header value anywhere in the
 * agent's output.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TraceContextIT {

    private static final Pattern EXIT_MALFORMED = Pattern.compile("malformed trace context headers (\\d+)");

    Fork.Result http1;
    Fork.Result http2;
    OtlpReceiver receiver1;
    OtlpReceiver receiver2;

    @BeforeAll
    void runDrivers(@TempDir Path dir) throws Exception {
        Path keystore = FailingHandlersIT.keystore(dir);
        receiver1 = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP);
        receiver2 = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP);
        List<String> args = new ArrayList<>(receiver1.agentSettings());
        args.add("-Dconnscope.events.requests=true");
        http1 = Fork.run(args, TraceContextTraffic.class.getName(), keystore.toString());
        args = new ArrayList<>(receiver2.agentSettings());
        args.add("-Dconnscope.events.requests=true");
        List<Path> jars = new ArrayList<>(TestJars.jetty());
        jars.addAll(TestJars.grpc());
        http2 = Fork.run(args, jars, TraceContextHttp2Traffic.class.getName(), keystore.toString());
    }

    @AfterAll
    void stopReceivers() {
        for (OtlpReceiver r : new OtlpReceiver[] {receiver1, receiver2}) {
            if (r != null) {
                r.close();
            }
        }
    }

    @Test
    void http1RequestsCarryTheTraceContextTheySentOnBothSides() throws Exception {
        for (String scenario : List.of("plain", "tls", "httpclient")) {
            checkScenario(http1, scenario, "HTTP/1.1");
        }
    }

    @Test
    void http2RequestsCarryTheTraceContextTheySentOnBothSides() throws Exception {
        for (String scenario : List.of("jetty", "grpc")) {
            checkScenario(http2, scenario, "HTTP/2");
        }
    }

    @Test
    void spanEventsCarryTheSameTraceContextAndSpansTheMalformedCount() {
        for (String scenario : List.of("plain", "tls", "httpclient")) {
            checkSpans(http1, receiver1, scenario);
        }
        for (String scenario : List.of("jetty", "grpc")) {
            checkSpans(http2, receiver2, scenario);
        }
    }

    /** What the driver sent in the scenario, per request in order: "trace_id span_id sampled", null where none. */
    private static List<String> expected(Fork.Result r, String scenario) {
        Truth summary = scenarioLine(r, scenario);
        List<String> expected = new ArrayList<>();
        for (Truth t : Truth.parse(r.stdout)) {
            if (t.type.equals("TRACE") && scenario.equals(t.name())) {
                assertEquals(expected.size() + 1, t.port("index"), t.line);
                expected.add(t.get("trace_id") + " " + t.get("span_id") + " " + t.get("sampled"));
            }
        }
        assertEquals(summary.num("requests"), expected.size(), summary.line);
        return expected;
    }

    /** The connection spans of the scenario's server port, on each side: their request events and malformed count. */
    private static void checkSpans(Fork.Result r, OtlpReceiver receiver, String scenario) {
        Truth summary = scenarioLine(r, scenario);
        String port = summary.get("port");
        List<String> expected = expected(r, scenario);
        for (String direction : List.of("outbound", "inbound")) {
            List<Span.Event> events = new ArrayList<>();
            long malformed = 0;
            int spans = 0;
            for (Span s : receiver.spans()) {
                if (port.equals(OtlpReceiver.attribute(s.getAttributesList(), "server.port"))
                        && direction.equals(OtlpReceiver.attribute(s.getAttributesList(),
                        "connscope.connection.direction"))) {
                    spans++;
                    String m = OtlpReceiver.attribute(s.getAttributesList(), "connscope.http.trace_context.malformed");
                    malformed += m == null ? 0 : Long.parseLong(m);
                    for (Span.Event e : s.getEventsList()) {
                        if (e.getName().equals("http.request")) {
                            events.add(e);
                        }
                    }
                }
            }
            String context = scenario + ", " + direction + ", " + spans + " spans:\n"
                    + receiver.spans().stream().map(s -> OtlpReceiver.render(s.getAttributesList()))
                    .collect(java.util.stream.Collectors.joining("\n"));
            events.sort(Comparator.comparingLong(Span.Event::getTimeUnixNano).thenComparingLong(e -> Long.parseLong(
                    OtlpReceiver.attribute(e.getAttributesList(), "connscope.http.request.index"))));
            List<String> actual = new ArrayList<>();
            for (Span.Event e : events) {
                actual.add(OtlpReceiver.attribute(e.getAttributesList(), "connscope.http.request.trace_id") + " "
                        + OtlpReceiver.attribute(e.getAttributesList(), "connscope.http.request.span_id") + " "
                        + OtlpReceiver.attribute(e.getAttributesList(), "connscope.http.request.sampled"));
            }
            assertEquals(expected, actual, "span events' trace context, " + context);
            assertEquals(summary.num("malformed"), malformed, "connscope.http.trace_context.malformed, " + context);
        }
    }

    /** The scenario's requests, on each side, in order, with exactly the trace context the driver sent. */
    private static void checkScenario(Fork.Result r, String scenario, String version) throws Exception {
        Truth summary = scenarioLine(r, scenario);
        int port = summary.port("port");
        List<String> expected = expected(r, scenario);
        String context = "\n" + r.describe();
        for (String direction : List.of("outbound", "inbound")) {
            List<JsonNode> requests = requestObjects(r, port, direction);
            requests.sort(Comparator.<JsonNode>comparingLong(n -> n.path("connection_id").asLong())
                    .thenComparingInt(n -> n.path("index").asInt()));
            List<String> actual = new ArrayList<>();
            for (JsonNode n : requests) {
                assertEquals(version, n.path("http_version").asText(), n + context);
                actual.add(value(n, "trace_id") + " " + value(n, "span_id") + " " + value(n, "sampled"));
            }
            assertEquals(expected, actual, scenario + ", " + direction + ": trace_id span_id sampled per request"
                    + context);

            long malformed = 0;
            for (JsonNode c : connectionsOf(r, port)) {
                if (direction.equals(c.path("direction").asText())) {
                    malformed += c.path("trace_context_malformed").asLong(-1000);
                }
            }
            assertEquals(summary.num("malformed"), malformed, scenario + ", " + direction
                    + ": trace_context_malformed of its connections" + context);
        }
    }

    private static String value(JsonNode n, String field) {
        JsonNode v = n.path(field);
        assertFalse(v.isMissingNode(), field + " in " + n);
        return v.isNull() ? "null" : v.asText();
    }

    private static Truth scenarioLine(Fork.Result r, String scenario) {
        for (Truth t : Truth.parse(r.stdout)) {
            if (t.type.equals("SCENARIO") && scenario.equals(t.name())) {
                return t;
            }
        }
        throw new AssertionError("no SCENARIO line for " + scenario + "\n" + r.describe());
    }

    @Test
    void malformedHeadersAreCountedInTheExitSummary() {
        for (Fork.Result r : List.of(http1, http2)) {
            long expected = 0;
            for (Truth t : Truth.parse(r.stdout)) {
                if (t.type.equals("SCENARIO")) {
                    expected += 2 * t.num("malformed"); // seen by the client and by the server
                }
            }
            assertTrue(expected > 0);
            Matcher m = EXIT_MALFORMED.matcher(r.stderr);
            assertTrue(m.find(), "the exit summary counts malformed trace context headers\n" + r.describe());
            assertEquals(expected, Long.parseLong(m.group(1)), r.describe());
        }
    }

    @Test
    void noTracestateBaggageOrOtherHeaderValueIsRecorded() {
        for (Fork.Result r : List.of(http1, http2)) {
            OtlpReceiver receiver = r == http1 ? receiver1 : receiver2;
            assertFalse(receiver.spans().isEmpty(), "spans arrived\n" + r.describe());
            for (String[] place : List.of(new String[] {"the JSON Lines file", r.eventsText()},
                    new String[] {"stderr", r.stderr}, new String[] {"stdout", r.stdout},
                    new String[] {"spans", receiver.resourceSpans().toString()},
                    new String[] {"metrics", receiver.resourceMetrics().toString()})) {
                assertFalse(place[1].toUpperCase(Locale.ROOT).contains("SECRET"), place[0] + " holds a secret "
                        + "(tracestate, baggage, a target or a trace header's other fields):\n" + r.describe());
            }
        }
    }
}
