package io.connscope.it.clients;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks;
import io.connscope.it.Fork;
import io.connscope.it.Nginx;
import io.connscope.it.ProcNetTcp;
import io.connscope.it.driver.clients.GrpcShadedDriver;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * gRPC-java on its default transport artifact, grpc-netty-shaded (Netty relocated under
 * {@code io.grpc.netty.shaded}, with its own native epoll library and BoringSSL), one forked JVM per case with the
 * built agent: server and client in the same JVM ({@link GrpcShadedDriver}), 5 unary calls and one bidirectional
 * streaming call on one channel. Ground truth: the driver's own counts (calls made and served, the one client port
 * the server saw), the other side's record (bytes), the kernel's TIME_WAIT row (who closed first), the JDK or
 * Netty API that says what ran (epoll or NIO, the OpenSSL or the JDK's engine).
 */
class GrpcShadedIT {

    /** The jars the driver needs besides the test classes: gRPC's and what it depends on at run time. */
    private static List<Path> grpcJars() throws Exception {
        List<Path> jars = new ArrayList<>();
        for (String c : List.of("io.grpc.ManagedChannel", "io.grpc.internal.GrpcUtil", "io.grpc.stub.ClientCalls",
                "io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder", "io.grpc.util.ForwardingLoadBalancer",
                "io.grpc.Context", "com.google.common.base.Preconditions",
                "com.google.common.util.concurrent.internal.InternalFutureFailureAccess", "io.perfmark.PerfMark",
                "com.google.gson.stream.JsonReader")) {
            Class<?> type;
            try {
                type = Class.forName(c, false, GrpcShadedIT.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                continue;
            }
            Path jar = Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!jars.contains(jar)) {
                jars.add(jar);
            }
        }
        return jars;
    }

    private static Fork.Result run(String... args) throws Exception {
        Fork.Result run = Fork.run(List.of("-Dconnscope.console=connections"), grpcJars(),
                GrpcShadedDriver.class.getName(), args);
        assertEquals(0, run.exit, run.describe());
        if (!run.stdout.contains("\nDONE")) {
            throw new AssertionError("the driver did not finish\n" + run.describe());
        }
        return run;
    }

    /** {@code key}'s value on the driver's {@code RESULT scenario=...} lines, as text; fails when there is none. */
    private static String result(Fork.Result run, String key) {
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
    private static int clientPort(Fork.Result run) {
        String ports = result(run, "client_ports");
        if (!ports.matches("\\[\\d+]")) {
            throw new AssertionError("expected exactly one client connection, the server saw " + ports + "\n" + run.describe());
        }
        return Integer.parseInt(ports.substring(1, ports.length() - 1));
    }

    private static List<JsonNode> connections(Fork.Result run, String direction, int local, int remote) throws Exception {
        return run.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && direction.equals(r.path("direction").asText())
                        && r.path("local_port").asInt() == local && r.path("remote_port").asInt() == remote)
                .collect(Collectors.toList());
    }

    /** The pair of records of the driver's one connection, checked against the driver's and the kernel's truth. */
    private static JsonNode[] checkConnection(Fork.Result run, boolean tls) throws Exception {
        String context = "\n" + run.describe();
        int server = Integer.parseInt(result(run, "server_port"));
        int client = clientPort(run);
        Checks.Problems p = new Checks.Problems();
        p.expect(result(run, "calls_made"), result(run, "calls_served"), "calls served = calls made");
        p.expect(GrpcShadedDriver.UNARY_CALLS + 1, result(run, "calls_made"), "calls made (the driver's own count)");
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
            p.expect(o.path("bytes_received").asLong(), i.path("bytes_sent").asLong(), "outbound bytes_received = inbound bytes_sent");
        } else {
            // No TIME_WAIT: a reset. Over TLS the client closes right after its close_notify and the server's answering
            // close_notify (one alert record, 24 bytes with AES-GCM) arrives at a closed socket: the client's kernel
            // resets. The side that reset is the one that did not read everything the other sent, and only that.
            p.expect(0, timeWait.size(), "TIME_WAIT rows" + rows);
            String outInitiator = Checks.text(o, "close_initiator");
            boolean clientReset = "local_reset".equals(outInitiator);
            p.check(clientReset || "remote_reset".equals(outInitiator),
                    "no TIME_WAIT, so a reset, but outbound close_initiator is " + outInitiator + rows);
            p.expect(clientReset ? "remote_reset" : "local_reset", Checks.text(i, "close_initiator"), "inbound close_initiator");
            JsonNode resetter = clientReset ? o : i;
            JsonNode other = clientReset ? i : o;
            p.expect(resetter.path("bytes_sent").asLong(), other.path("bytes_received").asLong(),
                    "bytes the side that reset sent = bytes the other received");
            long unread = other.path("bytes_sent").asLong() - resetter.path("bytes_received").asLong();
            p.check(unread > 0 && unread <= 64, "the side that reset left unread a close_notify's worth (1 to 64 bytes), not "
                    + unread);
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
    private static void checkGrpcKeepAlive(Fork.Result run, JsonNode[] pair) throws Exception {
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

    /** The default transport on Linux: grpc-netty-shaded's own epoll, which bypasses the JDK's sockets. */
    private static void assertEpoll(Fork.Result run) {
        String context = "\n" + run.describe();
        assertEquals("true", result(run, "epoll_available"), "the shaded epoll transport must load here" + context);
        assertEquals("EpollSocketChannel", result(run, "default_client_channel"), context);
        assertEquals("Epoll", result(run, "event_loops"), "only epoll event loops ran, no NIO fallback" + context);
    }

    @Test
    void defaultTransportIsTheShadedEpoll() throws Exception {
        Fork.Result run = run("epoll");
        assertEpoll(run);
        checkGrpcKeepAlive(run, checkConnection(run, false));
    }

    @Test
    void shadedNioTransport() throws Exception {
        Fork.Result run = run("nio");
        assertEquals("Nio", result(run, "event_loops"), "only NIO event loops ran\n" + run.describe());
        checkGrpcKeepAlive(run, checkConnection(run, false));
    }

    @Test
    void tlsByTheBundledBoringSsl() throws Exception {
        Fork.Result run = run("openssl", certificate().toString());
        String context = "\n" + run.describe();
        assertEpoll(run);
        assertEquals("true", result(run, "openssl_available"), "the bundled netty-tcnative BoringSSL must load" + context);
        // OpenSslEngine (from OpenSslClientContext) extends ReferenceCountedOpenSslEngine, whose wrap/unwrap it runs.
        assertEquals("OpenSslEngine", result(run, "client_engine"), context);
        assertEquals(true, result(run, "ssl_session").contains(".handler.ssl.ReferenceCountedOpenSslEngine$"),
                "the server's session is OpenSSL's" + context);
        checkConnection(run, true);
    }

    @Test
    void tlsByTheJdkEngine() throws Exception {
        Fork.Result run = run("jdk-tls", certificate().toString());
        String context = "\n" + run.describe();
        assertEpoll(run);
        assertEquals(true, result(run, "ssl_session").startsWith("sun.security.ssl."), "the JDK's engine" + context);
        checkConnection(run, true);
    }

    /**
     * HTTP/1.1 inside the bundled BoringSSL: a shaded-Netty server on epoll, the JDK HttpClient as its client. The
     * server's requests, seen only through the OpenSSL engine's plaintext, count as many as the server answered, and
     * as many as the client's side counts through the JDK's engine.
     */
    @Test
    void http1InsideTheOpenSslEngine() throws Exception {
        Fork.Result run = run("http1-openssl", certificate().toString());
        String context = "\n" + run.describe();
        assertEquals("true", result(run, "openssl_available"), context);
        assertEquals("OpenSslEngine", result(run, "server_engine"), context);
        int server = Integer.parseInt(result(run, "server_port"));
        int client = clientPort(run);
        Checks.Problems p = new Checks.Problems();
        p.expect(result(run, "requests_made"), result(run, "requests_served"), "requests served = made");
        List<JsonNode> out = connections(run, "outbound", client, server);
        List<JsonNode> in = connections(run, "inbound", server, client);
        p.expect(1, out.size(), "outbound records");
        p.expect(1, in.size(), "inbound records");
        p.failIfAny("HTTP/1.1 over OpenSSL", context);
        p.expect(result(run, "requests_served"), in.get(0).path("requests").asText(), "inbound requests (the OpenSSL engine's plaintext)");
        p.expect(result(run, "requests_made"), out.get(0).path("requests").asText(), "outbound requests (the JDK engine's plaintext)");
        p.expect(1, in.get(0).path("tls_handshakes").asInt(), "inbound tls_handshakes");
        p.failIfAny("HTTP/1.1 over OpenSSL", context);
    }

    /**
     * Keep-alive options set through Netty's epoll channel options (JNI): the client sets only TCP_KEEPIDLE, to the
     * OS default, which only seeing the call can tell from the default; the server's accepted socket all four.
     */
    @Test
    void keepAliveSetThroughEpollOptions() throws Exception {
        Fork.Result run = run("keepalive");
        String context = "\n" + run.describe();
        assertEquals("EpollSocketChannel", result(run, "transport"), context);
        int server = Integer.parseInt(result(run, "server_port"));
        int client = clientPort(run);
        Checks.Problems p = new Checks.Problems();
        List<JsonNode> out = connections(run, "outbound", client, server);
        List<JsonNode> in = connections(run, "inbound", server, client);
        p.expect(1, out.size(), "outbound records");
        p.expect(1, in.size(), "inbound records");
        p.failIfAny("keep-alive connection", context);
        p.expect(result(run, "os_idle") + ",", keepAlive(out.get(0)).replaceAll("^[a-z]+,(\\d+),.*", "$1,"),
                "the client's idle time is the OS default");
        p.expect(result(run, "client_keepalive"), keepAlive(out.get(0)), "outbound keepalive = the client socket's");
        p.expect(result(run, "server_keepalive"), keepAlive(in.get(0)), "inbound keepalive = the accepted socket's");
        p.expect("true,77,7,4", result(run, "server_keepalive"), "the server's options as set");
        p.expect("app", out.get(0).path("keepalive").path("source").asText(), "outbound keepalive.source");
        p.expect("app", in.get(0).path("keepalive").path("source").asText(), "inbound keepalive.source");
        p.expect(5, out.get(0).path("bytes_sent").asInt(), "outbound bytes_sent");
        p.expect(5, in.get(0).path("bytes_received").asInt(), "inbound bytes_received");
        p.expect("local", Checks.text(out.get(0), "close_initiator"), "outbound close_initiator (the client closed)");
        p.failIfAny("keep-alive options set through JNI", context);
    }

    private static String keepAlive(JsonNode record) {
        JsonNode k = record.path("keepalive");
        return k.path("enabled").asText() + "," + k.path("idle_s").asText() + "," + k.path("interval_s").asText() + ","
                + k.path("count").asText();
    }

    /** A self-signed EC certificate for 127.0.0.1, made by openssl for this run: {@code cert.pem}, {@code key.pem}. */
    private static Path certificate() throws Exception {
        Path dir = Nginx.newDirectory("connscope-grpc-");
        Fork.Result gen = Fork.exec(List.of(Nginx.tool("openssl", "openssl"), "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir.resolve("key.pem").toString(),
                "-out", dir.resolve("cert.pem").toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1"));
        assertEquals(0, gen.exit, "openssl: " + gen.describe());
        return dir;
    }
}
