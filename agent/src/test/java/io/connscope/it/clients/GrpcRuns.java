package io.connscope.it.clients;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks;
import io.connscope.it.Fork;
import io.connscope.it.Nginx;
import io.connscope.it.ProcNetTcp;
import io.connscope.it.driver.clients.GrpcEcho;
import io.connscope.it.driver.clients.GrpcShadedDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the gRPC drivers ({@link GrpcShadedDriver}, {@link io.connscope.it.driver.clients.GrpcTransportDriver}) print
 * and the checks of one channel's connection against it: the calls each side counted, the other side's record, the
 * kernel's TIME_WAIT row. Shared by the gRPC ITs of every version and transport.
 */
final class GrpcRuns {

    private GrpcRuns() {
    }

    /** The jars of directory {@code connscope.clients.KEY} (agent/pom.xml copies one per gRPC version and artifact). */
    static List<Path> jars(String key) throws Exception {
        Path dir = Paths.get(System.getProperty("connscope.clients." + key, ""));
        assertTrue(Files.isDirectory(dir), "no directory for connscope.clients." + key + ": " + dir
                + "; run the ITs through Maven (mvn verify)");
        List<Path> jars;
        try (Stream<Path> files = Files.list(dir)) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
        assertFalse(jars.isEmpty(), "no jars in " + dir);
        return jars;
    }

    /** {@code key}'s value on the driver's {@code RESULT scenario=...} lines, as text; fails when there is none. */
    static String result(Fork.Result run, String key) {
        for (String line : run.stdout.split("\n")) {
            if (line.startsWith("RESULT ")) {
                for (String kv : line.substring(7).split(" ")) {
                    if (kv.startsWith(key + "=")) {
                        return kv.substring(key.length() + 1);
                    }
                }
            }
        }
        throw new AssertionError("no RESULT " + key + "\n" + run.describe());
    }

    /** The one client port the server saw: one TCP connection per channel, by the server's own count. */
    static int clientPort(Fork.Result run) {
        String ports = result(run, "client_ports");
        if (!ports.matches("\\[\\d+]")) {
            throw new AssertionError("expected exactly one client connection, the server saw " + ports + "\n" + run.describe());
        }
        return Integer.parseInt(ports.substring(1, ports.length() - 1));
    }

