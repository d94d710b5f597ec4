package io.connscope.it.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks.Problems;
import io.connscope.it.Fork;
import io.connscope.it.ProcNetTcp;
import io.connscope.it.Truth;
import io.connscope.it.driver.HttpScenarios;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.connscope.it.http.HttpChecks.connectionsOf;
import static io.connscope.it.http.HttpChecks.expectConnection;
import static io.connscope.it.http.HttpChecks.expectServerTimeWait;
import static io.connscope.it.http.HttpChecks.perPort;
import static io.connscope.it.http.HttpChecks.requestObjects;
import static io.connscope.it.http.HttpChecks.show;
import static io.connscope.it.http.HttpChecks.text;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * HTTP/1.x tracking with JDK clients and the JDK HttpServer in one forked JVM (agent attached, request objects on):
 * both ends of every connection are recorded, and each scenario is checked on both (matched by ports) against the
 * driver's ground truth (the client ports the server's handler saw, one per request) and the kernel's TIME_WAIT.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpScenariosIT {

    static final List<String> REQUEST_EVENTS = List.of("-Dconnscope.events.requests=true");

    Fork.Result main;
    Fork.Result idle;

    @BeforeAll
    void runDrivers() throws Exception {
        main = Fork.run(REQUEST_EVENTS, HttpScenarios.class.getName(), "all");
        List<String> idleArgs = new ArrayList<>(REQUEST_EVENTS);
        idleArgs.add("-Dsun.net.httpserver.idleInterval=1");
        idleArgs.add("-Dsun.net.httpserver.clockTick=100");
        idle = Fork.run(idleArgs, HttpScenarios.class.getName(), "idle-httpclient");
    }

    static Truth scenario(Fork.Result r, String name) {
        List<Truth> found = new ArrayList<>();
        for (Truth t : Truth.parse(r.stdout)) {
            if (t.type.equals("SCENARIO") && name.equals(t.name())) {
                found.add(t);
            }
        }
        if (found.size() != 1) {
            fail("expected one SCENARIO line for " + name + " from the driver, found " + found + "\n" + r.describe());
        }
        return found.get(0);
    }

    /**
     * The per-connection check for a scenario: as many connections on each side as client ports the server saw,
     * each carrying exactly the requests the server saw on it, on both sides. Returns the record pairs.
     */
    private List<JsonNode[]> assertConnections(Fork.Result r, Truth t, String version, Integer expectedConnections,
                                               String title, Extra extra) throws Exception {
        int server = t.port("server_port");
        Map<Integer, Integer> perPort = perPort(t.get("client_ports"));
        List<JsonNode> shown = new ArrayList<>();
        Problems p = new Problems();
        p.expect(t.get("requests"), t.get("client_ports").split(",").length,
                "driver: requests made vs requests the server's handler saw");
        if (expectedConnections != null) {
            p.expect(expectedConnections, perPort.size(), "driver: connections the server saw (JDK behaviour)");
        }
        List<JsonNode> all = connectionsOf(r, server);
        p.expect(2 * perPort.size(), all.size(), "connection records (outbound + inbound) for server port " + server
                + " (one pair per client port the server saw: " + perPort + ")");
        List<JsonNode[]> pairs = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : perPort.entrySet()) {
            JsonNode[] pair = expectConnection(p, r, e.getKey(), server, e.getValue(), version, 200, shown);
            if (pair != null) {
                pairs.add(pair);
            }
        }
        if (extra != null) {
            extra.check(p, pairs, shown);
        }
        p.failIfAny(title, "--- ground truth: " + t + "\n--- records:" + show(shown)
                + "\n--- all connection records for port " + server + ":" + show(all) + "\n" + r.describe());
        return pairs;
    }

    interface Extra {
        void check(Problems p, List<JsonNode[]> pairs, List<JsonNode> shown) throws Exception;
    }

    @Test
    void sequentialKeepAliveHttpUrlConnection() throws Exception {
        Truth t = scenario(main, "keepalive-urlconn");
        assertConnections(main, t, "HTTP/1.1", 1, "5 sequential GETs with HttpURLConnection: one connection, 5 requests", null);
    }

    @Test
    void sequentialKeepAliveHttpClient() throws Exception {
        Truth t = scenario(main, "keepalive-httpclient");
        assertConnections(main, t, "HTTP/1.1", 1, "5 sequential GETs with java.net.http.HttpClient: one connection, 5 requests", null);
    }

    /** Both ends close after each exchange, in either order; the reason is the client's "close" on both sides. */
    @Test
    void connectionCloseHttpUrlConnection() throws Exception {
        Truth t = scenario(main, "close-urlconn");
        assertConnections(main, t, "HTTP/1.1", HttpScenarios.N_CLOSE,
                "HttpURLConnection with Connection: close on every request", (p, pairs, shown) -> {
                    p.expect("true", t.get("all_closed"), "driver: every connection closed on both sides (kernel)");
                    for (JsonNode[] pair : pairs) {
                        String tuple = text(pair[0], "local_port") + "->" + text(pair[1], "local_port");
                        for (JsonNode c : pair) {
                            p.expect("closed", text(c, "state"), text(c, "direction") + " " + tuple + " state");
                            p.expect("connection_close_by_client", text(c, "close_reason"),
                                    text(c, "direction") + " " + tuple + " close_reason");
                        }
                        // Both ends close right after the exchange: either may be first, or both at once (a
                        // simultaneous close, where both hold TIME_WAIT). The kernel says which. A side that holds
                        // TIME_WAIT must be "local"; a side the agent calls "remote" must not hold it. (A side whose
                        // peer's FIN lands between the agent's look and the close itself is reported "local"
                        // although its peer went first: the FINs crossed within microseconds.)
                        int clientPort = pair[0].path("local_port").asInt();
                        int serverPort = pair[1].path("local_port").asInt();
                        List<ProcNetTcp.Row> rows = ProcNetTcp.timeWait("127.0.0.1", clientPort, serverPort);
                        boolean clientHolds = false;
                        boolean serverHolds = false;
                        for (ProcNetTcp.Row row : rows) {
                            clientHolds |= ProcNetTcp.localIs(row, "127.0.0.1", clientPort);
                            serverHolds |= ProcNetTcp.localIs(row, "127.0.0.1", serverPort);
                        }
                        p.check(clientHolds || serverHolds, tuple + ": kernel shows no TIME_WAIT row: " + rows);
                        String out = text(pair[0], "close_initiator");
                        String in = text(pair[1], "close_initiator");
                        String kernel = " (kernel TIME_WAIT rows: " + rows + ")";
                        p.check(java.util.Set.of("local", "remote").contains(out) && java.util.Set.of("local", "remote").contains(in),
                                tuple + ": initiators must be local or remote, were " + out + "/" + in);
                        p.check(!clientHolds || "local".equals(out), "outbound " + tuple + " holds TIME_WAIT but says " + out + kernel);
                        p.check(!serverHolds || "local".equals(in), "inbound " + tuple + " holds TIME_WAIT but says " + in + kernel);
                        p.check(!"remote".equals(out) || !clientHolds, "outbound " + tuple + " says remote but holds TIME_WAIT" + kernel);
                        p.check(!"remote".equals(in) || !serverHolds, "inbound " + tuple + " says remote but holds TIME_WAIT" + kernel);
                    }
                });
    }

    /** A raw client that sends Connection: close and reads to end-of-stream: the server closes first. */
    @Test
    void connectionCloseRawClient() throws Exception {
        Truth t = scenario(main, "close-raw");
        assertConnections(main, t, "HTTP/1.1", HttpScenarios.N_CLOSE,
                "raw socket client with Connection: close, read to EOF", (p, pairs, shown) -> {
                    p.expect(t.get("raw_ports"), t.get("client_ports"), "driver: client ports vs what the server saw");
                    expectServerClosed(p, pairs, "connection_close_by_client", t.port("server_port"));
                });
    }

    /** HTTP/1.0 without keep-alive: the server closes after the response. */
    @Test
    void http10WithoutKeepAlive() throws Exception {
        Truth t = scenario(main, "http10-raw");
        assertConnections(main, t, "HTTP/1.0", 1, "raw HTTP/1.0 GET without keep-alive, read to EOF",
                (p, pairs, shown) -> {
                    p.expect(t.get("raw_ports"), t.get("client_ports"), "driver: client port vs what the server saw");
                    expectServerClosed(p, pairs, "http_1_0", t.port("server_port"));
                });
    }

    private static void expectServerClosed(Problems p, List<JsonNode[]> pairs, String reason, int server)
            throws Exception {
        for (JsonNode[] pair : pairs) {
            int client = Integer.parseInt(text(pair[0], "local_port"));
            String tuple = client + "->" + server;
            p.expect("remote", text(pair[0], "close_initiator"), "outbound " + tuple + " close_initiator");
            p.expect("local", text(pair[1], "close_initiator"), "inbound " + tuple + " close_initiator");
            for (JsonNode c : pair) {
                p.expect("closed", text(c, "state"), text(c, "direction") + " " + tuple + " state");
                p.expect(reason, text(c, "close_reason"), text(c, "direction") + " " + tuple + " close_reason");
            }
            expectServerTimeWait(p, client, server);
        }
    }

    /** 4 requests at once, then 4 in a row: as many connections as the JDK opened, 8 requests on each side. */
    @Test
    void concurrencyAbovePoolSize() throws Exception {
        Truth t = scenario(main, "concurrency-httpclient");
        int server = t.port("server_port");
        int connections = perPort(t.get("client_ports")).size();
        assertConnections(main, t, "HTTP/1.1", null, "HttpClient: 4 concurrent + 4 sequential requests",
                (p, pairs, shown) -> {
                    p.expect("true", t.get("first_four_concurrent_on_server"), "driver: the first 4 requests were in the server at once");
                    p.expect(8, t.get("requests"), "driver: requests made");
                    for (String dir : List.of("outbound", "inbound")) {
                        int total = 0;
                        for (JsonNode[] pair : pairs) {
                            total += pair[dir.equals("outbound") ? 0 : 1].path("requests").asInt(-1000);
                        }
                        p.expect(8, total, dir + ": sum of requests over the connections");
                        List<JsonNode> reqs = requestObjects(main, server, dir);
                        p.expect(8, reqs.size(), dir + ": request objects");
                        long fresh = reqs.stream().filter(q -> "false".equals(text(q, "reused"))).count();
                        p.expect(connections, fresh, dir + ": request objects with reused=false (= connections the JDK opened)");
                    }
                });
    }

    /**
     * The server's idle timeout (1 s) is shorter than the client's: the server closes the idle connection, the
     * client's pool sees it (stale), and the next request opens a new connection.
     */
    @Test
    void serverIdleTimeoutShorterThanClients() throws Exception {
        Truth t = scenario(idle, "idle-httpclient");
        int server = t.port("server_port");
        List<Integer> ports = new ArrayList<>(perPort(t.get("client_ports")).keySet());
        assertConnections(idle, t, "HTTP/1.1", 2, "server idle timeout 1 s, request, idle, request",
                (p, pairs, shown) -> {
                    p.expect("1", t.get("idle_interval_s"), "driver: sun.net.httpserver.idleInterval");
                    p.expect("true", t.get("server_closed_first"), "driver: the kernel showed the server's FIN within 5 s");
                    p.expect("true", t.get("client_closed_after"), "driver: the client closed its side after the server");
                    p.expect("true", t.get("second_closed_after"), "driver: the second connection also idled out");
                    for (JsonNode[] pair : pairs) {
                        int client = Integer.parseInt(text(pair[0], "local_port"));
                        String tuple = client + "->" + server;
                        p.expect("remote", text(pair[0], "close_initiator"), "outbound " + tuple + " close_initiator");
                        p.expect("stale", text(pair[0], "close_reason"), "outbound " + tuple + " close_reason");
                        p.expect("local", text(pair[1], "close_initiator"), "inbound " + tuple + " close_initiator");
                        p.expect("application_close", text(pair[1], "close_reason"), "inbound " + tuple + " close_reason");
                        expectServerTimeWait(p, client, server);
                    }
                    p.check(ports.size() == 2 && !ports.get(0).equals(ports.get(1)),
                            "the second request must use a new connection; client ports seen: " + ports);
                });
    }

    /** For every scenario server, each client-side record counts exactly the requests of its server-side twin. */
    @Test
    void serverCountsWhatClientCounts() throws Exception {
        Problems p = new Problems();
        List<JsonNode> shown = new ArrayList<>();
        int scenarios = 0;
        for (Fork.Result r : List.of(main, idle)) {
            for (Truth t : Truth.parse(r.stdout)) {
                if (!t.type.equals("SCENARIO")) {
                    continue;
                }
                scenarios++;
                int server = t.port("server_port");
                for (JsonNode out : HttpChecks.connections(r, "outbound", null, server)) {
                    int client = out.path("local_port").asInt();
                    List<JsonNode> ins = HttpChecks.connections(r, "inbound", server, client);
                    shown.add(out);
                    shown.addAll(ins);
                    p.expect(1, ins.size(), t.name() + ": inbound records for " + client + "->" + server);
                    for (JsonNode in : ins) {
                        p.expect(text(out, "requests"), text(in, "requests"),
                                t.name() + ": inbound requests vs outbound requests for " + client + "->" + server);
                    }
                }
            }
        }
        p.expect(HttpScenarios.ALL.size() + 1, scenarios, "scenarios the drivers reported");
        p.failIfAny("server and client count the same requests per connection", "--- records:" + show(shown)
                + "\n--- main driver:\n" + main.describe() + "\n--- idle driver:\n" + idle.describe());
    }
}
