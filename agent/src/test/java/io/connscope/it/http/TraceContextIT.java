package io.connscope.it.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.FailingHandlersIT;
import io.connscope.it.Fork;
import io.connscope.it.TestJars;
import io.connscope.it.Truth;
import io.connscope.it.driver.TraceContextHttp2Traffic;
import io.connscope.it.driver.TraceContextTraffic;
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
 * a table index). Checked exactly against the ids the drivers generated and printed; malformed headers counted on
 * each connection and at exit; and no {@code tracestate}, {@code baggage} or other header value anywhere in the
 * agent's output.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TraceContextIT {

    private static final Pattern EXIT_MALFORMED = Pattern.compile("malformed trace context headers (\\d+)");

    Fork.Result http1;
    Fork.Result http2;

    @BeforeAll
    void runDrivers(@TempDir Path dir) throws Exception {
        Path keystore = FailingHandlersIT.keystore(dir);
        List<String> args = List.of("-Dconnscope.events.requests=true");
        http1 = Fork.run(args, TraceContextTraffic.class.getName(), keystore.toString());
        List<Path> jars = new ArrayList<>(TestJars.jetty());
        jars.addAll(TestJars.grpc());
        http2 = Fork.run(args, jars, TraceContextHttp2Traffic.class.getName(), keystore.toString());
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

    /** The scenario's requests, on each side, in order, with exactly the trace context the driver sent. */
    private static void checkScenario(Fork.Result r, String scenario, String version) throws Exception {
        Truth summary = scenarioLine(r, scenario);
        int port = summary.port("port");
        List<String> expected = new ArrayList<>();
        for (Truth t : Truth.parse(r.stdout)) {
            if (t.type.equals("TRACE") && scenario.equals(t.name())) {
                assertEquals(expected.size() + 1, t.port("index"), t.line);
                expected.add(t.get("trace_id") + " " + t.get("span_id") + " " + t.get("sampled"));
            }
        }
        assertEquals(summary.num("requests"), expected.size(), summary.line);
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
            for (String[] place : List.of(new String[] {"the JSON Lines file", r.eventsText()},
                    new String[] {"stderr", r.stderr}, new String[] {"stdout", r.stdout})) {
                assertFalse(place[1].toUpperCase(Locale.ROOT).contains("SECRET"), place[0] + " holds a secret "
                        + "(tracestate, baggage, a target or a trace header's other fields):\n" + r.describe());
            }
        }
    }
}
