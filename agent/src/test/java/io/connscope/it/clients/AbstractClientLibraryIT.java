package io.connscope.it.clients;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Fork;
import io.connscope.it.Nginx;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One HTTP client library at one version, seen by the agent: a driver of {@code io.connscope.it.driver.clients}
 * runs the {@code ClientScenarios} in one forked JVM whose class path is the test classes and that version's jars
 * (a directory under {@code target/clients}, named by system property {@code connscope.clients.KEY}). Each
 * scenario has a server of its own that counts connections and requests itself: the ground truth every record is
 * checked against, on the client's (outbound) and the server's (inbound) side.
 *
 * <p>A new library or version is a subclass naming its driver and directory key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractClientLibraryIT {

    /** The pool's limit the drivers configure: {@code ClientScenarios.MAX_PER_ROUTE}. */
    private static final int MAX_PER_ROUTE = 2;

    private Fork.Result run;
    private String context;
    private final Map<String, Map<String, String>> results = new HashMap<>();
    /** nginx's ports: keepalive_timeout 1s, keepalive_timeout 0, HTTP/1.0 proxy, keepalive_requests 3; the proxy's upstream. */
    private final int[] nginxPorts = new int[5];
    /** nginx's access log: per listening port, the requests each of its connections ($connection) carried. */
    private final Map<Integer, Map<Long, Integer>> nginxLog = new HashMap<>();
    private String nginxLogText = "";

    /** The driver's main class. */
    abstract String driver();

    /** The key of system property {@code connscope.clients.KEY}: the directory of the library version's jars. */
    abstract String clientsKey();

    /** Whether the library runs HTTPS over the JDK's SSLSocket (its requests are then counted inside TLS). */
    boolean https() {
        return true;
    }

    /**
     * Requests the client writes onto the connection the server closed idle before it notices: 0 for a pool
     * that checks an idle connection before reusing it, 1 for one that tries it and retries on a new connection.
     */
    int staleReuses() {
        return 0;
    }

    /**
     * Whether the client closes a connection it will not reuse (after a {@code Connection: close} response)
     * abortively, with {@code SO_LINGER} 0: Apache HttpClient 5 classic ({@code CloseMode.IMMEDIATE}) and 4.5
     * ({@code shutdown()}) do, depending on timing. When it
     * closes before the server's FIN arrives, that is a reset ({@code local_reset}); the exchange was complete, so
     * the reason stays {@code connection_close_by_server}. When the FIN came first the server closed first
     * ({@code remote}).
     */
    boolean resetsConnectionsItDiscards() {
        return false;
    }

    /** The pool name connscope gives the library's connections, or null when it has no hooks for its pool. */
    String poolName() {
        return null;
    }

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
        List<String> args = new ArrayList<>(List.of("sequential", "concurrent", "server-close", "idle-close", "jdk"));
        if (https()) {
            Path keystoreDir = Files.createTempDirectory("connscope-clients-");
            keystoreDir.toFile().deleteOnExit();
            Path keystore = keystoreDir.resolve("ks.p12");
            keystore.toFile().deleteOnExit();
            Path keytool = Paths.get(Fork.java()).resolveSibling("keytool");
            Fork.Result gen = Fork.exec(List.of(keytool.toString(), "-genkeypair", "-keystore", keystore.toString(),
                    "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit", "-alias", "test",
                    "-keyalg", "EC", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-validity", "2"));
            assertEquals(0, gen.exit, "keytool: " + gen.describe());
            args.add("https=" + keystore);
        }
        for (int i = 0; i < nginxPorts.length; i++) {
            nginxPorts[i] = Nginx.freePort();
        }
        args.add("nginx=" + nginxPorts[0] + "," + nginxPorts[1] + "," + nginxPorts[2] + "," + nginxPorts[3] + ","
                + nginxPorts[4]);
        args.add("pool-state");
        try (Nginx nginx = startNginx()) {
            // The JDK HttpServer closes connections idle for 1 s (checked every 100 ms): the jdk-idle scenario.
            run = Fork.run(List.of("-Dconnscope.events.requests=true", "-Dconnscope.console=summary",
                    "-Dsun.net.httpserver.idleInterval=1", "-Dsun.net.httpserver.clockTick=100"), jars, driver(),
                    args.toArray(new String[0]));
            nginx.stop();
            readAccessLog(nginx.dir().resolve("access.log"));
        }
        context = "\n" + run.describe() + "\n--- nginx access log (port connection requests status upstream):\n" + nginxLogText;
        for (String line : run.stdout.split("\n")) {
            if (line.startsWith("RESULT scenario=")) {
                Map<String, String> values = new HashMap<>();
                for (String kv : line.substring("RESULT ".length()).trim().split(" ")) {
                    String[] p = kv.split("=", 2);
                    values.put(p[0], p[1]);
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

    @Test
    void sequentialRequestsReuseOneConnection() throws IOException {
        int port = serverPort("sequential");
        assertEquals(1, truth("sequential", "connections"), "the server saw one connection" + context);
        assertEquals(5, truth("sequential", "requests"), context);
        for (String direction : List.of("outbound", "inbound")) {
            List<JsonNode> conns = connections(direction, port);
            assertEquals(1, conns.size(), direction + ": one connection record" + context);
            assertEquals(5, conns.get(0).path("requests").asInt(-1), direction + ": 5 requests on it" + context);
            assertEquals("closed", conns.get(0).path("state").asText(), direction + context);
            assertEquals(0, conns.get(0).path("tls_handshakes").asInt(-1), direction + context);
            List<JsonNode> requests = requestsOf(conns.get(0));
            assertEquals(5, requests.size(), direction + ": one request object per request" + context);
            for (int i = 0; i < 5; i++) {
                JsonNode r = requests.get(i);
                assertEquals(i + 1, r.path("index").asInt(), direction + context);
                assertEquals(i > 0, r.path("reused").asBoolean(), direction + ": request " + (i + 1) + context);
                assertEquals(200, r.path("status").asInt(), direction + context);
                assertEquals("HTTP/1.1", r.path("http_version").asText(), direction + context);
                if (direction.equals("outbound") && poolName() != null) {
                    assertEquals(poolName(), r.path("pool").asText(), "the pool that holds the connection" + context);
                }
            }
        }
    }

    @Test
    void concurrentRequestsBeyondThePoolLimitQueueOnItsConnections() throws IOException {
        int port = serverPort("concurrent");
        int connections = truth("concurrent", "connections");
        assertTrue(connections >= 1 && connections <= MAX_PER_ROUTE,
                "the pool opened at most " + MAX_PER_ROUTE + " connections: " + connections + context);
        assertEquals(6, truth("concurrent", "requests"), context);
        for (String direction : List.of("outbound", "inbound")) {
            List<JsonNode> conns = connections(direction, port);
            assertEquals(connections, conns.size(), direction + ": one record per connection the server accepted" + context);
            assertEquals(6, conns.stream().mapToInt(c -> c.path("requests").asInt(-100)).sum(),
                    direction + ": the 6 requests, over the connections" + context);
            List<JsonNode> requests = requestObjects(direction, port);
            assertEquals(6, requests.size(), direction + context);
            assertEquals(connections, requests.stream().filter(r -> !r.path("reused").asBoolean(true)).count(),
                    direction + ": one new-connection request per connection, the rest reused" + context);
            for (JsonNode c : conns) {
                List<JsonNode> onIt = requestsOf(c);
                assertEquals(c.path("requests").asInt(), onIt.size(), direction + context);
                for (int i = 0; i < onIt.size(); i++) {
                    assertEquals(i + 1, onIt.get(i).path("index").asInt(), direction + context);
                    assertEquals(i > 0, onIt.get(i).path("reused").asBoolean(), direction + context);
                }
            }
        }
    }

    @Test
    void aResponseWithConnectionCloseEndsTheConnectionAndTheNextRequestOpensANewOne() throws IOException {
        int port = serverPort("server-close");
        assertEquals(2, truth("server-close", "connections"), context);
        assertEquals(3, truth("server-close", "requests"), context);
        for (String direction : List.of("outbound", "inbound")) {
            List<JsonNode> conns = connections(direction, port);
            assertEquals(2, conns.size(), direction + context);
            JsonNode first = conns.get(0);
            JsonNode second = conns.get(1);
            assertEquals(2, first.path("requests").asInt(-1), direction + ": 2 requests, the 2nd answered with close" + context);
            // A reset after a complete exchange keeps the HTTP reason (HttpConnectionTracker.onClose).
            String initiator = first.path("close_initiator").asText();
            boolean reset = initiator.endsWith("_reset");
            if (reset) {
                assertTrue(resetsConnectionsItDiscards() && (direction.equals("outbound")
                        ? initiator.equals("local_reset") : initiator.equals("remote_reset")),
                        direction + ": only a client that closes abortively resets the connection" + context);
            }
            assertEquals("connection_close_by_server", first.path("close_reason").asText(), direction + context);
            List<JsonNode> requests = requestsOf(first);
            assertEquals(2, requests.size(), direction + context);
            assertEquals("close", requests.get(1).path("response_connection").asText(), direction + context);
            assertTrue(requests.get(0).path("response_connection").isNull(), direction + context);
            assertEquals(1, second.path("requests").asInt(-1), direction + ": the 3rd request on a new connection" + context);
            List<JsonNode> onSecond = requestsOf(second);
            assertEquals(1, onSecond.size(), direction + context);
            assertFalse(onSecond.get(0).path("reused").asBoolean(true), direction + context);
        }
        String serverSide = connections("inbound", port).get(0).path("close_initiator").asText();
        // The server closes right after its response; the client's close may cross it (FIN or, abortive, RST).
        assertTrue(serverSide.equals("local") || serverSide.equals("remote")
                || resetsConnectionsItDiscards() && serverSide.equals("remote_reset"),
                "the server closed right after its Connection: close response: " + serverSide + context);
    }

    @Test
    void aConnectionTheServerClosedIdleIsStaleAndTheNextRequestOpensANewOne() throws IOException {
        int port = serverPort("idle-close");
        assertEquals(2, truth("idle-close", "connections"), context);
        assertEquals(2, truth("idle-close", "requests"), "the server answered one request per connection" + context);
        List<JsonNode> outbound = connections("outbound", port);
        List<JsonNode> inbound = connections("inbound", port);
        assertEquals(2, outbound.size(), context);
        assertEquals(2, inbound.size(), context);

        // The server's side: it closed the idle connection without saying so in HTTP.
        assertEquals(1, inbound.get(0).path("requests").asInt(-1), context);
        assertEquals("application_close", inbound.get(0).path("close_reason").asText(), context);
        assertEquals("local", inbound.get(0).path("close_initiator").asText(), context);
        assertEquals(1, inbound.get(1).path("requests").asInt(-1), context);

        // The client's side: the server closed it first, while idle: stale. A pool that does not check an idle
        // connection before reusing it writes one more request onto it, which gets no response, and retries.
        JsonNode stale = outbound.get(0);
        assertEquals("remote", stale.path("close_initiator").asText(), context);
        assertEquals(1 + staleReuses(), stale.path("requests").asInt(-1), context);
        List<JsonNode> requests = requestsOf(stale);
        assertEquals(1 + staleReuses(), requests.size(), context);
        assertEquals(200, requests.get(0).path("status").asInt(), context);
        for (JsonNode lost : requests.subList(1, requests.size())) {
            assertTrue(lost.path("status").isNull(), "a request written after the server closed: no response" + context);
        }
        assertEquals("stale", stale.path("close_reason").asText(),
                "the server closed the connection while it was idle in the pool" + context);
        assertEquals(1, outbound.get(1).path("requests").asInt(-1), context);
        assertFalse(requestsOf(outbound.get(1)).get(0).path("reused").asBoolean(true), context);
    }

    @Test
    void httpsRequestsAreCountedInsideTheJdksSslSocket() throws IOException {
        if (!https()) {
            assertFalse(results.containsKey("https"), context);
            return;
        }
        int port = serverPort("https");
        assertEquals(1, truth("https", "connections"), context);
        assertEquals(3, truth("https", "requests"), context);
        for (String direction : List.of("outbound", "inbound")) {
            List<JsonNode> conns = connections(direction, port);
            assertEquals(1, conns.size(), direction + context);
            assertEquals(3, conns.get(0).path("requests").asInt(-1), direction + ": requests inside TLS" + context);
            assertEquals(1, conns.get(0).path("tls_handshakes").asInt(-1), direction + context);
            List<JsonNode> requests = requestsOf(conns.get(0));
            assertEquals(3, requests.size(), direction + context);
            for (int i = 0; i < 3; i++) {
                assertEquals(i + 1, requests.get(i).path("index").asInt(), direction + context);
                assertEquals(i > 0, requests.get(i).path("reused").asBoolean(), direction + context);
                assertEquals(200, requests.get(i).path("status").asInt(), direction + context);
            }
        }
    }

    // ---- against the JDK's HttpServer (in the driver's JVM: its side is traced too)

    @Test
    void againstTheJdkServerSequentialRequestsReuseOneConnection() throws IOException {
        int port = serverPort("jdk-keepalive");
        assertEquals(1, truth("jdk-keepalive", "connections"), "the server's handler saw one client port" + context);
        assertEquals(5, truth("jdk-keepalive", "requests"), context);
        int clientPort = Integer.parseInt(truthText("jdk-keepalive", "client_ports").split(",")[0]);
        for (String direction : List.of("outbound", "inbound")) {
            List<JsonNode> conns = connections(direction, port);
            assertEquals(1, conns.size(), direction + context);
            assertEquals(clientPort, conns.get(0).path(direction.equals("outbound") ? "local_port" : "remote_port").asInt(),
                    direction + ": the connection the server saw" + context);
            assertEquals(5, conns.get(0).path("requests").asInt(-1), direction + context);
            assertReuse(requestsOf(conns.get(0)), 5, direction);
        }
        assertPool(port, 5);
    }

    @Test
    void againstTheJdkServerConnectionCloseGivesOneRequestPerConnection() throws IOException {
        int port = serverPort("jdk-close");
        assertEquals(3, truth("jdk-close", "connections"), context);
        assertEquals(3, truth("jdk-close", "requests"), context);
        for (String direction : List.of("outbound", "inbound")) {
            List<JsonNode> conns = connections(direction, port);
            assertEquals(3, conns.size(), direction + context);
            for (JsonNode c : conns) {
                assertEquals(1, c.path("requests").asInt(-1), direction + context);
                assertEquals("connection_close_by_server", c.path("close_reason").asText(), direction + context);
                assertEquals("close", requestsOf(c).get(0).path("response_connection").asText(), direction + context);
            }
        }
    }

    @Test
    void againstTheJdkServerAConnectionItClosedIdleIsStale() throws IOException {
        int port = serverPort("jdk-idle");
        assertEquals(2, truth("jdk-idle", "connections"), context);
        assertEquals(2, truth("jdk-idle", "requests"), context);
        List<JsonNode> outbound = connections("outbound", port);
        List<JsonNode> inbound = connections("inbound", port);
        assertEquals(2, outbound.size(), context);
        assertEquals(2, inbound.size(), context);
        assertEquals("application_close", inbound.get(0).path("close_reason").asText(),
                "the server closed its idle connection without saying so in HTTP" + context);
        assertEquals("local", inbound.get(0).path("close_initiator").asText(), context);
        assertStale(outbound);
    }

    // ---- against nginx (ground truth: its access log, $connection and $connection_requests)

    @Test
    void againstNginxAKeepAliveTimeoutShorterThanThePoolsLeavesAStaleConnection() throws IOException {
        int port = nginxPorts[0];
        serverPort("nginx-idle");
        assertEquals(List.of(1, 1), nginxConnections(port), "nginx: 2 connections, 1 request each" + context);
        assertStale(connections("outbound", port));
    }

    @Test
    void againstNginxConnectionCloseGivesOneRequestPerConnection() throws IOException {
        int port = nginxPorts[1];
        serverPort("nginx-close");
        assertEquals(List.of(1, 1, 1), nginxConnections(port), context);
        List<JsonNode> conns = connections("outbound", port);
        assertEquals(3, conns.size(), context);
        for (JsonNode c : conns) {
            assertEquals(1, c.path("requests").asInt(-1), context);
            assertEquals("connection_close_by_server", c.path("close_reason").asText(), context);
            assertEquals("close", requestsOf(c).get(0).path("response_connection").asText(), context);
        }
        assertPool(port, 3);
    }

    @Test
    void againstNginxProxyingToAnHttp10UpstreamTheClientKeepsItsConnection() throws IOException {
        int port = nginxPorts[2];
        serverPort("nginx-http10-upstream");
        assertEquals(List.of(5), nginxConnections(port), "nginx: one client connection, 5 requests" + context);
        List<JsonNode> conns = connections("outbound", port);
        assertEquals(1, conns.size(), context);
        assertEquals(5, conns.get(0).path("requests").asInt(-1), context);
        assertReuse(requestsOf(conns.get(0)), 5, "outbound");
        // The upstream, a JDK HttpServer in the client's JVM: nginx's HTTP/1.0, one request per connection.
        int upstream = serverPort("nginx-http10-upstream-server");
        assertEquals(nginxPorts[4], upstream, context);
        assertEquals(5, truth("nginx-http10-upstream-server", "requests"), context);
        assertEquals(5, truth("nginx-http10-upstream-server", "connections"), context);
        assertEquals("HTTP/1.0,HTTP/1.0,HTTP/1.0,HTTP/1.0,HTTP/1.0", truthText("nginx-http10-upstream-server", "versions"),
                context);
        List<JsonNode> inbound = connections("inbound", upstream);
        assertEquals(5, inbound.size(), context);
        for (JsonNode c : inbound) {
            assertEquals(1, c.path("requests").asInt(-1), context);
            assertEquals("http_1_0", c.path("close_reason").asText(), context);
            assertEquals("HTTP/1.0", requestsOf(c).get(0).path("http_version").asText(), context);
        }
    }

    @Test
    void againstNginxKeepAliveRequestsCapsEachConnection() throws IOException {
        int port = nginxPorts[3];
        serverPort("nginx-keepalive-requests");
        assertEquals(List.of(3, 3, 1), nginxConnections(port), "nginx: keepalive_requests 3, 7 requests" + context);
        List<JsonNode> conns = connections("outbound", port);
        assertEquals(3, conns.size(), context);
        int[] expected = {3, 3, 1};
        for (int i = 0; i < 3; i++) {
            JsonNode c = conns.get(i);
            assertEquals(expected[i], c.path("requests").asInt(-1), "requests on connection " + (i + 1) + context);
            List<JsonNode> requests = requestsOf(c);
            assertReuse(requests, expected[i], "outbound");
            if (i < 2) {
                // nginx says Connection: close on the 3rd response: the limit, as HTTP tells it.
                assertEquals("connection_close_by_server", c.path("close_reason").asText(), context);
                assertEquals("close", requests.get(2).path("response_connection").asText(), context);
                assertTrue(requests.get(1).path("response_connection").isNull()
                        || "keep-alive".equals(requests.get(1).path("response_connection").asText()), context);
            }
        }
        assertPool(port, 7);
    }

    // ---- the pool's own view

    @Test
    void atExitThePoolHoldsOneConnectionIdleAndOneInUse() throws IOException {
        int port = serverPort("pool-state");
        assertEquals(2, truth("pool-state", "connections"), context);
        assertEquals(3, truth("pool-state", "requests"), context);
        List<JsonNode> conns = connections("outbound", port);
        assertEquals(2, conns.size(), context);
        for (JsonNode c : conns) {
            assertEquals("open", c.path("state").asText(), "written at exit, still open" + context);
        }
        assertEquals(3, conns.stream().mapToInt(c -> c.path("requests").asInt()).sum(), context);
        assertTrue(run.stderr.contains("pool " + poolName() + " -> 127.0.0.1:" + port + ": idle=1 active=1"),
                "the exit summary shows the pool with one idle and one active connection" + context);
    }

    private void assertStale(List<JsonNode> outbound) throws IOException {
        assertEquals(2, outbound.size(), context);
        JsonNode stale = outbound.get(0);
        assertEquals("remote", stale.path("close_initiator").asText(), context);
        assertEquals("stale", stale.path("close_reason").asText(), "the server closed it while idle in the pool" + context);
        assertEquals(1 + staleReuses(), stale.path("requests").asInt(-1), context);
        assertEquals(1, outbound.get(1).path("requests").asInt(-1), context);
        assertFalse(requestsOf(outbound.get(1)).get(0).path("reused").asBoolean(true), context);
    }

    private void assertReuse(List<JsonNode> requests, int n, String direction) {
        assertEquals(n, requests.size(), direction + context);
        for (int i = 0; i < n; i++) {
            assertEquals(i + 1, requests.get(i).path("index").asInt(), direction + context);
            assertEquals(i > 0, requests.get(i).path("reused").asBoolean(), direction + ": request " + (i + 1) + context);
            assertEquals(200, requests.get(i).path("status").asInt(), direction + context);
        }
    }

    /** Every outbound request object to the port names the library's pool. */
    private void assertPool(int port, int requests) throws IOException {
        List<JsonNode> objects = requestObjects("outbound", port);
        assertEquals(requests, objects.size(), context);
        for (JsonNode r : objects) {
            assertEquals(poolName(), r.path("pool").asText(null), "the pool that holds the connection" + context);
        }
    }

    /** The requests nginx served on each of its connections on {@code port}, in the order it numbered them. */
    private List<Integer> nginxConnections(int port) {
        return new ArrayList<>(nginxLog.getOrDefault(port, Map.of()).values());
    }

    // ---- helpers

    private int truth(String scenario, String key) {
        return Integer.parseInt(truthText(scenario, key));
    }

    private String truthText(String scenario, String key) {
        Map<String, String> values = results.get(scenario);
        if (values == null || !values.containsKey(key)) {
            fail("no RESULT " + key + " for scenario " + scenario + context);
        }
        return values.get(key);
    }

    /** nginx serving directly ({@code return 200}), and as a proxy that speaks HTTP/1.0 to its upstream. */
    private Nginx startNginx() throws Exception {
        java.nio.file.Path dir = Nginx.newDirectory("connscope-clients-nginx-");
        String hello = "    location / { return 200 'Hello there!'; } }";
        return Nginx.start(dir, String.join("\n",
                "  log_format conns '$server_port $connection $connection_requests $status $upstream_addr';",
                "  access_log " + dir + "/access.log conns;",
                "  server { listen 127.0.0.1:" + nginxPorts[0] + "; keepalive_timeout 1s;", hello,
                "  server { listen 127.0.0.1:" + nginxPorts[1] + "; keepalive_timeout 0;", hello,
                "  server { listen 127.0.0.1:" + nginxPorts[2] + ";",
                "    location / { proxy_pass http://127.0.0.1:" + nginxPorts[4] + "; } }",
                "  server { listen 127.0.0.1:" + nginxPorts[3] + "; keepalive_requests 3;", hello),
                nginxPorts[0], nginxPorts[1], nginxPorts[2], nginxPorts[3]);
    }

    private void readAccessLog(java.nio.file.Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        nginxLogText = String.join("\n", lines);
        for (String line : lines) {
            String[] f = line.split(" ");
            nginxLog.computeIfAbsent(Integer.parseInt(f[0]), k -> new java.util.TreeMap<>())
                    .merge(Long.parseLong(f[1]), Integer.parseInt(f[2]), Math::max);
        }
    }

    private int serverPort(String scenario) {
        int port = truth(scenario, "server_port");
        assertNotEquals(0, port, context);
        return port;
    }

    /** Connection records of one direction on a server port, in the order they were opened (by id). */
    private List<JsonNode> connections(String direction, int serverPort) throws IOException {
        String portField = direction.equals("outbound") ? "remote_port" : "local_port";
        return run.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && direction.equals(r.path("direction").asText())
                        && r.path(portField).asInt() == serverPort)
                .sorted(Comparator.comparingLong(r -> r.path("id").asLong()))
                .collect(Collectors.toList());
    }

    private List<JsonNode> requestObjects(String direction, int serverPort) throws IOException {
        return run.records().stream()
                .filter(r -> "request".equals(r.path("type").asText()) && direction.equals(r.path("direction").asText())
                        && r.path("server_port").asInt() == serverPort)
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
