package io.connscope.it.clients;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks;
import io.connscope.it.Fork;
import io.connscope.it.driver.clients.GrpcShadedDriver;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static io.connscope.it.clients.GrpcRuns.certificate;
import static io.connscope.it.clients.GrpcRuns.checkConnection;
import static io.connscope.it.clients.GrpcRuns.checkGrpcKeepAlive;
import static io.connscope.it.clients.GrpcRuns.clientPort;
import static io.connscope.it.clients.GrpcRuns.connections;
import static io.connscope.it.clients.GrpcRuns.keepAlive;
import static io.connscope.it.clients.GrpcRuns.result;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * gRPC-java on its default transport artifact, grpc-netty-shaded (Netty relocated under
 * {@code io.grpc.netty.shaded}, with its own native epoll library and BoringSSL), one forked JVM per case with the
 * built agent: server and client in the same JVM ({@link GrpcShadedDriver}), 5 unary calls and one bidirectional
 * streaming call on one channel. Ground truth: the driver's own counts (calls made and served, the one client port
 * the server saw), the other side's record (bytes), the kernel's TIME_WAIT row (who closed first), the JDK or
 * Netty API that says what ran (epoll or NIO, the OpenSSL or the JDK's engine). Subclassed per gRPC version:
 * {@link GrpcShadedIT} (the build's own, from the test class path), {@link GrpcShadedOldestIT}, {@link
 * GrpcShadedNewestIT}.
 */
abstract class AbstractGrpcShadedIT {

    /** The jars the driver needs besides the test classes: one gRPC version's and what it depends on at run time. */
    abstract List<Path> grpcJars() throws Exception;

    Fork.Result run(String... args) throws Exception {
        Fork.Result run = Fork.run(List.of("-Dconnscope.console=connections"), grpcJars(),
                GrpcShadedDriver.class.getName(), args);
        assertEquals(0, run.exit, run.describe());
        if (!run.stdout.contains("\nDONE")) {
            throw new AssertionError("the driver did not finish\n" + run.describe());
        }
        return run;
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
}
