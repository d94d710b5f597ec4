package io.connscope.demo;

import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.connscope.demo.ScenarioReport.reusedRequests;
import static io.connscope.demo.ScenarioReport.sumRequests;
import static io.connscope.demo.ScenarioReport.tally;

/**
 * The seed experiments as scenarios. Each runs a {@link HelloServer} and a client on 127.0.0.1, then holds what
 * connscope reported (outbound: the client's side, inbound: the server's side, both in this JVM) against what it
 * did, what the server counted and, where it matters, what the kernel shows in {@code /proc/net/tcp}.
 */
final class Scenarios {

    /** A scenario body. */
    interface Body {
        void run(Scenarios s, ScenarioReport report) throws Exception;
    }

    /** Every scenario by name, in the order "all" runs them. */
    static final Map<String, Body> ALL = new LinkedHashMap<>();

    static {
        ALL.put("keepalive", Scenarios::keepalive);
        ALL.put("connection-close", Scenarios::connectionClose);
        ALL.put("slow-response", Scenarios::slowResponse);
        ALL.put("h2-slow-response", Scenarios::h2SlowResponse);
        ALL.put("http10", Scenarios::http10);
        ALL.put("pool-overflow", Scenarios::poolOverflow);
        ALL.put("concurrent", Scenarios::concurrent);
        ALL.put("idle-timeout", Scenarios::idleTimeout);
    }

    /** How long connscope gets to report the connections a scenario expects. */
    private static final long REPORT_WAIT_MILLIS = 5000;

    private final ConnscopeView view;
    private final int slowSeconds;
    /**
     * Each scenario's server, kept for the whole run: with --loop the peer (127.0.0.1 and the server's port) stays
     * the same from one iteration to the next, as a real service's peers do, so that rates per peer mean something.
     */
    private final Map<String, HelloServer> servers = new HashMap<>();
    /** The client ports of the connections the running scenario opened: its own connections, and only those. */
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    private PrintStream out;

    Scenarios(ConnscopeView view, int slowSeconds) {
        this.view = view;
        this.slowSeconds = slowSeconds;
    }

    /** Runs one scenario, printing to {@code out}, and returns its report (the caller prints its result line). */
    ScenarioReport run(String name, PrintStream out) throws Exception {
        this.out = out;
        ScenarioReport report = new ScenarioReport(name, out, view.attached());
        view.clear();
        clientPorts.clear();
        ALL.get(name).run(this, report);
        return report;
    }

    /** Closes every scenario's server. */
    void closeServers() {
        servers.values().forEach(HelloServer::close);
        servers.clear();
    }

    /** The scenario's server (started on first use), with its counts reset. */
    private HelloServer server(String scenario, long responseDelayMillis, int idleTimeoutMillis) throws IOException {
        HelloServer server = servers.get(scenario);
        if (server == null) {
            server = new HelloServer(0, responseDelayMillis, idleTimeoutMillis);
            servers.put(scenario, server);
        }
        server.resetCounts();
        return server;
    }

    /** Opens a client connection and remembers its port as one of this scenario's. */
    private HttpConnection open(int port, HttpConnection.SocketSetup setup) throws IOException {
        HttpConnection c = HttpConnection.open(port, setup);
        clientPorts.add(c.localPort());
        return c;
    }

    private HttpConnection open(int port) throws IOException {
        return open(port, null);
    }

    /** Waits until the server saw every connection end, then for connscope's reports of both sides. */
    private List<List<SeenConnection>> observe(HelloServer server, int outbound, int inbound) throws Exception {
        server.awaitAllClosed(REPORT_WAIT_MILLIS);
        int port = server.port();
        List<SeenConnection> out = view.await(c -> c.outbound() && c.serverPort() == port
                && clientPorts.contains(c.clientPort()), outbound, REPORT_WAIT_MILLIS);
        List<SeenConnection> in = view.await(c -> !c.outbound() && c.serverPort() == port
                && clientPorts.contains(c.clientPort()), inbound, REPORT_WAIT_MILLIS);
        return List.of(out, in);
    }

    private int timeWaitOnServer(HelloServer server) {
        return KernelTcp.timeWaitOnServer(server.port(), clientPorts);
    }

    private int timeWaitOnClient(HelloServer server) {
        return KernelTcp.timeWaitOnClient(server.port(), clientPorts);
    }

    private static void seen(ScenarioReport report, List<List<SeenConnection>> both) {
        List<SeenConnection> all = new ArrayList<>(both.get(0));
        all.addAll(both.get(1));
        report.seen(all);
    }

