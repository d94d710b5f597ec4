package io.connscope.it.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks;
import io.connscope.it.FailingHandlersIT;
import io.connscope.it.Fork;
import io.connscope.it.ProcNetTcp;
import io.connscope.it.TestJars;
import io.connscope.it.driver.JettyHttp2Scenarios;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Jetty 12 HTTP/2 server and the JDK {@code HttpClient} ({@link JettyHttp2Scenarios}): h2c by HTTP/1.1 Upgrade,
 * h2 by ALPN, and Jetty's idle timeout closing an HTTP/2 connection with GOAWAY. Ground truth: what Jetty served
 * per connection (the client's port) and in which protocol, the versions of the responses the client got, and the
 * kernel's TIME_WAIT rows. Both ends of each connection are in the JVM, so both records are checked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Http2JettyIT {

    private static final Pattern RESULT = Pattern.compile("RESULT (\\w+) port=(\\d+) responses=(\\d+) versions=(\\S+)");
    private static final Pattern SERVED = Pattern.compile("SERVED port=(\\d+) remote=(\\d+) protocol=(\\S+) requests=(\\d+)");

    private Fork.Result run;
    private final Map<String, Integer> ports = new HashMap<>();
    private final Map<String, String> versions = new HashMap<>();
    /** Per server port: the client ports Jetty served, with the protocol and the requests. */
    private final Map<Integer, List<String[]>> served = new HashMap<>();

    @BeforeAll
    void runScenarios() throws Exception {
        Path keystore = FailingHandlersIT.keystore(Fork.newScratchDirectory("connscope-jetty-"));
        run = Fork.run(List.of("-Dconnscope.events.requests=true"), TestJars.jetty(),
                JettyHttp2Scenarios.class.getName(), keystore.toString());
        for (String line : run.stdout.split("\n")) {
            Matcher m = RESULT.matcher(line);
            if (m.find()) {
                ports.put(m.group(1), Integer.parseInt(m.group(2)));
                versions.put(m.group(1), m.group(4));
            }
            Matcher s = SERVED.matcher(line);
            if (s.find()) {
                served.computeIfAbsent(Integer.parseInt(s.group(1)), k -> new ArrayList<>())
                        .add(new String[] {s.group(2), s.group(3), s.group(4)});
            }
        }
    }

    private List<JsonNode> records(String type, String direction, String portField, int port) throws Exception {
        return run.records().stream().filter(j -> type.equals(j.path("type").asText())
                        && direction.equals(j.path("direction").asText()) && j.path(portField).asInt() == port)
                .collect(Collectors.toList());
    }

    /** Each connection Jetty served has an outbound and an inbound record with as many requests and streams. */
    private List<JsonNode[]> checkConnections(String scenario) throws Exception {
        Integer port = ports.get(scenario);
        assertNotNull(port, scenario + " ran\n" + run.describe());
        List<String[]> jetty = served.get(port);
        String context = "\n--- Jetty served: " + jetty.stream().map(a -> String.join(" ", a)).collect(Collectors.toList())
                + "\n" + run.describe();
        assertEquals(jetty.size(), records("connection", "outbound", "remote_port", port).size(),
                scenario + ": a connection per connection Jetty served" + context);
        List<JsonNode[]> pairs = new ArrayList<>();
        for (String[] c : jetty) {
            int clientPort = Integer.parseInt(c[0]);
            int requests = Integer.parseInt(c[2]);
            List<JsonNode> out = records("connection", "outbound", "local_port", clientPort);
            List<JsonNode> in = records("connection", "inbound", "remote_port", clientPort);
            assertEquals(1, out.size(), context);
            assertEquals(1, in.size(), context);
            for (JsonNode r : List.of(out.get(0), in.get(0))) {
                assertEquals(requests, r.path("requests").asInt(), scenario + " " + r.path("direction").asText()
                        + ": the requests Jetty served on it" + context);
                assertEquals(requests, r.path("http2").path("streams_client").asInt(), context);
                assertTrue(r.path("http2").path("unparsed").isNull(), context);
            }
            pairs.add(new JsonNode[] {out.get(0), in.get(0)});
        }
        return pairs;
    }

    @Test
    void h2cByUpgradeCountsTheUpgradeRequestOnceAndTheStreamsAfterIt() throws Exception {
        List<JsonNode[]> pairs = checkConnections("upgrade");
        assertEquals(1, pairs.size(), run.describe());
        assertEquals("HTTP/2.0", served.get(ports.get("upgrade")).get(0)[1], "Jetty served HTTP/2");
        int port = ports.get("upgrade");
        List<JsonNode> requests = records("request", "outbound", "server_port", port);
        String context = "\n" + requests + "\n" + run.describe();
        assertEquals(5, requests.size(), context);
        assertEquals("HTTP/1.1", requests.get(0).path("http_version").asText(), "the request that asked for h2c" + context);
        assertEquals(101, requests.get(0).path("status").asInt(), context);
        for (int i = 1; i < 5; i++) {
            assertEquals("HTTP/2", requests.get(i).path("http_version").asText(), context);
            assertEquals(200, requests.get(i).path("status").asInt(), "the :status, decoded from HPACK" + context);
            assertEquals(i + 1, requests.get(i).path("index").asInt(), context);
            assertTrue(requests.get(i).path("reused").asBoolean(), context);
        }
    }

    @Test
    void h2ByAlpnCountsEveryStreamWithItsStatus() throws Exception {
        List<JsonNode[]> pairs = checkConnections("tls");
        assertEquals(1, pairs.size(), run.describe());
        assertEquals("HTTP_2,HTTP_2,HTTP_2,HTTP_2,HTTP_2", versions.get("tls"), run.describe());
        JsonNode out = pairs.get(0)[0];
        assertEquals(1, out.path("tls_handshakes").asInt(), run.describe());
        List<JsonNode> requests = records("request", "inbound", "server_port", ports.get("tls"));
        assertEquals(5, requests.size(), "Jetty's side, through the JDK's SSLEngine" + run.describe());
        assertTrue(requests.stream().allMatch(r -> r.path("status").asInt() == 200), requests + run.describe());
    }

    /** The client's TLS is Conscrypt's engine: its plaintext, too, reaches the connection. */
    @Test
    void h2InsideConscryptsEngineCountsEveryStream() throws Exception {
        List<JsonNode[]> pairs = checkConnections("conscrypt");
        assertEquals(1, pairs.size(), run.describe());
        assertEquals("HTTP_2,HTTP_2,HTTP_2,HTTP_2,HTTP_2", versions.get("conscrypt"), "ALPN h2 through Conscrypt"
                + run.describe());
        List<JsonNode> requests = records("request", "outbound", "server_port", ports.get("conscrypt"));
        assertEquals(5, requests.size(), "the client's side, through Conscrypt's engine" + run.describe());
        assertTrue(requests.stream().allMatch(r -> r.path("status").asInt() == 200), requests + run.describe());
    }

    @Test
    void jettysIdleTimeoutIsAGoAwayFromTheServerAndTheKernelAgreesOnWhoClosedFirst() throws Exception {
        List<JsonNode[]> pairs = checkConnections("idle");
        assertEquals(2, pairs.size(), "the idle connection was closed; the second request opened another"
                + run.describe());
        JsonNode[] first = pairs.stream().min((a, b) -> a[0].path("id").asInt() - b[0].path("id").asInt()).get();
        JsonNode out = first[0];
        JsonNode in = first[1];
        String context = "\n" + out + "\n" + in + "\n" + run.describe();
        JsonNode goAway = out.path("http2").path("goaways").path(0);
        assertEquals("server", goAway.path("from").asText(), context);
        assertEquals("goaway_by_server_" + goAway.path("error").asText(), out.path("close_reason").asText(), context);
        assertEquals(out.path("close_reason").asText(), in.path("close_reason").asText(), context);
        int clientPort = out.path("local_port").asInt();
        List<ProcNetTcp.Row> tw = ProcNetTcp.timeWait("127.0.0.1", clientPort, ports.get("idle"));
        String o = out.path("close_initiator").asText();
        String i = in.path("close_initiator").asText();
        if (tw.size() == 2) {
            String misfit = Checks.misfitWithCrossedFins(out, in);
            assertTrue(misfit == null, misfit + " " + tw + context);
        } else if (!tw.isEmpty()) {
            // Who sent the first FIN holds TIME_WAIT: Jetty, closing the idle connection, or the client, closing it
            // on Jetty's GOAWAY before Jetty's FIN came.
            assertEquals(1, tw.size(), context);
            boolean clientHolds = ProcNetTcp.localIs(tw.get(0), "127.0.0.1", clientPort);
            assertEquals(clientHolds ? "local" : "remote", o, tw + context);
            assertEquals(clientHolds ? "remote" : "local", i, tw + context);
        } else {
            // No row: a reset ended it (the client closed with Jetty's close_notify unread, or a late close_notify
            // met a closed socket after the FINs).
            String misfit = Checks.misfitWithoutTimeWait(out, in);
            assertTrue(misfit == null, misfit + " " + context);
        }
    }
}