    static List<JsonNode> connections(Fork.Result run, String direction, int local, int remote) throws Exception {
        return run.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && direction.equals(r.path("direction").asText())
                        && r.path("local_port").asInt() == local && r.path("remote_port").asInt() == remote)
                .collect(Collectors.toList());
    }

    /** The pair of records of the driver's one connection, checked against the driver's and the kernel's truth. */
    static JsonNode[] checkConnection(Fork.Result run, boolean tls) throws Exception {
        return checkConnection(run, tls, 0);
    }

    /**
     * As {@link #checkConnection(Fork.Result, boolean)}, with the client's record allowed to lack up to
     * {@code clientUncounted} of the bytes the server sent when both closed cleanly (see GrpcOkHttp*IT: a read in
     * flight while another thread closes the socket).
     */
    static JsonNode[] checkConnection(Fork.Result run, boolean tls, int clientUncounted) throws Exception {
        String context = "\n" + run.describe();
        int server = Integer.parseInt(result(run, "server_port"));
        int client = clientPort(run);
        Checks.Problems p = new Checks.Problems();
        p.expect(result(run, "calls_made"), result(run, "calls_served"), "calls served = calls made");
        p.expect(GrpcEcho.UNARY_CALLS + 1, result(run, "calls_made"), "calls made (the driver's own count)");
        p.expect(result(run, "stream_messages_sent"), result(run, "stream_messages_served"), "stream messages served");
        List<JsonNode> out = connections(run, "outbound", client, server);
        List<JsonNode> in = connections(run, "inbound", server, client);
        p.expect(1, out.size(), "outbound records " + client + "->" + server);
        p.expect(1, in.size(), "inbound records " + server + "<-" + client);
        p.failIfAny("gRPC connection", context);
        JsonNode o = out.get(0);
        JsonNode i = in.get(0);
        p.expect("closed", Checks.text(o, "state"), "outbound state");
        p.expect("closed", Checks.text(i, "state"), "inbound state");
        p.check(o.path("bytes_sent").asLong() > 0, "outbound bytes_sent > 0");
        List<ProcNetTcp.Row> timeWait = ProcNetTcp.timeWait("127.0.0.1", client, server);
        String rows = " (the kernel's rows for the tuple: " + ProcNetTcp.all("127.0.0.1", client, server) + ")";
        if (timeWait.size() == 1) {
            boolean clientFirst = ProcNetTcp.localIs(timeWait.get(0), "127.0.0.1", client);
            p.expect(clientFirst ? "local" : "remote", Checks.text(o, "close_initiator"), "outbound close_initiator" + rows);
            p.expect(clientFirst ? "remote" : "local", Checks.text(i, "close_initiator"), "inbound close_initiator" + rows);
            p.expect(o.path("bytes_sent").asLong(), i.path("bytes_received").asLong(), "outbound bytes_sent = inbound bytes_received");
            long uncounted = i.path("bytes_sent").asLong() - o.path("bytes_received").asLong();
            // The client first: the server's last frames (its answer to the client's GOAWAY) can come after the
            // client's FIN, to a channel closed for the application but still open in the kernel (a selector's
            // channel is shut down, its descriptor closed later), never read.
            int allowed = clientFirst ? Math.max(clientUncounted, 256) : clientUncounted;
            if (allowed == 0 || uncounted < 0 || uncounted > allowed) {
                p.expect(o.path("bytes_received").asLong(), i.path("bytes_sent").asLong(), "outbound bytes_received = inbound bytes_sent");
            }
        } else if (timeWait.size() == 2) {
            String misfit = Checks.misfitWithCrossedFins(o, i);
            p.check(misfit == null, misfit + rows);
        } else {
            // No TIME_WAIT: a reset. Over TLS one side's last close_notify (one alert record, 24 bytes with AES-GCM)
            // arrives at a socket the other has closed: that kernel resets, at its close (a reset on the records) or
            // after it (the FIN order on the records stands).
            p.expect(0, timeWait.size(), "TIME_WAIT rows" + rows);
            String misfit = Checks.misfitWithoutTimeWait(o, i);
            p.check(misfit == null, "no TIME_WAIT, so a reset, but " + misfit + rows);
        }
        for (JsonNode n : List.of(o, i)) {
            String dir = Checks.text(n, "direction");
            p.expect(tls ? 1 : 0, n.path("tls_handshakes").asInt(), dir + " tls_handshakes");
            // Each call is an HTTP/2 stream, counted from the frames: in the clear, or inside TLS once the engine's
            // plaintext reaches the connection (null until then).
            p.expect(result(run, "calls_made"), n.path("requests").isNull() ? "null" : n.path("requests").asText(),
                    dir + " requests");
            p.expect(result(run, "calls_made"), n.path("http2").path("streams_client").asText(), dir + " http2.streams_client");
            p.check(n.path("http2").path("unparsed").isNull(), dir + " http2: every frame parsed, not "
                    + n.path("http2").path("unparsed"));
        }
        p.failIfAny("gRPC connection " + client + "<->" + server, context);
        return new JsonNode[] {o, i};
    }

    /** gRPC opens its sockets with SO_KEEPALIVE on, both sides: set by the application, the OS's timings. */
    static void checkGrpcKeepAlive(Fork.Result run, JsonNode[] pair) throws Exception {
        int[] os = ProcNetTcp.keepAliveDefaults();
        Checks.Problems p = new Checks.Problems();
        for (JsonNode n : pair) {
            String dir = Checks.text(n, "direction");
            JsonNode k = n.path("keepalive");
            p.expect(true, k.path("enabled").asBoolean(), dir + " keepalive.enabled");
            p.expect(os[0], k.path("idle_s").asInt(), dir + " keepalive.idle_s");
            p.expect(os[1], k.path("interval_s").asInt(), dir + " keepalive.interval_s");
            p.expect(os[2], k.path("count").asInt(), dir + " keepalive.count");
            p.expect("app", k.path("source").asText(), dir + " keepalive.source");
        }
        p.failIfAny("gRPC keep-alive", "\n" + run.describe());
    }

    static String keepAlive(JsonNode record) {
        JsonNode k = record.path("keepalive");
        return k.path("enabled").asText() + "," + k.path("idle_s").asText() + "," + k.path("interval_s").asText() + ","
                + k.path("count").asText();
    }

    /** A self-signed EC certificate for 127.0.0.1, made by openssl for this run: {@code cert.pem}, {@code key.pem}. */
    static Path certificate() throws Exception {
        Path dir = Fork.newScratchDirectory("connscope-grpc-");
        Fork.Result gen = Fork.exec(List.of(Nginx.tool("openssl", "openssl"), "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir.resolve("key.pem").toString(),
                "-out", dir.resolve("cert.pem").toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1"));
        assertEquals(0, gen.exit, "openssl: " + gen.describe());
        return dir;
    }
}
