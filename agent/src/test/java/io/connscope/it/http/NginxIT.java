package io.connscope.it.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks.Problems;
import io.connscope.it.Fork;
import io.connscope.it.Nginx;
import io.connscope.it.ProcNetTcp;
import io.connscope.it.Truth;
import io.connscope.it.driver.HttpUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.connscope.it.http.HttpChecks.connections;
import static io.connscope.it.http.HttpChecks.perPort;
import static io.connscope.it.http.HttpChecks.requestsOf;
import static io.connscope.it.http.HttpChecks.show;
import static io.connscope.it.http.HttpChecks.text;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * External HTTP/1.x clients against a JDK HttpServer upstream that runs with the agent: nginx (started here on
 * free loopback ports with its own prefix, config, pid file and error log, one worker, {@code daemon off}) as a
 * reverse proxy driven by {@code ab}, and {@code curl} directly. Only the upstream's (inbound) records exist; the
 * ground truth is the client ports the upstream's handler saw, one per request, and the kernel's TIME_WAIT rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NginxIT {

    /** Upstream servers: 0 default proxy, 1 keepalive 2, 2 keepalive 2 + keepalive_requests 3, 3 curl direct. */
    static final int UPSTREAMS = 4;

    Nginx nginx;
    String ab;
    String curl;
    Fork.Running upstream;
    int[] upstreamPorts;
    int[] listenPorts = new int[3];
    Fork.Result result;
    final StringBuilder clientOutput = new StringBuilder();
    /** Kernel rows on the keepalive upstream's port right after ab, while nginx still holds its connections. */
    List<ProcNetTcp.Row> keepAliveRowsLive;
    String curlBody;

    @BeforeAll
    void run() throws Exception {
        ab = Nginx.tool("ab", "apache2-utils");
        curl = Nginx.tool("curl", "curl");

        upstream = Fork.start(HttpScenariosIT.REQUEST_EVENTS, HttpUpstream.class.getName(), String.valueOf(UPSTREAMS));
        upstreamPorts = awaitUpstreamPorts();

        startNginx();
        ab("default-proxy", listenPorts[0], "-n", "10", "-c", "2");
        ab("keepalive-2", listenPorts[1], "-n", "10", "-c", "2");
        keepAliveRowsLive = rowsWithLocalPort(upstreamPorts[1]);
        ab("keepalive-requests-3", listenPorts[2], "-n", "9", "-c", "1");
        String url = "http://127.0.0.1:" + upstreamPorts[3] + "/";
        Fork.Result c = Fork.exec(List.of(curl, "-s", "--http1.1", "--noproxy", "*", "--max-time", "10", url, url));
        clientOutput.append("--- curl ").append(url).append(" twice: exit ").append(c.exit).append("\n").append(c.stdout).append("\n");
        curlBody = c.stdout;
        if (c.exit != 0) {
            fail("curl failed with exit code " + c.exit + "\n" + c.stderr + "\n" + clientOutput);
        }

        stopNginx();
        try (OutputStream in = upstream.process.getOutputStream()) {
            in.write("stop\n".getBytes(StandardCharsets.US_ASCII));
        }
        result = upstream.await();
        if (result.exit != 0) {
            fail("upstream JVM exited with " + result.exit + "\n" + result.describe() + "\n" + clientOutput);
        }
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (nginx != null) {
            nginx.close();
        }
        if (upstream != null && upstream.process.isAlive()) {
            upstream.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private int[] awaitUpstreamPorts() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() - deadline < 0 && upstream.process.isAlive()) {
            for (Truth t : Truth.parse(upstream.stdoutSoFar())) {
                if (t.type.equals("UPSTREAM")) {
                    String[] p = t.get("ports").split(",");
                    int[] ports = new int[p.length];
                    for (int i = 0; i < p.length; i++) {
                        ports[i] = Integer.parseInt(p[i]);
                    }
                    return ports;
                }
            }
            Thread.sleep(20);
        }
        upstream.process.destroyForcibly();
        fail("the upstream JVM did not print its ports within 20 s\n" + upstream.await().describe());
        return null;
    }

    private void startNginx() throws Exception {
        for (int i = 0; i < listenPorts.length; i++) {
            listenPorts[i] = Nginx.freePort();
        }
        nginx = Nginx.start(Nginx.newDirectory("connscope-nginx-"), String.join("\n",
                "  access_log off;",
                "  upstream keepalive2 { server 127.0.0.1:" + upstreamPorts[1] + "; keepalive 2; }",
                "  upstream keepalive3 { server 127.0.0.1:" + upstreamPorts[2] + "; keepalive 2; keepalive_requests 3; }",
                "  server { listen 127.0.0.1:" + listenPorts[0] + ";",
                "    location / { proxy_pass http://127.0.0.1:" + upstreamPorts[0] + "; } }",
                "  server { listen 127.0.0.1:" + listenPorts[1] + ";",
                "    location / { proxy_pass http://keepalive2; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }",
                "  server { listen 127.0.0.1:" + listenPorts[2] + ";",
                "    location / { proxy_pass http://keepalive3; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"),
                listenPorts);
    }

    private void stopNginx() throws Exception {
        nginx.stop();
    }

    private String nginxDiagnostics() {
        return nginx.diagnostics();
    }

    private void ab(String what, int port, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ab, "-q", "-s", "10"));
        cmd.addAll(List.of(options));
        cmd.add("http://127.0.0.1:" + port + "/");
        Fork.Result r = Fork.exec(cmd);
        clientOutput.append("--- ").append(what).append(": ").append(String.join(" ", cmd)).append(" exit ").append(r.exit)
                .append('\n').append(r.stdout).append(r.stderr);
        if (r.exit != 0 || !r.stdout.matches("(?s).*Failed requests:\\s+0\\s.*")) {
            fail("ab for " + what + " failed or had failed requests\n" + clientOutput + nginxDiagnostics());
        }
    }

    private static List<ProcNetTcp.Row> rowsWithLocalPort(int port) throws IOException {
        String suffix = String.format(Locale.ROOT, ":%04X", port);
        List<ProcNetTcp.Row> rows = new ArrayList<>();
        for (ProcNetTcp.Row r : ProcNetTcp.rows()) {
            if (r.local.endsWith(suffix) && !r.state.equals("0A")) {
                rows.add(r);
            }
        }
        return rows;
    }

    private Truth served(int index) {
        for (Truth t : Truth.parse(result.stdout)) {
            if (t.type.equals("SERVED") && ("server-" + index).equals(t.name())) {
                return t;
            }
        }
        return fail("no SERVED line for server-" + index + "\n" + result.describe());
    }

    private String context(Truth t, List<JsonNode> shown) {
        return "--- ground truth: " + t + "\n--- records:" + show(shown) + "\n--- clients:\n" + clientOutput
                + "\n" + result.describe();
    }

    /**
     * The upstream's inbound records for a server: one per client port its handler saw, each with exactly the
     * requests seen on that port, request objects 1..n with the version, status 200 and reused false then true.
     */
    private List<JsonNode> expectUpstream(Problems p, Truth t, int port, String version, List<JsonNode> shown)
            throws IOException {
        Map<Integer, Integer> perPort = perPort(t.get("client_ports"));
        List<JsonNode> records = connections(result, "inbound", port, null);
        shown.addAll(records);
        p.expect(perPort.size(), records.size(), "inbound connection records on upstream port " + port
                + " (one per client port the handler saw: " + perPort + ")");
        for (Map.Entry<Integer, Integer> e : perPort.entrySet()) {
            List<JsonNode> own = connections(result, "inbound", port, e.getKey());
            p.expect(1, own.size(), "inbound records from nginx port " + e.getKey());
            for (JsonNode c : own) {
                String side = "inbound " + e.getKey() + "->" + port;
                p.expect(e.getValue(), text(c, "requests"), side + " requests");
                List<JsonNode> reqs = requestsOf(result, c);
                shown.addAll(reqs);
                p.expect(e.getValue(), reqs.size(), side + " request objects");
                for (int i = 0; i < reqs.size(); i++) {
                    JsonNode q = reqs.get(i);
                    p.expect(i + 1, text(q, "index"), side + " request #" + (i + 1) + " index");
                    p.expect(i > 0, text(q, "reused"), side + " request #" + (i + 1) + " reused");
                    p.expect(version, text(q, "http_version"), side + " request #" + (i + 1) + " http_version");
                    p.expect(200, text(q, "status"), side + " request #" + (i + 1) + " status");
                }
            }
        }
        p.expect("true", t.get("settled"), "driver: no upstream connection left established or half-closed at exit");
        return records;
    }

    @Test
    void defaultProxySpeaksHttp10AndUpstreamClosesEach() throws Exception {
        Truth t = served(0);
        int port = upstreamPorts[0];
        List<JsonNode> shown = new ArrayList<>();
        Problems p = new Problems();
        p.expect(10, t.get("requests"), "driver: requests the upstream's handler saw");
        p.expect(10, t.get("connections_seen"), "driver: connections the upstream's handler saw (nginx default proxy)");
        List<JsonNode> records = expectUpstream(p, t, port, "HTTP/1.0", shown);
        p.expect(10, records.size(), "inbound connections on the upstream");
        for (JsonNode c : records) {
            int nginxPort = c.path("remote_port").asInt();
            String side = "inbound " + nginxPort + "->" + port;
            p.expect(1, text(c, "requests"), side + " requests");
            p.expect("closed", text(c, "state"), side + " state");
            p.expect("http_1_0", text(c, "close_reason"), side + " close_reason");
            // Who closes first is a race: the JDK server closes after its write completes, nginx as soon as it has
            // the whole response (Content-Length). The kernel's TIME_WAIT row says who it was on each connection.
            // When the upstream holds it, the agent must say "local"; when the agent says "remote", nginx must hold
            // it. (nginx's FIN can land between the agent's look and the upstream's own close, microseconds apart:
            // then the agent says "local" although nginx went first; see docs/close-initiator.md.)
            List<ProcNetTcp.Row> tw = ProcNetTcp.timeWait("127.0.0.1", nginxPort, port);
            if (tw.isEmpty()) {
                p.check(false, "kernel: expected a TIME_WAIT row for " + nginxPort + "<->" + port + " but found none");
            } else {
                boolean upstreamHolds = false;
                for (ProcNetTcp.Row row : tw) {
                    upstreamHolds |= ProcNetTcp.localIs(row, "127.0.0.1", port);
                }
                String initiator = text(c, "close_initiator");
                p.check(java.util.Set.of("local", "remote").contains(initiator), side + " close_initiator " + initiator);
                p.check(!upstreamHolds || "local".equals(initiator), side + " holds TIME_WAIT but close_initiator is "
                        + initiator + " (kernel: " + tw + ")");
                p.check(!"remote".equals(initiator) || !upstreamHolds, side + " says remote but holds TIME_WAIT (kernel: "
                        + tw + ")");
            }
        }
        p.failIfAny("nginx default proxy_pass (HTTP/1.0 to the upstream), ab -n 10 -c 2", context(t, shown));
    }

    @Test
    void keepAliveUpstreamReusesAtMostTwoConnections() throws Exception {
        Truth t = served(1);
        int port = upstreamPorts[1];
        List<JsonNode> shown = new ArrayList<>();
        Problems p = new Problems();
        p.expect(10, t.get("requests"), "driver: requests the upstream's handler saw");
        List<JsonNode> records = expectUpstream(p, t, port, "HTTP/1.1", shown);
        p.check(!records.isEmpty() && records.size() <= 2, "inbound connections on the upstream: expected 1 or 2 but was "
                + records.size());
        int total = 0;
        long reused = 0;
        for (JsonNode c : records) {
            total += c.path("requests").asInt();
            for (JsonNode q : requestsOf(result, c)) {
                reused += "true".equals(text(q, "reused")) ? 1 : 0;
            }
            int nginxPort = c.path("remote_port").asInt();
            List<ProcNetTcp.Row> tw = ProcNetTcp.timeWait("127.0.0.1", nginxPort, port);
            for (ProcNetTcp.Row r : tw) {
                p.check(!ProcNetTcp.localIs(r, "127.0.0.1", port),
                        "kernel: TIME_WAIT held by the upstream for " + nginxPort + "<->" + port + ": " + r);
            }
        }
        for (ProcNetTcp.Row r : keepAliveRowsLive) {
            p.check(!r.state.equals(ProcNetTcp.TIME_WAIT), "kernel, right after ab: TIME_WAIT on the upstream's port: " + r);
        }
        p.expect(10, total, "sum of requests over the upstream's connections");
        p.check(reused > 0, "request objects with reused=true: expected > 0 but was " + reused);
        p.failIfAny("nginx upstream keepalive 2, proxy_http_version 1.1, ab -n 10 -c 2 (rows right after ab: "
                + keepAliveRowsLive + ")", context(t, shown));
    }

    @Test
    void keepAliveRequestsThreeCapsEachConnection() throws Exception {
        Truth t = served(2);
        int port = upstreamPorts[2];
        List<JsonNode> shown = new ArrayList<>();
        Problems p = new Problems();
        p.expect(9, t.get("requests"), "driver: requests the upstream's handler saw");
        List<JsonNode> records = expectUpstream(p, t, port, "HTTP/1.1", shown);
        int total = 0;
        for (JsonNode c : records) {
            int n = c.path("requests").asInt();
            total += n;
            p.check(n >= 1 && n <= 3, "inbound " + text(c, "remote_port") + "->" + port + " requests: expected 1..3 but was " + n);
        }
        p.check(records.size() >= 3, "inbound connections: expected at least 3 (9 requests, at most 3 each) but was "
                + records.size());
        p.expect(9, total, "sum of requests over the upstream's connections");
        p.failIfAny("nginx upstream keepalive_requests 3, ab -n 9 -c 1", context(t, shown));
    }

    @Test
    void curlTwoUrlsReusesOneConnection() throws Exception {
        Truth t = served(3);
        int port = upstreamPorts[3];
        List<JsonNode> shown = new ArrayList<>();
        Problems p = new Problems();
        p.expect("Hello there!Hello there!", curlBody, "curl output");
        p.expect(2, t.get("requests"), "driver: requests the upstream's handler saw");
        p.expect(1, t.get("connections_seen"), "driver: connections the upstream's handler saw");
        List<JsonNode> records = expectUpstream(p, t, port, "HTTP/1.1", shown);
        p.expect(1, records.size(), "inbound connections from curl");
        for (JsonNode c : records) {
            p.expect(2, text(c, "requests"), "inbound requests");
        }
        p.failIfAny("curl -s --http1.1 URL URL directly to the JDK server", context(t, shown));
    }
}
