package io.connscope.it.clients;

/**
 * A grpc-okhttp client (its own HTTP/2 over the JDK's blocking sockets, TLS by the JDK's {@code SSLSocket}) against
 * a grpc-netty-shaded server on its native epoll, at the oldest claimed version (agent/pom.xml: grpc.oldest.version).
 */
class GrpcOkHttpOldestIT extends AbstractGrpcTransportIT {

    @Override
    String clientsKey() {
        return "grpc-okhttp.oldest";
    }

    @Override
    String transport() {
        return "okhttp";
    }

    @Override
    String expectedTransports() {
        return "OkHttp+ShadedEpoll";
    }

    /**
     * Known gap in connscope, not in gRPC: grpc-okhttp's writer thread closes the {@code SSLSocket} (close_notify,
     * then the socket) while its reader thread is blocked in a read; the server's answering close_notify (one TLS
     * 1.2 alert record, 31 bytes with AES-GCM) arrives and that read returns it after close() began (the JDK's
     * {@code javax.net.debug} log shows "READ: TLSv1.2 alert, length = 26" on the reader thread after "close the
     * underlying socket"), and the kernel then closes cleanly (TIME_WAIT on the client, no reset), so the bytes
     * were read, but the client's record, final at close(), does not count them. Allowed here, up to one record,
     * until connscope counts a read that completes during close.
     */
    @Override
    int clientUncountedAtTlsClose() {
        return 64;
    }

    /** grpc-okhttp never turns SO_KEEPALIVE on (OkHttpClientTransport calls setTcpNoDelay only); the server does. */
    @Override
    void checkKeepAlive(io.connscope.it.Fork.Result run, com.fasterxml.jackson.databind.JsonNode[] pair) {
        okHttpKeepAlive(run, pair);
    }

    /** The shaded server's TLS: its bundled BoringSSL, the default where it loads. */
    @Override
    String expectedServerSession() {
        return "io.grpc.netty.shaded.io.netty.handler.ssl.ReferenceCountedOpenSslEngine$";
    }
}
