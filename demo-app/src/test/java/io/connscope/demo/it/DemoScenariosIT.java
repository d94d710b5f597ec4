package io.connscope.demo.it;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every demo scenario, run from the built demo jar with the built agent jar: the demo must report no mismatch, and
 * what connscope wrote to its JSON Lines file must match the ground truth independently of the demo's own checks:
 * the demo server's counts (printed on its {@code server:} line) and the kernel's TIME_WAIT rows.
 */
class DemoScenariosIT {

    private static final Pattern SERVER = Pattern.compile("server: port=(\\d+) connections=(\\d+) requests=(\\d+) "
            + "closed_after_response=(\\d+) closed_idle=(\\d+) closed_by_client=(\\d+)");

    /** One scenario's run: its output, connscope's records of both sides, the server's counts. */
    private static final class Run {
        DemoFork fork;
        int port;
        int connections;
        int requests;
        int closedIdle;
        List<JsonNode> outbound = new ArrayList<>();
        List<JsonNode> inbound = new ArrayList<>();

        String tally(List<JsonNode> records, String field) {
            Map<String, Integer> m = new TreeMap<>();
            for (JsonNode r : records) {
                m.merge(r.path(field).asText(), 1, Integer::sum);
            }
            return m.toString();
        }

        int requests(List<JsonNode> records) {
            int n = 0;
            for (JsonNode r : records) {
                n += r.get("requests").asInt();
            }
            return n;
        }
    }