    private static String repeat(String tallyEntry, int n) {
        return n == 0 ? "(none)" : tallyEntry + "=" + n;
    }

    // keepalive: HTTP keep-alive is reuse: several requests on one TCP connection.
    private void keepalive(ScenarioReport report) throws Exception {
        int requests = 5;
        report.title("HTTP keep-alive: " + requests + " sequential requests over one kept-alive connection");
        HelloServer server = server(report.scenario(), 0, 0);
        try (HttpConnection c = open(server.port())) {
            for (int i = 0; i < requests; i++) {
                c.get("HTTP/1.1", null);
            }
        }
        report.did(requests + " x GET HTTP/1.1 on one connection to 127.0.0.1:" + server.port()
                + ", then the client closed it");
        List<List<SeenConnection>> seen = observe(server, 1, 1);
        report.server(server);
        seen(report, seen);
        List<SeenConnection> out = seen.get(0);
        List<SeenConnection> in = seen.get(1);
        report.expectAlways("server: connections accepted", 1, server.connections.get());
        report.expectAlways("server: requests served", requests, server.requests.get());
        report.expect("outbound connections", 1, out.size());
        report.expect("outbound requests (sum)", requests, sumRequests(out));
        report.expect("outbound requests on a reused connection", requests - 1, reusedRequests(out));
        report.expect("outbound closed_by", "local=1", tally(out, SeenConnection::closeInitiator));
        report.expect("outbound close_reason", "application_close=1", tally(out, SeenConnection::closeReason));
        report.expect("inbound connections (server's count)", server.connections.get(), in.size());
        report.expect("inbound requests (server's count)", server.requests.get(), sumRequests(in));
        report.expect("inbound closed_by", "remote=1", tally(in, SeenConnection::closeInitiator));
        report.expect("inbound close_reason", "peer_closed_idle=1", tally(in, SeenConnection::closeReason));
    }

    // connection-close: the header ends reuse (one request per connection) and leaves TCP keep-alive alone.
    private void connectionClose(ScenarioReport report) throws Exception {
        int connections = 3;
        report.title("Connection: close: one request per connection; TCP keep-alive settings unchanged by the header");
        HelloServer server = server(report.scenario(), 0, 0);
        for (int i = 0; i < connections; i++) {
            try (HttpConnection c = open(server.port(), Scenarios::keepAlive10s5s3)) {
                c.get("HTTP/1.1", "close");
                c.readToEnd();
            }
        }
        report.did(connections + " connections with SO_KEEPALIVE on, TCP_KEEPIDLE 10 s, TCP_KEEPINTERVAL 5 s, "
                + "TCP_KEEPCOUNT 3; one GET each with Connection: close; the server answered and closed");
        List<List<SeenConnection>> seen = observe(server, connections, connections);
        report.server(server);
        int serverTimeWait = timeWaitOnServer(server);
        int clientTimeWait = timeWaitOnClient(server);
        report.kernel("TIME_WAIT on the server's side: " + serverTimeWait + ", on the client's side: "
                + clientTimeWait);
        seen(report, seen);
        List<SeenConnection> out = seen.get(0);
        List<SeenConnection> in = seen.get(1);
        report.expectAlways("server: connections accepted", connections, server.connections.get());
        report.expectAlways("server: requests served", connections, server.requests.get());
        report.expect("outbound connections", connections, out.size());
        report.expect("outbound requests per connection", repeat("1", connections), tally(out, SeenConnection::requests));
        report.expect("outbound close_reason", repeat("connection_close_by_client", connections),
                tally(out, SeenConnection::closeReason));
        report.expect("outbound keepalive (as the client set it)",
                repeat("on idle=10s intvl=5s cnt=3 (app)", connections), tally(out, SeenConnection::keepaliveText));
        report.expect("outbound closed_by (server's FIN first)", repeat("remote", connections),
                tally(out, SeenConnection::closeInitiator));
        report.expect("inbound closed_by", repeat("local", connections), tally(in, SeenConnection::closeInitiator));
        if (KernelTcp.available()) {
            report.expect("inbound closed_by=local = kernel TIME_WAIT on server side",
                    serverTimeWait, count(in, "local"));
            report.expectAlways("kernel: TIME_WAIT on the client's side", 0, clientTimeWait);
        }
        report.note("the header controls reuse (one request per connection), not TCP keep-alive: the client's "
                + "sockets kept their own settings, the server's are the OS defaults");
    }

