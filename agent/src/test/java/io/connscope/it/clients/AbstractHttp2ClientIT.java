package io.connscope.it.clients;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks;
import io.connscope.it.Fork;
import io.connscope.it.Nginx;
import io.connscope.it.ProcNetTcp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One HTTP client library at one version speaking HTTP/2 over TLS (h2 by ALPN) to nginx, seen by the agent: a
 * driver of {@code io.connscope.it.driver.clients} runs the {@code Http2Scenarios} in one forked JVM whose class
 * path is the test classes and that version's jars (system property {@code connscope.clients.KEY}), against one
 * nginx with a server block per scenario.
 *
 * <p>The ground truth every record is checked against, exactly: nginx's access log (for each request the client
 * port, so the connection, {@code $connection_requests}, the protocol and the status), what the library received
 * (every answer's protocol and status, and where it tells, the connections it set up), and the kernel's TIME_WAIT
 * rows (the side that sent the first FIN holds one). nginx logs only connections that carried a request; a
 * connection the library set up and dropped unused is counted by the library's own account.
 *
 * <p>A new library or version is a subclass naming its driver, directory key and the few ways it differs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractHttp2ClientIT {

    /** nginx's {@code http2_max_concurrent_streams} in the concurrent scenario. */
    private static final int MAX_CONCURRENT_STREAMS = 4;

    /** The driver's main class. */
    abstract String driver();

    /** The key of system property {@code connscope.clients.KEY}: the directory of the library version's jars. */
    abstract String clientsKey();

    /** How the driver prints an HTTP/2 answer with status 200: the library's name for the protocol, then the status. */
    abstract String h2Answer();

    /**
     * The id of the first stream the library opens on a connection: RFC 9113 lets a client start at any odd id, and
     * nginx's GOAWAY names the last one it will process.
     */
    int firstStreamId() {
        return 1;
    }

    /** The pool name connscope gives the library's connections, or null when it has no hooks for its pool. */
    abstract String poolName();

    /**
     * Whether the library may fail a request it gives a connection nginx is closing after its GOAWAY, without
     * sending it (and without a retry): the request is then in neither nginx's log nor connscope's streams.
     */
    boolean mayFailARequestOnAClosingConnection() {
        return false;
    }

    private Fork.Result run;
    private String context;
    /** nginx's ports: sequential, goaway (keepalive_requests 3), idle (keepalive_timeout 1s), concurrent; its upstream. */
    private final int[] ports = new int[5];
    /** nginx's access log: per listening port, per client port (one connection), its lines in order. */
    private final Map<Integer, Map<Integer, List<String[]>>> nginxLog = new HashMap<>();
    private final Map<String, Map<String, String>> results = new HashMap<>();

    @BeforeAll
    void runDriver() throws Exception {
        Path dir = Paths.get(System.getProperty("connscope.clients." + clientsKey(), ""));
        assertTrue(Files.isDirectory(dir), "no directory for connscope.clients." + clientsKey() + ": " + dir
                + "; run the ITs through Maven (mvn verify)");
        List<Path> jars;
        try (Stream<Path> files = Files.list(dir)) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
        assertFalse(jars.isEmpty(), "no jars in " + dir);
        Path nginxDir = Nginx.newDirectory("connscope-h2-clients-");
        Path cert = nginxDir.resolve("cert.pem");
        Path key = nginxDir.resolve("key.pem");
        Fork.Result gen = Fork.exec(List.of(Nginx.tool("openssl", "openssl"), "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"));
        assertEquals(0, gen.exit, "openssl: " + gen.describe());
        for (int i = 0; i < ports.length; i++) {
            ports[i] = Nginx.freePort();
        }
        // Debian's nginx 1.22: "listen ... ssl http2" (1.25.1 moved it to "http2 on"); since 1.19.7 keepalive_requests
        // and keepalive_timeout bound HTTP/2 connections too (http2_max_requests and http2_idle_timeout are obsolete).
        String hello = "    location / { return 200 'Hello there!'; } }";
        String server = "  server { listen 127.0.0.1:";
        List<String> lines;
        try (Nginx nginx = Nginx.start(nginxDir, String.join("\n",
                "  log_format h2 '$server_port $remote_port $connection $connection_requests $server_protocol $status';",
                "  access_log " + nginxDir + "/access.log h2;",
                "  ssl_certificate " + cert + "; ssl_certificate_key " + key + ";",
                server + ports[0] + " ssl http2;", hello,
                server + ports[1] + " ssl http2; keepalive_requests 3;", hello,
                server + ports[2] + " ssl http2; keepalive_timeout 1s;", hello,
                server + ports[3] + " ssl http2; http2_max_concurrent_streams " + MAX_CONCURRENT_STREAMS + ";",
                "    location / { proxy_pass http://127.0.0.1:" + ports[4] + "; } }"),
                ports[0], ports[1], ports[2], ports[3])) {
            run = Fork.run(List.of("-Dconnscope.events.requests=true", "-Dconnscope.console=connections"), jars, driver(),
                    "cert=" + cert, "sequential=" + ports[0], "goaway=" + ports[1], "idle=" + ports[2],
                    "concurrent=" + ports[3] + ":" + ports[4]);
            nginx.stop();
            Path log = nginxDir.resolve("access.log");
            lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        }
        for (String line : lines) {
            String[] f = line.split(" ");
            nginxLog.computeIfAbsent(Integer.parseInt(f[0]), k -> new LinkedHashMap<>())
                    .computeIfAbsent(Integer.parseInt(f[1]), k -> new ArrayList<>()).add(f);
        }
        context = "\n--- nginx access log (server_port remote_port connection connection_requests protocol status):\n"
                + String.join("\n", lines) + "\n" + run.describe();
        for (String line : run.stdout.split("\n")) {
            if (line.startsWith("RESULT scenario=")) {
                Map<String, String> values = new HashMap<>();
                for (String kv : line.substring("RESULT ".length()).trim().split(" ")) {
                    String[] p = kv.split("=", 2);
                    values.put(p[0], p.length > 1 ? p[1] : "");
                }
                results.put(values.get("scenario"), values);
            }
        }
        assertTrue(run.stdout.contains("\nDONE"), "the driver finished every scenario" + context);
    }

    @Test
    void theForkRanTheVersionUnderTest() {
        Path dir = Paths.get(System.getProperty("connscope.clients." + clientsKey()));
        assertTrue(run.stdout.contains("RESULT library_jar=" + dir.getFileName() + ".jar\n"),
                "the library's classes came from " + dir.getFileName() + ".jar" + context);
    }

    /** 10 GETs one after the other: 10 streams multiplexed on one connection, each a request, all but the first reused. */
    @Test
    void sequentialRequestsAreStreamsOnOneConnection() throws IOException {
        List<JsonNode> used = checkAgainstTruth("sequential", ports[0], 10, false);
        assertEquals(List.of(10), nginxCounts(ports[0]), "nginx: one connection, 10 requests" + context);
        // The client may say GOAWAY at its close (Apache HttpClient does); nginx has no reason to.
        assertEquals(List.of(), goawaysFrom(used.get(0), "server"), "no GOAWAY from nginx" + context);
    }

    /**
     * nginx's {@code keepalive_requests 3}: on the 3rd stream's HEADERS nginx sends GOAWAY {@code NO_ERROR} naming
     * that stream as the last it processes, answers it, and closes; the library opens a new connection for the 4th.
     * 7 requests: connections of 3, 3 and 1 streams (OkHttp); 3 and 3 when the library failed one request unsent
     * ({@link #mayFailARequestOnAClosingConnection}). The last connection, which the client's close ends, has no
     * close_reason asserted: nginx's FIN may come first (its answer to the client's close_notify), then it is
     * {@code stale}, else {@code application_close} or the client's GOAWAY.
     */
    @Test
    void keepAliveRequestsEndsEachConnectionWithAGoaway() throws IOException {
        List<JsonNode> used = checkAgainstTruth("goaway", ports[1], 7, mayFailARequestOnAClosingConnection());
        // Every request the library got an answer for, 3 per connection; one it failed unsent is on none.
        int answered = Integer.parseInt(result("goaway", "responses"));
        List<Integer> expected = new ArrayList<>();
        for (int left = answered; left > 0; left -= 3) {
            expected.add(Math.min(3, left));
        }
        assertEquals(expected, nginxCounts(ports[1]), "nginx: keepalive_requests 3, " + answered + " requests" + context);
        Checks.Problems p = new Checks.Problems();
        for (int i = 0; i < used.size(); i++) {
            JsonNode c = used.get(i);
            String what = "connection " + (i + 1) + " (client port " + c.path("local_port").asInt() + ")";
            List<JsonNode> fromServer = goawaysFrom(c, "server");
            if (expected.get(i) == 3) {
                p.expect(1, fromServer.size(), what + ": GOAWAYs from nginx");
                if (!fromServer.isEmpty()) {
                    p.expect("no_error", fromServer.get(0).path("error").asText(), what + ": GOAWAY error");
                    p.expect(firstStreamId() + 4, fromServer.get(0).path("last_stream_id").asInt(),
                            what + ": GOAWAY last_stream_id, the 3rd stream");
                    p.expect("server", c.path("http2").path("goaways").path(0).path("from").asText(),
                            what + ": the first GOAWAY is nginx's");
                }
                p.expect("goaway_by_server_no_error", Checks.text(c, "close_reason"), what + ": close_reason");
            } else {
                p.expect(0, fromServer.size(), what + ": nginx had no reason for a GOAWAY before the client's close");
            }
        }
        p.failIfAny("keepalive_requests 3", context);
    }

    /**
     * nginx's {@code keepalive_timeout 1s}: the idle connection gets nginx's GOAWAY {@code NO_ERROR} about 1 s after
     * its request, and is closed; the request 2.5 s later goes on a new connection.
     */
    @Test
    void keepAliveTimeoutEndsTheIdleConnectionWithAGoaway() throws IOException {
        List<JsonNode> used = checkAgainstTruth("idle", ports[2], 2, false);
        assertEquals(List.of(1, 1), nginxCounts(ports[2]), "nginx: 2 connections, 1 request each" + context);
        JsonNode first = used.get(0);
        Checks.Problems p = new Checks.Problems();
        List<JsonNode> fromServer = goawaysFrom(first, "server");
        p.expect(1, fromServer.size(), "the idle connection: GOAWAYs from nginx");
        if (!fromServer.isEmpty()) {
            JsonNode g = fromServer.get(0);
            p.expect("no_error", g.path("error").asText(), "GOAWAY error");
            p.expect(firstStreamId(), g.path("last_stream_id").asInt(), "GOAWAY last_stream_id: the one stream");
            Instant request = Instant.parse(requestsOf(first).get(0).path("started_at").asText());
            long idleMs = Duration.between(request, Instant.parse(g.path("at").asText())).toMillis();
            p.check(idleMs >= 900 && idleMs < 2_400, "GOAWAY about 1 s (keepalive_timeout) after the request, not "
                    + idleMs + " ms");
        }
        p.expect("goaway_by_server_no_error", Checks.text(first, "close_reason"), "the idle connection: close_reason");
        p.expect("closed", Checks.text(first, "state"), "the idle connection: state");
        p.failIfAny("keepalive_timeout 1s", context);
    }

    /**
     * 8 GETs at once, each held 300 ms by nginx's upstream, against {@code http2_max_concurrent_streams 4}: the
     * client keeps to nginx's limit (connscope reads it from nginx's SETTINGS), so a connection carries at most 4 at
     * once and the library spreads the rest over more connections or queues them. Seen: OkHttp opens more
     * connections at once, uses one more (4 + 4 streams open at once, as the upstream saw 8) and closes the others
     * unused (records with 0 streams, as many as its {@code connectEnd} events say); Apache HttpClient queues the
     * rest on its one connection (4 at once, as the upstream saw 4).
     */
    @Test
    void concurrentRequestsStayWithinTheServersStreamLimit() throws IOException {
        List<JsonNode> used = checkAgainstTruth("concurrent", ports[3], 9, false);
        assertEquals(9, nginxCounts(ports[3]).stream().mapToInt(Integer::intValue).sum(), context);
        int upstreamMax = Integer.parseInt(result("concurrent", "upstream_max_concurrent"));
        Checks.Problems p = new Checks.Problems();
        int sumOfMaxima = 0;
        boolean multiplexed = false;
        for (JsonNode c : used) {
            String what = "client port " + c.path("local_port").asInt();
            JsonNode h2 = c.path("http2");
            p.expect(MAX_CONCURRENT_STREAMS, h2.path("server_max_concurrent_streams").asText(),
                    what + ": server_max_concurrent_streams, nginx's http2_max_concurrent_streams");
            int max = h2.path("max_open_streams").asInt();
            p.check(max >= 1 && max <= MAX_CONCURRENT_STREAMS, what + ": max_open_streams " + max + " within nginx's limit");
            multiplexed |= max > 1;
            sumOfMaxima += max;
        }
        p.check(multiplexed, "some connection carried more than one stream at once");
        // Every request the upstream held was an open stream at that moment.
        p.check(sumOfMaxima >= upstreamMax, "the streams open at once (" + sumOfMaxima + " over the connections) cover the "
                + upstreamMax + " requests nginx's upstream held at once");
        p.failIfAny("http2_max_concurrent_streams " + MAX_CONCURRENT_STREAMS, context);
    }

    // ---- the checks every scenario shares

    /**
     * Checks a scenario's outbound records against the truth and returns those that carried streams, in the order
     * they were opened: every answer came over HTTP/2 with 200; the connections that carried streams are the ones
     * nginx logged, each with as many streams (requests) as nginx served on it; every record is closed, as many as
     * the library says it set up, with who closed first as the kernel's TIME_WAIT row says; one request object per
     * stream, HTTP/2, 200 decoded from HPACK, reused after a connection's first; no resets, every frame parsed.
     * With {@code unsentFailures}, requests the library failed without sending them ({@code RequestNotExecutedException})
     * are allowed: they have no stream.
     */
    private List<JsonNode> checkAgainstTruth(String scenario, int port, int requests, boolean unsentFailures)
            throws IOException {
        Checks.Problems p = new Checks.Problems();
        int failures = Integer.parseInt(result(scenario, "failures"));
        if (unsentFailures) {
            long unsent = run.stdout.lines().filter(l -> l.startsWith("FAILURE scenario=" + scenario + " ")
                    && l.contains("RequestNotExecutedException")).count();
            p.expect(failures, unsent, scenario + ": failed requests, all failed unsent");
        } else {
            p.expect(0, failures, scenario + ": the library's failed requests");
        }
        p.expect(String.join(",", Collections.nCopies(requests - failures, h2Answer())), result(scenario, "answers"),
                scenario + ": the library's answers");
        p.failIfAny(scenario + ": what the library received", context);

        Map<Integer, List<String[]>> byClientPort = nginxLog.getOrDefault(port, Map.of());
        List<JsonNode> records = outbound(port);
        int connects = Integer.parseInt(result(scenario, "connects"));
        if (connects >= 0) {
            p.expect(connects, records.size(), scenario + ": records = connections the library says it set up");
        }
        List<JsonNode> used = new ArrayList<>();
        for (JsonNode c : records) {
            int clientPort = c.path("local_port").asInt();
            String what = scenario + " client port " + clientPort;
            List<String[]> served = byClientPort.getOrDefault(clientPort, List.of());
            JsonNode h2 = c.path("http2");
            p.check(h2.isObject(), what + ": an http2 object");
            p.expect(1, c.path("tls_handshakes").asInt(), what + ": tls_handshakes");
            p.expect(served.size(), c.path("requests").asText(), what + ": requests = nginx's requests on it");
            p.expect(served.size(), h2.path("streams_client").asText(), what + ": http2.streams_client");
            p.expect(0, h2.path("streams_server").asText(), what + ": http2.streams_server");
            p.expect("{}", h2.path("resets").path("client").toString(), what + ": the client's resets");
            p.expect("{}", h2.path("resets").path("server").toString(), what + ": nginx's resets");
            p.expect(false, h2.path("headers_undecoded").asBoolean(), what + ": http2.headers_undecoded");
            p.check(h2.path("unparsed").isNull(), what + ": every frame parsed, not " + h2.path("unparsed"));
            p.expect("closed", Checks.text(c, "state"), what + ": state");
            // nginx logs a request when it ends: streams that ran at once may be logged out of order.
            List<Integer> numbers = new ArrayList<>();
            for (String[] line : served) {
                numbers.add(Integer.parseInt(line[3]));
                p.expect("HTTP/2.0 200", line[4] + " " + line[5], what + ": nginx served HTTP/2");
            }
            Collections.sort(numbers);
            p.expect(IntStream.rangeClosed(1, served.size()).boxed().collect(Collectors.toList()), numbers,
                    what + ": nginx's $connection_requests on it");
            List<JsonNode> objects = requestsOf(c);
            p.expect(served.size(), objects.size(), what + ": request objects");
            for (int i = 0; i < objects.size(); i++) {
                JsonNode r = objects.get(i);
                p.expect(i + 1, r.path("index").asInt(), what + ": request index");
                p.expect(i > 0, r.path("reused").asBoolean(), what + ": request " + (i + 1) + " reused");
                p.expect("HTTP/2", r.path("http_version").asText(), what + ": request " + (i + 1) + " http_version");
                p.expect(200, r.path("status").asText(), what + ": request " + (i + 1) + " status (from HPACK)");
                p.check(r.path("reset").isNull(), what + ": request " + (i + 1) + " not reset");
                p.expect(poolName(), Checks.text(r, "pool"), what + ": request " + (i + 1) + " pool");
            }
            checkCloseInitiator(p, what, c, port);
            if (!served.isEmpty()) {
                used.add(c);
            }
        }
        p.expect(byClientPort.keySet().size(), used.size(), scenario + ": connections that carried streams = nginx's");
        p.failIfAny(scenario + " against nginx's access log, the library and the kernel", context);
        return used;
    }

    /**
     * Who sent the first FIN: the side whose kernel holds the tuple's one TIME_WAIT row; none after a reset. The JDK's
     * {@code SSLSocket} closes with close_notify, then {@code shutdownOutput()} (FIN); when nginx closed first (its
     * GOAWAY, then close_notify and FIN; or its answer to the client's close_notify, within microseconds on
     * loopback), its FIN is already in the client's kernel, unread, at that {@code shutdownOutput()}: connscope looks
     * then, and must say {@code remote}.
     */
    private void checkCloseInitiator(Checks.Problems p, String what, JsonNode c, int port) throws IOException {
        int clientPort = c.path("local_port").asInt();
        List<ProcNetTcp.Row> timeWait = ProcNetTcp.timeWait("127.0.0.1", clientPort, port);
        String rows = " (why: " + Checks.text(c, "close_detail") + "; the kernel's rows for the tuple: "
                + ProcNetTcp.all("127.0.0.1", clientPort, port) + ")";
        String initiator = Checks.text(c, "close_initiator");
        if (timeWait.size() == 1) {
            boolean serverFirst = !ProcNetTcp.localIs(timeWait.get(0), "127.0.0.1", clientPort);
            p.expect(serverFirst ? "remote" : "local", initiator, what + ": close_initiator" + rows);
        } else if (timeWait.size() == 2) {
            // Both sides hold TIME_WAIT: the FINs crossed on the wire, and each side is first by its own clock (the
            // docs/close-initiator.md): local, or remote when nginx's FIN was in before the client's shutdown.
            p.check("local".equals(initiator) || "remote".equals(initiator),
                    what + ": FINs crossed, but close_initiator is " + initiator + rows);
        } else {
            // No TIME_WAIT row: a reset ended it (the client's late close_notify met nginx's closed socket, after
            // nginx's FIN had come first), or both FINs crossed.
            p.check(timeWait.isEmpty() && initiator != null
                            && (initiator.endsWith("_reset") || initiator.equals("remote")),
                    what + ": no single TIME_WAIT row, so a reset after the server's FIN, but close_initiator is "
                            + initiator + rows);
        }
    }

    private List<JsonNode> goawaysFrom(JsonNode c, String side) {
        List<JsonNode> list = new ArrayList<>();
        for (JsonNode g : c.path("http2").path("goaways")) {
            if (side.equals(g.path("from").asText())) {
                list.add(g);
            }
        }
        return list;
    }

    /** The requests nginx served on each connection of {@code port}, in the order of their first request. */
    private List<Integer> nginxCounts(int port) {
        return nginxLog.getOrDefault(port, Map.of()).values().stream().map(List::size).collect(Collectors.toList());
    }

    private String result(String scenario, String key) {
        Map<String, String> values = results.get(scenario);
        assertTrue(values != null && values.containsKey(key), "no RESULT " + key + " for scenario " + scenario + context);
        return values.get(key);
    }

    /** Outbound connection records to a server port, in the order they were opened (by id). */
    private List<JsonNode> outbound(int serverPort) throws IOException {
        return run.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && "outbound".equals(r.path("direction").asText())
                        && r.path("remote_port").asInt() == serverPort)
                .sorted(Comparator.comparingLong(r -> r.path("id").asLong()))
                .collect(Collectors.toList());
    }

    /** The request objects of one connection, by index. */
    private List<JsonNode> requestsOf(JsonNode connection) throws IOException {
        long id = connection.path("id").asLong();
        return run.records().stream()
                .filter(r -> "request".equals(r.path("type").asText()) && r.path("connection_id").asLong() == id)
                .sorted(Comparator.comparingInt(r -> r.path("index").asInt()))
                .collect(Collectors.toList());
    }
}