    private static Run run(String scenario, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(scenario));
        args.addAll(List.of(extra));
        DemoFork fork = DemoFork.start(List.of("-Dconnscope.console=summary"), args.toArray(new String[0]));
        int exit = fork.await(90);
        Run run = new Run();
        run.fork = fork;
        String out = fork.stdout();
        assertEquals(0, exit, "the demo exits 0 when every check matched\n" + fork.describe());
        assertTrue(out.contains("result " + scenario + ": ok"), "expected 'result " + scenario + ": ok'\n" + fork.describe());
        assertFalse(out.contains("MISMATCH"), "no mismatch marker\n" + fork.describe());
        Matcher m = SERVER.matcher(out);
        assertTrue(m.find(), "the demo prints its server's counts\n" + fork.describe());
        run.port = Integer.parseInt(m.group(1));
        run.connections = Integer.parseInt(m.group(2));
        run.requests = Integer.parseInt(m.group(3));
        run.closedIdle = Integer.parseInt(m.group(5));
        for (JsonNode r : fork.records()) {
            if (!"connection".equals(r.path("type").asText())) {
                continue;
            }
            if ("outbound".equals(r.get("direction").asText()) && r.get("remote_port").asInt() == run.port) {
                run.outbound.add(r);
            } else if ("inbound".equals(r.get("direction").asText()) && r.get("local_port").asInt() == run.port) {
                run.inbound.add(r);
            }
        }
        // Ground truth: the server's own counts. Every connection the demo made went to its server, so both sides
        // must show exactly the connections and requests the server counted, all closed.
        assertEquals(run.connections, run.inbound.size(), "inbound connections = the server's count\n" + fork.describe());
        assertEquals(run.connections, run.outbound.size(), "outbound connections = the server's count\n" + fork.describe());
        assertEquals(run.requests, run.requests(run.inbound), "inbound requests = the server's count\n" + fork.describe());
        assertEquals(run.requests, run.requests(run.outbound), "outbound requests = the server's count\n" + fork.describe());
        assertEquals("{closed=" + (run.connections * 2) + "}", run.tally(concat(run.outbound, run.inbound), "state"),
                fork.describe());
        return run;
    }

    private static List<JsonNode> concat(List<JsonNode> a, List<JsonNode> b) {
        List<JsonNode> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void keepalive() throws Exception {
        Run r = run("keepalive");
        assertEquals(1, r.connections);
        assertEquals(5, r.requests);
        assertEquals("{local=1}", r.tally(r.outbound, "close_initiator"), r.fork.describe());
        assertEquals("{remote=1}", r.tally(r.inbound, "close_initiator"), r.fork.describe());
    }

    /** The client ports of the scenario's connections, as connscope recorded them (one per outbound record). */
    private static java.util.Set<Integer> clientPorts(Run r) {
        java.util.Set<Integer> ports = new java.util.TreeSet<>();
        for (JsonNode c : r.outbound) {
            ports.add(c.get("local_port").asInt());
        }
        return ports;
    }

    @Test
    void connectionClose() throws Exception {
        Run r = run("connection-close");
        assertEquals(3, r.connections);
        assertEquals(3, r.requests);
        assertEquals("{connection_close_by_client=3}", r.tally(r.outbound, "close_reason"), r.fork.describe());
        for (JsonNode c : r.outbound) {
            JsonNode k = c.get("keepalive");
            assertEquals("true/10/5/3/app", k.get("enabled").asText() + "/" + k.get("idle_s").asInt() + "/"
                    + k.get("interval_s").asInt() + "/" + k.get("count").asInt() + "/" + k.get("source").asText(),
                    "the header leaves the client's TCP keep-alive settings as set\n" + r.fork.describe());
        }
        // The server closed first: its side of each connection is in TIME_WAIT, the client's is not.
        assertEquals("{local=3}", r.tally(r.inbound, "close_initiator"), r.fork.describe());
        assertEquals(3, TimeWait.count(true, r.port, clientPorts(r)), "TIME_WAIT rows on the server's port " + r.port);
        assertEquals(0, TimeWait.count(false, r.port, clientPorts(r)), "TIME_WAIT rows on the client side of port " + r.port);
    }

    @Test
    void slowResponse() throws Exception {
        Run r = run("slow-response", "--slow-seconds", "2");
        assertEquals(1, r.connections);
        JsonNode out = r.outbound.get(0);
        assertTrue(out.get("duration_ms").asDouble() >= 2000, r.fork.describe());
        assertEquals(1, out.get("keepalive").get("idle_s").asInt(), r.fork.describe());
        assertEquals(1, out.get("keepalive").get("interval_s").asInt(), r.fork.describe());
        assertTrue(out.get("keepalive").get("enabled").asBoolean(), r.fork.describe());
        assertTrue(r.fork.stdout().contains("keep-alive timer armed on the client socket while the request waited: true"),
                r.fork.describe());
    }

    /** The slow response over HTTP/2: the client's PINGs, counted by both peers, beside its TCP keep-alive. */
    @Test
    void h2SlowResponse() throws Exception {
        Run r = run("h2-slow-response", "--slow-seconds", "2");
        assertEquals(1, r.connections);
        JsonNode out = r.outbound.get(0);
        JsonNode in = r.inbound.get(0);
        Matcher m = Pattern.compile("client sent (\\d+) PINGs and got (\\d+) ACKs").matcher(r.fork.stdout());
        assertTrue(m.find(), r.fork.describe());
        int sent = Integer.parseInt(m.group(1));
        assertTrue(sent >= 1, "PINGs every second for 2 s\n" + r.fork.describe());
        assertEquals(sent, out.path("http2").path("pings").path("client").path("sent").asInt(), r.fork.describe());
        assertEquals(Integer.parseInt(m.group(2)), out.path("http2").path("pings").path("client").path("acked").asInt(),
                r.fork.describe());
        assertTrue(r.fork.stdout().contains("pings_received=" + sent), "the server's own count\n" + r.fork.describe());
        assertEquals(sent, in.path("http2").path("pings").path("client").path("sent").asInt(), r.fork.describe());
        assertEquals(1, out.path("keepalive").path("idle_s").asInt(), r.fork.describe());
        assertTrue(out.path("keepalive").path("enabled").asBoolean(), r.fork.describe());
        assertEquals("goaway_by_client_no_error", out.path("close_reason").asText(), r.fork.describe());
        assertTrue(r.fork.stdout().contains("keep-alive timer armed on the client socket while the request waited: true"),
                r.fork.describe());
        assertTrue(r.fork.stdout().contains("result h2-slow-response: ok"), r.fork.describe());
    }

    @Test
    void http10() throws Exception {
        Run r = run("http10");
        assertEquals(3, r.connections);
        assertEquals("{http_1_0=3}", r.tally(r.outbound, "close_reason"), r.fork.describe());
        assertEquals("{http_1_0=3}", r.tally(r.inbound, "close_reason"), r.fork.describe());
        assertEquals("{local=3}", r.tally(r.inbound, "close_initiator"), r.fork.describe());
        assertEquals("{remote=3}", r.tally(r.outbound, "close_initiator"), r.fork.describe());
        assertEquals(3, TimeWait.count(true, r.port, clientPorts(r)), "the server holds TIME_WAIT, port " + r.port);
        assertEquals(0, TimeWait.count(false, r.port, clientPorts(r)), "the client holds none, port " + r.port);
    }

    @Test
    void poolOverflow() throws Exception {
        Run r = run("pool-overflow");
        // 5 opened in round one, 2 kept; 3 more in round two: 8 connections for 10 requests.
        assertEquals(8, r.connections);
        assertEquals(10, r.requests);
        assertEquals("{local=8}", r.tally(r.outbound, "close_initiator"), r.fork.describe());
        assertEquals(8, TimeWait.count(false, r.port, clientPorts(r)), "the client closes first and holds TIME_WAIT, port " + r.port);
        assertEquals(0, TimeWait.count(true, r.port, clientPorts(r)), "the server holds none, port " + r.port);
    }

    @Test
    void concurrent() throws Exception {
        Run r = run("concurrent");
        assertEquals(4, r.connections);
        assertEquals(20, r.requests);
        assertEquals("{5=4}", r.tally(r.outbound, "requests"), r.fork.describe());
    }

    @Test
    void idleTimeout() throws Exception {
        Run r = run("idle-timeout");
        assertEquals(2, r.connections);
        assertEquals(3, r.requests);
        assertEquals(1, r.closedIdle);
        assertEquals("{application_close=1, stale=1}", r.tally(r.outbound, "close_reason"), r.fork.describe());
        assertEquals("{application_close=1, peer_closed_idle=1}", r.tally(r.inbound, "close_reason"), r.fork.describe());
    }

    /**
     * The mismatch marker: with connscope's socket-dispatcher instrumentation (reads and writes) left out, connscope
     * still sees the connection open and close but no request on it, so those checks differ: the demo marks each
     * and exits 1.
     */
    @Test
    void whatConnscopeDidNotSeeIsMarkedAsAMismatch() throws Exception {
        DemoFork fork = DemoFork.start(List.of("-Dconnscope.instrumentation.disabled=socket-dispatcher",
                "-Dconnscope.console=off"), "keepalive");
        assertEquals(1, fork.await(90), fork.describe());
        List<String> lines = fork.stdout().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.contains("outbound requests (sum)") && l.endsWith("<<< MISMATCH")),
                fork.describe());
        assertTrue(lines.stream().anyMatch(l -> l.contains("outbound connections") && l.endsWith(" ok")),
                "what connscope did see still matches\n" + fork.describe());
        assertTrue(lines.stream().anyMatch(l -> l.contains("server: requests served") && l.endsWith(" ok")),
                fork.describe());
        assertTrue(lines.stream().anyMatch(l -> l.trim().startsWith("result keepalive: MISMATCH (")), fork.describe());
        assertTrue(lines.contains("demo: 1 scenario(s), 1 with a MISMATCH (marked <<< MISMATCH)"), fork.describe());
    }

    /** The README's quick start: no arguments runs every scenario, quickly (slow-response with 3 s). */
    @Test
    void allScenariosByDefault() throws Exception {
        DemoFork fork = DemoFork.start(List.of());
        long started = System.nanoTime();
        int exit = fork.await(90);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(0, exit, fork.describe());
        String out = fork.stdout();
        for (String s : List.of("keepalive", "connection-close", "slow-response", "h2-slow-response", "http10",
                "pool-overflow", "concurrent", "idle-timeout")) {
            assertTrue(out.contains("result " + s + ": ok"), s + "\n" + fork.describe());
        }
        assertTrue(out.contains("demo: 8 scenario(s), every check matched what connscope saw"), fork.describe());
        assertTrue(out.contains("a response that takes 3 s"), fork.describe());
        assertFalse(out.contains("MISMATCH"), fork.describe());
        assertTrue(fork.stderr().contains("connscope: summary (exit)"), fork.describe());
        assertTrue(seconds < 60, "the quick start took " + seconds + " s");
    }

    /** serve: only the "Hello there!" server, for nginx; connscope reports its inbound connections. */
    @Test
    void serve() throws Exception {
        DemoFork fork = DemoFork.start(List.of("-Dconnscope.console=off"), "serve", "--port", "0");
        Pattern serving = Pattern.compile("serving \"Hello there!\" on http://127.0.0.1:(\\d+)/");
        Matcher m = serving.matcher("");
        for (int i = 0; i < 300 && !(m = serving.matcher(fork.stdout())).find(); i++) {
            Thread.sleep(50);
        }
        assertTrue(m.find(0), "serve prints its port\n" + fork.describe());
        int port = Integer.parseInt(m.group(1));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream o = s.getOutputStream();
            o.write("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(response.startsWith("HTTP/1.0 200") && response.endsWith("Hello there!"), response);
        }
        Thread.sleep(300);
        fork.stop();
        assertTrue(fork.stdout().contains("server: connections=1 requests=1 closed_after_response=1"), fork.describe());
        List<JsonNode> inbound = new ArrayList<>();
        for (JsonNode r : fork.records()) {
            if ("inbound".equals(r.path("direction").asText()) && r.get("local_port").asInt() == port) {
                inbound.add(r);
            }
        }
        assertEquals(1, inbound.size(), fork.describe());
        assertEquals("http_1_0", inbound.get(0).get("close_reason").asText(), fork.describe());
        assertEquals("local", inbound.get(0).get("close_initiator").asText(), fork.describe());
    }
}