    private static int count(List<SeenConnection> connections, String initiator) {
        int n = 0;
        for (SeenConnection c : connections) {
            if (initiator.equals(c.closeInitiator())) {
                n++;
            }
        }
        return n;
    }

    private static void keepAlive10s5s3(Socket s) throws IOException {
        s.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        s.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 10);
        s.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 5);
        s.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
    }

    // slow-response: while a request waits, TCP keep-alive probes the idle connection, at the client's settings.
    private void slowResponse(ScenarioReport report) throws Exception {
        report.title("a response that takes " + slowSeconds + " s, on a client socket with SO_KEEPALIVE, "
                + "TCP_KEEPIDLE 1 s, TCP_KEEPINTERVAL 1 s");
        HelloServer server = server(report.scenario(), TimeUnit.SECONDS.toMillis(slowSeconds), 0);
        KeepaliveTimerWatch timer;
        long started = System.nanoTime();
        try (HttpConnection c = open(server.port(), s -> {
            s.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            s.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 1);
            s.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 1);
            s.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
        })) {
            int clientPort = c.localPort();
            // The kernel arms the keep-alive timer once the connection is idle: look while the request waits.
            timer = new KeepaliveTimerWatch("slow-response-kernel-sampler", () -> clientPort, server.port(),
                    TimeUnit.SECONDS.toMillis(slowSeconds));
            c.get("HTTP/1.1", null);
            timer.stop();
        }
        double waitedMillis = (System.nanoTime() - started) / 1e6;
        report.did("one GET; the server answered after " + slowSeconds + " s (waited " + Math.round(waitedMillis)
                + " ms); the client closed");
        List<List<SeenConnection>> seen = observe(server, 1, 1);
        report.server(server);
        if (KernelTcp.available()) {
            report.kernel("keep-alive timer armed on the client socket while the request waited: " + timer.armed()
                    + ", at most " + timer.longestMillis() + " ms from its expiry (probes every 1 s while idle; the "
                    + "server's socket has none)");
        }
        seen(report, seen);
        List<SeenConnection> out = seen.get(0);
        List<SeenConnection> in = seen.get(1);
        report.expectAlways("server: requests served", 1, server.requests.get());
        if (KernelTcp.available() && slowSeconds >= 2) {
            report.expectAlways("kernel: keep-alive timer on the waiting client socket", true, timer.armed());
        }
        report.expect("outbound connections", 1, out.size());
        if (KernelTcp.available() && slowSeconds >= 2 && out.size() == 1) {
            report.expect("kernel: the timer runs at the keep-alive idle and interval connscope reports", true,
                    timer.fits(out.get(0).keepaliveIdleSeconds(), out.get(0).keepaliveIntervalSeconds(), true));
        }
        report.expect("outbound keepalive (the client's settings)", "on idle=1s intvl=1s cnt=3 (app)=1",
                tally(out, SeenConnection::keepaliveText));
        report.expect("outbound lasted at least the response delay", true,
                out.size() == 1 && out.get(0).durationMillis() >= slowSeconds * 1000.0);
        report.expect("inbound keepalive (the server set none)", "off=1",
                tally(in, c -> c.keepaliveEnabled() ? "on" : "off"));
    }

    // h2-slow-response: the same wait over HTTP/2, where the client also sends PINGs: keep-alive twice over.
    private void h2SlowResponse(ScenarioReport report) throws Exception {
        report.title("the slow response over HTTP/2 (h2c): the client PINGs every 1 s while the server takes "
                + slowSeconds + " s, on a socket with SO_KEEPALIVE, TCP_KEEPIDLE 1 s, TCP_KEEPINTERVAL 1 s");
        AtomicInteger clientPort = new AtomicInteger();
        Http2Peers.ClientResult result;
        try (Http2Peers.Server server = new Http2Peers.Server(TimeUnit.SECONDS.toMillis(slowSeconds))) {
            int port = server.port();
            KeepaliveTimerWatch timer = new KeepaliveTimerWatch("h2-slow-response-kernel-sampler", clientPort::get,
                    port, TimeUnit.SECONDS.toMillis(slowSeconds));
            result = Http2Peers.get(port, 1000, s -> {
                s.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                s.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 1);
                s.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 1);
                s.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
            }, clientPort);
            clientPorts.add(clientPort.get());
            timer.stop();
            server.awaitClosed(REPORT_WAIT_MILLIS);
            report.did("one GET as HTTP/2 stream 1; the server answered after " + slowSeconds + " s; the client sent "
                    + result.pingsSent + " PINGs and got " + result.acksReceived + " ACKs, then GOAWAY and close");
            report.note("server: port=" + port + " " + server.counts());
            if (KernelTcp.available()) {
                report.kernel("keep-alive timer armed on the client socket while the request waited: "
                        + timer.armed() + ", at most " + timer.longestMillis() + " ms from its expiry");
            }
            List<SeenConnection> out = view.await(c -> c.outbound() && c.serverPort() == port
                    && clientPorts.contains(c.clientPort()), 1, REPORT_WAIT_MILLIS);
            List<SeenConnection> in = view.await(c -> !c.outbound() && c.serverPort() == port
                    && clientPorts.contains(c.clientPort()), 1, REPORT_WAIT_MILLIS);
            List<SeenConnection> all = new ArrayList<>(out);
            all.addAll(in);
            report.seen(all);
            report.expectAlways("client: response :status", 200, result.status);
            report.expectAlways("server: PINGs received = client's PINGs sent", result.pingsSent,
                    server.pingsReceived.get());
            if (KernelTcp.available() && slowSeconds >= 2) {
                report.expectAlways("kernel: keep-alive timer on the waiting client socket", true, timer.armed());
            }
            report.expect("outbound connections", 1, out.size());
            report.expect("inbound connections", 1, in.size());
            if (out.size() == 1 && in.size() == 1) {
                SeenConnection o = out.get(0);
                SeenConnection i = in.get(0);
                report.expect("outbound requests (HTTP/2 streams)", 1, o.requests());
                report.expect("outbound PINGs sent (the client's count)", result.pingsSent, o.http2Pings("client", "sent"));
                report.expect("outbound PINGs acknowledged (the client's count)", result.acksReceived,
                        o.http2Pings("client", "acked"));
                report.expect("inbound PINGs from the client (the server's count)", server.pingsReceived.get(),
                        i.http2Pings("client", "sent"));
                // An ACK read before its PING's write was reported (another thread, loopback) counts, untimed: on a
                // busy machine one or two ACKs can all lose that race, three in a row hardly.
                report.expect("outbound PING round trips measured (at most one per ACK, one of three at least)", true,
                        o.http2RoundTrips() >= (result.acksReceived >= 3 ? 1 : 0)
                                && o.http2RoundTrips() <= result.acksReceived);
                report.expect("outbound PINGs about 1 s apart", true, result.pingsSent < 2
                        || Math.abs(o.http2PingIntervalMillis("client") - 1000) < 250);
                report.expect("outbound keepalive (the client's TCP settings)", "on idle=1s intvl=1s cnt=3 (app)",
                        o.keepaliveText());
                if (KernelTcp.available() && slowSeconds >= 2) {
                    report.expect("kernel: the timer never outlasts the keep-alive idle and interval connscope "
                            + "reports", true, timer.fits(o.keepaliveIdleSeconds(), o.keepaliveIntervalSeconds(), false));
                }
                report.expect("outbound close_reason", "goaway_by_client_no_error", o.closeReason());
                report.expect("inbound close_reason", "goaway_by_client_no_error", i.closeReason());
            }
        }
    }

    // http10: HTTP/1.0 means one request per connection; the server closes first and holds TIME_WAIT.
    private void http10(ScenarioReport report) throws Exception {
        int connections = 3;
        report.title("HTTP/1.0: one request per connection; the server closes first and holds TIME_WAIT");
        HelloServer server = server(report.scenario(), 0, 0);
        for (int i = 0; i < connections; i++) {
            try (HttpConnection c = open(server.port())) {
                c.get("HTTP/1.0", null);
                c.readToEnd();
            }
        }
        report.did(connections + " x GET HTTP/1.0 (no Connection header), each on its own connection; the client "
                + "read to end-of-stream, then closed");
        List<List<SeenConnection>> seen = observe(server, connections, connections);
        report.server(server);
        int serverTimeWait = timeWaitOnServer(server);
        int clientTimeWait = timeWaitOnClient(server);
        report.kernel("TIME_WAIT on the server's side: " + serverTimeWait + ", on the client's side: "
                + clientTimeWait);
        seen(report, seen);
        List<SeenConnection> out = seen.get(0);
        List<SeenConnection> in = seen.get(1);
        report.expectAlways("server: connections closed after the response", connections,
                server.closedAfterResponse.get());
        report.expect("outbound connections", connections, out.size());
        report.expect("outbound close_reason", repeat("http_1_0", connections), tally(out, SeenConnection::closeReason));
        report.expect("outbound closed_by", repeat("remote", connections), tally(out, SeenConnection::closeInitiator));
        report.expect("inbound close_reason", repeat("http_1_0", connections), tally(in, SeenConnection::closeReason));
        report.expect("inbound closed_by (server holds TIME_WAIT)", repeat("local", connections),
                tally(in, SeenConnection::closeInitiator));
        if (KernelTcp.available()) {
            report.expectAlways("kernel: TIME_WAIT on the server's side", connections, serverTimeWait);
            report.expectAlways("kernel: TIME_WAIT on the client's side", 0, clientTimeWait);
        }
    }

    // pool-overflow: nginx's `keepalive 2` with `ab -c 5`: surplus connections are opened, then closed by the client.
    private void poolOverflow(ScenarioReport report) throws Exception {
        int callers = 5;
        int maxIdle = 2;
        int rounds = 2;
        report.title("a pool keeping at most " + maxIdle + " idle connections, " + callers
                + " concurrent callers, " + rounds + " rounds (keepalive " + maxIdle + " with ab -c " + callers + ")");
        HelloServer server = server(report.scenario(), 0, 0);
        IdlePool pool = new IdlePool(() -> open(server.port()), maxIdle, 60_000);
        for (int round = 0; round < rounds; round++) {
            CyclicBarrier allServed = new CyclicBarrier(callers);
            List<Thread> threads = new ArrayList<>();
            List<Throwable> errors = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                Thread t = new Thread(() -> {
                    try {
                        HttpConnection c = pool.borrow();
                        c.get("HTTP/1.1", null);
                        // Everyone holds a connection at once: that is what makes the surplus.
                        allServed.await(10, TimeUnit.SECONDS);
                        pool.release(c);
                    } catch (Exception e) {
                        synchronized (errors) {
                            errors.add(e);
                        }
                    }
                }, "pool-caller-" + i);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(20_000);
            }
            if (!errors.isEmpty()) {
                throw new IOException("a pool caller failed: " + errors.get(0), errors.get(0));
            }
        }
        int opened = pool.opened;
        int surplus = pool.closedSurplus;
        pool.close();
        int requests = callers * rounds;
        report.did(requests + " requests in " + rounds + " rounds of " + callers + " concurrent callers: the pool "
                + "opened " + opened + " connections, reused idle ones " + pool.reused + " times, closed " + surplus
                + " surplus ones at once and the last " + maxIdle + " idle ones at the end");
        List<List<SeenConnection>> seen = observe(server, opened, opened);
        report.server(server);
        int serverTimeWait = timeWaitOnServer(server);
        int clientTimeWait = timeWaitOnClient(server);
        report.kernel("TIME_WAIT on the server's side: " + serverTimeWait + ", on the client's side: "
                + clientTimeWait);
        seen(report, seen);
        List<SeenConnection> out = seen.get(0);
        List<SeenConnection> in = seen.get(1);
        int expectedOpened = callers + (callers - maxIdle) * (rounds - 1);
        report.expectAlways("pool: connections opened", expectedOpened, opened);
        report.expectAlways("pool: surplus connections closed", (callers - maxIdle) * rounds, surplus);
        report.expectAlways("server: connections accepted", opened, server.connections.get());
        report.expectAlways("server: requests served", requests, server.requests.get());
        report.expect("outbound connections", opened, out.size());
        report.expect("outbound requests (sum)", requests, sumRequests(out));
        report.expect("outbound requests on a reused connection", requests - opened, reusedRequests(out));
        report.expect("outbound closed_by (the client closes the surplus)", repeat("local", opened),
                tally(out, SeenConnection::closeInitiator));
        report.expect("inbound closed_by", repeat("remote", opened), tally(in, SeenConnection::closeInitiator));
        if (KernelTcp.available()) {
            report.expect("outbound closed_by=local = kernel TIME_WAIT on client side", clientTimeWait,
                    count(out, "local"));
            report.expectAlways("kernel: TIME_WAIT on the server's side", 0, serverTimeWait);
        }
    }

    // concurrent: parallel requests open several connections, and each is reused.
    private void concurrent(ScenarioReport report) throws Exception {
        int callers = 4;
        int requestsEach = 5;
        report.title(callers + " parallel callers, " + requestsEach + " requests each, each on its own kept-alive "
                + "connection (like a browser's parallel connections)");
        HelloServer server = server(report.scenario(), 0, 0);
        CyclicBarrier allOpen = new CyclicBarrier(callers);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            Thread t = new Thread(() -> {
                try (HttpConnection c = open(server.port())) {
                    allOpen.await(10, TimeUnit.SECONDS);
                    for (int r = 0; r < requestsEach; r++) {
                        c.get("HTTP/1.1", null);
                    }
                } catch (Exception e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            }, "concurrent-caller-" + i);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(20_000);
        }
        if (!errors.isEmpty()) {
            throw new IOException("a caller failed: " + errors.get(0), errors.get(0));
        }
        report.did(callers + " threads each opened a connection (all open at once) and sent " + requestsEach
                + " GETs on it, then closed it");
        List<List<SeenConnection>> seen = observe(server, callers, callers);
        report.server(server);
        seen(report, seen);
        List<SeenConnection> out = seen.get(0);
        List<SeenConnection> in = seen.get(1);
        report.expectAlways("server: connections accepted", callers, server.connections.get());
        report.expectAlways("server: requests served", callers * requestsEach, server.requests.get());
        report.expect("outbound connections", callers, out.size());
        report.expect("outbound requests per connection", repeat(String.valueOf(requestsEach), callers),
                tally(out, SeenConnection::requests));
        report.expect("outbound requests on a reused connection", callers * (requestsEach - 1), reusedRequests(out));
        report.expect("inbound requests (server's count)", server.requests.get(), sumRequests(in));
        report.expect("inbound closed_by", repeat("remote", callers), tally(in, SeenConnection::closeInitiator));
    }

    // idle-timeout: the server's keep-alive timeout is shorter than the client's: the client finds stale connections.
    private void idleTimeout(ScenarioReport report) throws Exception {
        int serverIdleMillis = 500;
        long clientIdleMillis = 5000;
        report.title("the server's keep-alive timeout (" + serverIdleMillis + " ms) is shorter than the client pool's ("
                + clientIdleMillis + " ms): the server closes idle connections, the client drops them as stale");
        HelloServer server = server(report.scenario(), 0, serverIdleMillis);
        try (IdlePool pool = new IdlePool(() -> open(server.port()), 2, clientIdleMillis)) {
            HttpConnection c = pool.borrow();
            c.get("HTTP/1.1", null);
            pool.release(c);
            Thread.sleep(serverIdleMillis * 2L);
            c = pool.borrow();
            c.get("HTTP/1.1", null);
            pool.release(c);
            Thread.sleep(serverIdleMillis / 5);
            c = pool.borrow();
            c.get("HTTP/1.1", null);
            pool.release(c);
            report.did("GET, " + (serverIdleMillis * 2) + " ms idle, GET, " + (serverIdleMillis / 5)
                    + " ms idle, GET through a pool: it dropped " + pool.droppedStale + " stale connection(s), "
                    + "opened " + pool.opened + ", reused " + pool.reused + "; then the client closed the pool");
        }
        List<List<SeenConnection>> seen = observe(server, 2, 2);
        report.server(server);
        int serverTimeWait = timeWaitOnServer(server);
        int clientTimeWait = timeWaitOnClient(server);
        report.kernel("TIME_WAIT on the server's side: " + serverTimeWait + ", on the client's side: "
                + clientTimeWait);
        seen(report, seen);
        List<SeenConnection> out = seen.get(0);
        List<SeenConnection> in = seen.get(1);
        report.expectAlways("server: connections accepted", 2, server.connections.get());
        report.expectAlways("server: idle connections it closed", 1, server.closedIdle.get());
        report.expectAlways("server: requests served", 3, server.requests.get());
        report.expect("outbound connections", 2, out.size());
        report.expect("outbound close_reason", "application_close=1 stale=1", tally(out, SeenConnection::closeReason));
        report.expect("outbound closed_by", "local=1 remote=1", tally(out, SeenConnection::closeInitiator));
        report.expect("outbound requests per connection", "1=1 2=1", tally(out, SeenConnection::requests));
        report.expect("inbound close_reason", "application_close=1 peer_closed_idle=1",
                tally(in, SeenConnection::closeReason));
        report.expect("inbound closed_by", "local=1 remote=1", tally(in, SeenConnection::closeInitiator));
        if (KernelTcp.available()) {
            report.expectAlways("kernel: TIME_WAIT on the server's side", 1, serverTimeWait);
            report.expectAlways("kernel: TIME_WAIT on the client's side", 1, clientTimeWait);
        }
    }
}
