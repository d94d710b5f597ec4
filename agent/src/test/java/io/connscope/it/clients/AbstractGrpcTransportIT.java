package io.connscope.it.clients;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks;
import io.connscope.it.Fork;
import io.connscope.it.driver.clients.GrpcTransportDriver;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.connscope.it.clients.GrpcRuns.certificate;
import static io.connscope.it.clients.GrpcRuns.checkConnection;
import static io.connscope.it.clients.GrpcRuns.checkGrpcKeepAlive;
import static io.connscope.it.clients.GrpcRuns.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gRPC-java on a transport besides grpc-netty-shaded's default, at one version, one forked JVM per case with the
 * built agent ({@link GrpcTransportDriver}: 5 unary calls and one bidirectional streaming call on one channel),
 * plaintext and over TLS by the JDK. Ground truth as in {@link AbstractGrpcShadedIT}: the calls each side counted,
 * the other side's record, the kernel's TIME_WAIT row, and the I/O loops on the JVM's threads for what ran.
 * Subclassed per transport ({@link #transport()}) and version ({@link #clientsKey()}).
 */
abstract class AbstractGrpcTransportIT {

    /** The key of system property {@code connscope.clients.KEY}: the directory of the gRPC version's jars. */
    abstract String clientsKey();

    /** The driver's mode: {@code netty} (grpc-netty on plain Netty's NIO) or {@code okhttp} (a grpc-okhttp client). */
    abstract String transport();

    /** What ran, as {@link GrpcTransportDriver#transports()} names it. */
    abstract String expectedTransports();

    private Fork.Result run(String... args) throws Exception {
        Fork.Result run = Fork.run(List.of("-Dconnscope.console=connections"), GrpcRuns.jars(clientsKey()),
                GrpcTransportDriver.class.getName(), args);
        assertEquals(0, run.exit, run.describe());
        if (!run.stdout.contains("\nDONE")) {
            throw new AssertionError("the driver did not finish\n" + run.describe());
        }
        String context = "\n" + run.describe();
        assertEquals("false", result(run, "native_epoll_on_class_path"), "plain Netty's native epoll is not here" + context);
        assertEquals("false", result(run, "netty_tcnative_on_class_path"), "nor netty-tcnative" + context);
        return run;
    }

    @Test
    void plaintext() throws Exception {
        Fork.Result run = run(transport());
        assertEquals(expectedTransports(), result(run, "transports"), "\n" + run.describe());
        JsonNode[] pair = checkConnection(run, false);
        checkKeepAlive(run, pair);
    }

    @Test
    void tlsByTheJdk() throws Exception {
        Fork.Result run = run(transport() + "-tls", certificate().toString());
        String context = "\n" + run.describe();
        assertEquals(expectedTransports(), result(run, "transports"), context);
        assertTrue(result(run, "ssl_session").startsWith(expectedServerSession()), "the server's TLS session" + context);
        checkConnection(run, true, clientUncountedAtTlsClose());
    }

    /**
     * Bytes the client's record may lack of what the server sent, over TLS: 0 but for grpc-okhttp (see there).
     */
    int clientUncountedAtTlsClose() {
        return 0;
    }

    /** The server's {@code SSLSession} class name starts with this. */
    abstract String expectedServerSession();

    /** A grpc-okhttp client's socket keeps the OS's keep-alive default (off); the shaded server turns it on. */
    static void okHttpKeepAlive(Fork.Result run, JsonNode[] pair) {
        Checks.Problems p = new Checks.Problems();
        p.expect(false, pair[0].path("keepalive").path("enabled").asBoolean(), "outbound keepalive.enabled");
        p.expect("os_default", pair[0].path("keepalive").path("source").asText(), "outbound keepalive.source");
        p.expect(true, pair[1].path("keepalive").path("enabled").asBoolean(), "inbound keepalive.enabled");
        p.expect("app", pair[1].path("keepalive").path("source").asText(), "inbound keepalive.source");
        p.failIfAny("grpc-okhttp keep-alive", "\n" + run.describe());
    }

    /** gRPC on Netty opens its sockets with SO_KEEPALIVE on, both sides: set by the application, the OS's timings. */
    void checkKeepAlive(Fork.Result run, JsonNode[] pair) throws Exception {
        checkGrpcKeepAlive(run, pair);
    }
}
