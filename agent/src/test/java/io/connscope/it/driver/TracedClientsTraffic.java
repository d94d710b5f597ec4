package io.connscope.it.driver;

import com.sun.net.httpserver.HttpServer;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Requests with no trace header of their own, for a tracer agent to trace (the OpenTelemetry Java agent puts its
 * client span's {@code traceparent} on each): the JDK HttpClient (HTTP/1.1), three requests on one connection,
 * HttpURLConnection, two, OkHttp and Apache HttpClient 5 (classic), three each, each to its own JDK HttpServer;
 * the JDK HttpClient over h2 (TLS, ALPN) to Jetty 12, three requests as streams of one connection ({@code h2});
 * gRPC (h2c), three unary calls. The OpenTelemetry agent traces each of these servers too (its SERVER spans).
 * Args: a PKCS12 keystore (changeit). Class path: OkHttp's, Apache HttpClient 5's, Jetty's and gRPC's jars. Prints
 * {@code REQ name=S port=P local_port=L} per request (the client's port as the server saw it) and
 * {@code SCENARIO name=S port=P requests=N}.
 */
public final class TracedClientsTraffic {

    private static final BlockingQueue<Integer> CLIENT_PORTS = new LinkedBlockingQueue<>();

    private TracedClientsTraffic() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(100_000);
        HttpServer server = server();
        int port = server.getAddress().getPort();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/x")).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("status " + response.statusCode());
            }
            truth("httpclient", port);
        }
        System.out.println("SCENARIO name=httpclient port=" + port + " requests=3");
        server.stop(0);

        server = server();
        port = server.getAddress().getPort();
        for (int i = 0; i < 2; i++) {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/x").toURL()
                    .openConnection();
            c.setConnectTimeout(20_000);
            c.setReadTimeout(20_000);
            try (InputStream in = c.getInputStream()) {
                in.readAllBytes();
            }
            truth("urlconnection", port);
        }
        System.out.println("SCENARIO name=urlconnection port=" + port + " requests=2");
        server.stop(0);

        server = server();
        port = server.getAddress().getPort();
        okhttp3.OkHttpClient okhttp = new okhttp3.OkHttpClient.Builder()
                .protocols(java.util.List.of(okhttp3.Protocol.HTTP_1_1)).build();
        for (int i = 0; i < 3; i++) {
            try (okhttp3.Response response = okhttp.newCall(new okhttp3.Request.Builder()
                    .url("http://127.0.0.1:" + port + "/x").build()).execute()) {
                response.body().string();
            }
            truth("okhttp", port);
        }
        System.out.println("SCENARIO name=okhttp port=" + port + " requests=3");
        server.stop(0);

        server = server();
        port = server.getAddress().getPort();
        try (org.apache.hc.client5.http.impl.classic.CloseableHttpClient apache =
                     org.apache.hc.client5.http.impl.classic.HttpClients.createDefault()) {
            for (int i = 0; i < 3; i++) {
                apache.execute(new org.apache.hc.client5.http.classic.methods.HttpGet("http://127.0.0.1:" + port + "/x"),
                        response -> {
                            org.apache.hc.core5.http.io.entity.EntityUtils.consume(response.getEntity());
                            return response.getCode();
                        });
                truth("apache5", port);
            }
        }
        System.out.println("SCENARIO name=apache5 port=" + port + " requests=3");
        server.stop(0);

        h2(args[0]);
        grpc();
        System.out.println("DONE");
        System.exit(0);
    }

    /** The JDK HttpClient over h2 (TLS, ALPN) to Jetty 12: three requests, streams of one connection. */
    private static void h2(String keystore) throws Exception {
        org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server();
        org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
        ssl.setKeyStorePath(keystore);
        ssl.setKeyStorePassword("changeit");
        ssl.setKeyStoreType("PKCS12");
        org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory alpn =
                new org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory("h2");
        org.eclipse.jetty.server.ServerConnector secure = new org.eclipse.jetty.server.ServerConnector(server,
                new org.eclipse.jetty.server.SslConnectionFactory(ssl, alpn.getProtocol()), alpn,
                new org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory(
                        new org.eclipse.jetty.server.HttpConfiguration()));
        secure.setHost("127.0.0.1");
        secure.setPort(0);
        server.addConnector(secure);
        server.setHandler(new org.eclipse.jetty.server.Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) {
                CLIENT_PORTS.add(((InetSocketAddress) request.getConnectionMetaData().getRemoteSocketAddress())
                        .getPort());
                response.setStatus(200);
                org.eclipse.jetty.io.Content.Sink.write(response, true, "ok", callback);
                return true;
            }
        });
        server.start();
        int port = secure.getLocalPort();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(KeepAliveServer.tls(keystore)).build();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
                    + "/x")).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 || response.version() != HttpClient.Version.HTTP_2) {
                throw new IllegalStateException("status " + response.statusCode() + " over " + response.version());
            }
            truth("h2", port);
        }
        System.out.println("SCENARIO name=h2 port=" + port + " requests=3");
        // Stopped: its connection closes, so the connection spans of both sides end and are exported.
        server.stop();
    }

    /** gRPC (grpc-netty-shaded, h2c): three unary calls on one channel, so on one connection. */
    private static void grpc() throws Exception {
        io.grpc.ServerServiceDefinition service = io.grpc.ServerInterceptors.intercept(
                io.grpc.ServerServiceDefinition.builder("connscope.Test")
                        .addMethod(GrpcHttp2Scenarios.ECHO, io.grpc.stub.ServerCalls.asyncUnaryCall(
                                (byte[] req, io.grpc.stub.StreamObserver<byte[]> out) -> {
                                    out.onNext(req);
                                    out.onCompleted();
                                })).build(),
                new io.grpc.ServerInterceptor() {
                    @Override
                    public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call,
                            io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, A> next) {
                        java.net.SocketAddress remote = call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                        CLIENT_PORTS.add(((InetSocketAddress) remote).getPort());
                        return next.startCall(call, headers);
                    }
                });
        io.grpc.Server server = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder
                .forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
        int port = server.getPort();
        io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
                .forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            for (int i = 0; i < 3; i++) {
                io.grpc.stub.ClientCalls.blockingUnaryCall(channel, GrpcHttp2Scenarios.ECHO, io.grpc.CallOptions.DEFAULT,
                        "hello".getBytes(StandardCharsets.US_ASCII));
                truth("grpc", port);
            }
        } finally {
            channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        }
        System.out.println("SCENARIO name=grpc port=" + port + " requests=3");
    }

    private static HttpServer server() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            CLIENT_PORTS.add(exchange.getRemoteAddress().getPort());
            byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static void truth(String name, int port) throws InterruptedException {
        System.out.println("REQ name=" + name + " port=" + port + " local_port="
                + CLIENT_PORTS.poll(20, TimeUnit.SECONDS));
    }
}
