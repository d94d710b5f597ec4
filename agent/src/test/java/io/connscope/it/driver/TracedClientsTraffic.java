package io.connscope.it.driver;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Requests with no trace header of their own, for a tracer agent to trace (the OpenTelemetry Java agent puts its
 * client span's {@code traceparent} on each), each scenario to a server of its own that the agent traces too (its
 * SERVER spans). {@code main(keystore, group)}, the keystore PKCS12 (changeit), its self-signed certificate for
 * 127.0.0.1 both the servers' key and the clients' trust:
 * <ul>
 *   <li>{@code http} (class path: OkHttp's, Apache HttpClient 5's and 4.5's, Reactor Netty's and Jetty's jars), each
 *   client to its own JDK HttpServer, and the {@code -tls} scenarios to a JDK HttpsServer: the JDK HttpClient
 *   (HTTP/1.1), HttpURLConnection (two requests), OkHttp (plain and TLS), Apache HttpClient 5 classic (plain and TLS)
 *   and async (plain and TLS, the JDK's {@code SSLEngine}), Apache HttpClient 4.5 (plain and TLS), Reactor Netty's
 *   HttpClient (plain and TLS, the JDK's {@code SSLEngine}); over h2 (TLS, ALPN), each to a Jetty 12 server of its own,
 *   three requests as streams of one connection: the JDK HttpClient ({@code h2}), OkHttp ({@code okhttp-h2}) and
 *   Apache HttpClient 5's HTTP/2 async client, {@code HttpAsyncClients.customHttp2()} ({@code apache5async-h2});</li>
 *   <li>{@code netty} (class path: Netty 4.1's jars): an HTTP/1.1 client on a Netty channel pool ({@code
 *   NettyPooledHttp}), plain and TLS by the JDK's {@code SSLEngine} ({@code netty}, {@code netty-tls});</li>
 *   <li>{@code netty-epoll} (class path: Netty 4.1's jars with the native epoll one): the same client on the epoll
 *   transport ({@code netty-epoll}, {@code netty-epoll-tls});</li>
 *   <li>{@code reactor-epoll} (class path: Reactor Netty 1.0.0's jars with the native epoll one its POM brings):
 *   Reactor Netty's HttpClient on its default transport, epoll, plain and TLS by the JDK's {@code SSLEngine}
 *   ({@code reactor-epoll}, {@code reactor-epoll-tls});</li>
 *   <li>{@code grpc} (class path: grpc-netty's and grpc-netty-shaded's jars, one version): unary calls on
 *   grpc-netty-shaded, on its default transport (its bundled epoll), h2c and TLS by its default engine (its bundled
 *   BoringSSL) ({@code grpc}, {@code grpc-tls}), the same on its NIO transport chosen explicitly ({@code grpc-nio},
 *   {@code grpc-nio-tls}), and on grpc-netty with plain Netty (NIO), h2c and TLS by the JDK's engine ({@code
 *   grpc-netty}, {@code grpc-netty-tls});</li>
 *   <li>{@code grpc-okhttp} (class path: grpc-okhttp's jars and grpc-netty-shaded for the server): a grpc-okhttp
 *   client, h2c and TLS by the JDK's {@code SSLSocket}.</li>
 * </ul>
 * Three requests per scenario unless said, sequential, so on one connection. Prints {@code REQ name=S port=P
 * local_port=L} per request (the client's port as the server saw it) and {@code SCENARIO name=S port=P requests=N
 * tls=B}; {@code RAN name=S channel=C} for the Netty scenarios' channels (for {@code grpc-nio*} each channel its
 * factory made), and {@code TLS name=S client_session=CLASS}
 * for the gRPC ones over TLS (the engine that ran).
 */
public final class TracedClientsTraffic {

    private static final BlockingQueue<Integer> CLIENT_PORTS = new LinkedBlockingQueue<>();

    private TracedClientsTraffic() {
    }

    public static void main(String[] args) throws Throwable {
        Watchdog.start(100_000);
        Tls tls = new Tls(args[0]);
        switch (args[1]) {
            case "http":
                jdk();
                Libraries.run(tls);
                Libraries.h2(args[0], tls);
                break;
            case "netty":
                NettyPool.run("netty", tls);
                break;
            case "netty-epoll":
                System.setProperty(io.connscope.it.driver.clients.NettyPooledHttp.TRANSPORT, "epoll");
                NettyPool.run("netty-epoll", tls);
                break;
            case "reactor-epoll":
                Reactor.run("reactor-epoll", null);
                Reactor.run("reactor-epoll-tls", tls);
                break;
            case "grpc":
                Grpc.run("grpc", "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder",
                        "io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder", null);
                Grpc.run("grpc-tls", "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder",
                        "io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder", tls);
                Grpc.run("grpc-nio", "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder",
                        "io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder", null);
                Grpc.run("grpc-nio-tls", "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder",
                        "io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder", tls);
                Grpc.run("grpc-netty", "io.grpc.netty.NettyServerBuilder", "io.grpc.netty.NettyChannelBuilder", null);
                Grpc.run("grpc-netty-tls", "io.grpc.netty.NettyServerBuilder", "io.grpc.netty.NettyChannelBuilder",
                        tls);
                break;
            case "grpc-okhttp":
                Grpc.run("grpc-okhttp", "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder",
                        "io.grpc.okhttp.OkHttpChannelBuilder", null);
                Grpc.run("grpc-okhttp-tls", "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder",
                        "io.grpc.okhttp.OkHttpChannelBuilder", tls);
                break;
            default:
                throw new IllegalArgumentException(args[1]);
        }
        System.out.println("DONE");
        System.exit(0);
    }

    /** A client's GET that reads the whole response. */
    @FunctionalInterface
    interface Get {
        void get(String url) throws Exception;
    }

    /** The key and trust of the keystore's self-signed certificate. */
    static final class Tls {
        final SSLContext context;
        final X509TrustManager trust;
        final KeyManagerFactory keys;

        Tls(String keystore) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(Paths.get(keystore))) {
                ks.load(in, "changeit".toCharArray());
            }
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(ks, "changeit".toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            trust = (X509TrustManager) tmf.getTrustManagers()[0];
            context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), tmf.getTrustManagers(), null);
        }
    }

    private static void jdk() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        http("httpclient", 3, null, url -> {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("status " + response.statusCode());
            }
        });
        http("urlconnection", 2, null, url -> {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(20_000);
            c.setReadTimeout(20_000);
            try (InputStream in = c.getInputStream()) {
                in.readAllBytes();
            }
        });
    }

    /**
     * One scenario: a JDK HttpServer of its own (an HttpsServer with {@code tls}), {@code requests} GETs by {@code
     * client}, one after another; then the server stops, so its connections close and both sides' connection spans
     * end and are exported.
     */
    static void http(String name, int requests, Tls tls, Get client) throws Exception {
        HttpServer server;
        if (tls == null) {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        } else {
            HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            https.setHttpsConfigurator(new HttpsConfigurator(tls.context));
            server = https;
        }
        server.createContext("/", exchange -> {
            PlainHttp.answerOk(exchange, CLIENT_PORTS);
        });
        server.start();
        int port = server.getAddress().getPort();
        for (int i = 0; i < requests; i++) {
            client.get((tls == null ? "http" : "https") + "://127.0.0.1:" + port + "/x");
            truth(name, port);
        }
        scenario(name, port, requests, tls != null);
        server.stop(0);
    }

    static void scenario(String name, int port, int requests, boolean tls) {
        System.out.println("SCENARIO name=" + name + " port=" + port + " requests=" + requests + " tls=" + tls);
    }

    static void truth(String name, int port) throws InterruptedException {
        System.out.println("REQ name=" + name + " port=" + port + " local_port="
                + CLIENT_PORTS.poll(20, TimeUnit.SECONDS));
    }

    /** The libraries' clients, a class of their own: the gRPC groups' class paths have none of them. */
    private static final class Libraries {

        static void run(Tls tls) throws Exception {
            for (Tls t : new Tls[] {null, tls}) {
                String suffix = t == null ? "" : "-tls";
                okhttp3.OkHttpClient.Builder builder = new okhttp3.OkHttpClient.Builder()
                        .protocols(java.util.List.of(okhttp3.Protocol.HTTP_1_1));
                if (t != null) {
                    builder.sslSocketFactory(t.context.getSocketFactory(), t.trust);
                }
                okhttp3.OkHttpClient okhttp = builder.build();
                http("okhttp" + suffix, 3, t, url -> {
                    try (okhttp3.Response response = okhttp.newCall(new okhttp3.Request.Builder().url(url).build())
                            .execute()) {
                        response.body().string();
                    }
                });

                try (org.apache.hc.client5.http.impl.classic.CloseableHttpClient apache = apache5(t)) {
                    http("apache5" + suffix, 3, t, url -> apache.execute(
                            new org.apache.hc.client5.http.classic.methods.HttpGet(url), response -> {
                                org.apache.hc.core5.http.io.entity.EntityUtils.consume(response.getEntity());
                                return response.getCode();
                            }));
                }

                org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder async =
                        org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder.create();
                if (t != null) {
                    async.setTlsStrategy(org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder.create()
                            .setSslContext(t.context).build());
                }
                try (org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient apache =
                             org.apache.hc.client5.http.impl.async.HttpAsyncClients.custom()
                                     .setConnectionManager(async.build()).build()) {
                    apache.start();
                    http("apache5async" + suffix, 3, t, url -> apache.execute(
                            org.apache.hc.client5.http.async.methods.SimpleRequestBuilder.get(url).build(), null)
                            .get(20, TimeUnit.SECONDS));
                }

                org.apache.http.impl.client.HttpClientBuilder builder4 = org.apache.http.impl.client.HttpClients.custom();
                if (t != null) {
                    builder4.setSSLContext(t.context);
                }
                try (org.apache.http.impl.client.CloseableHttpClient apache = builder4.build()) {
                    http("apache4" + suffix, 3, t, url -> apache.execute(
                            new org.apache.http.client.methods.HttpGet(url),
                            response -> {
                                org.apache.http.util.EntityUtils.consume(response.getEntity());
                                return response.getStatusLine().getStatusCode();
                            }));
                }

                Reactor.run("reactor" + suffix, t);
            }
        }

        @SuppressWarnings("deprecation")
        private static org.apache.hc.client5.http.impl.classic.CloseableHttpClient apache5(Tls tls) {
            if (tls == null) {
                return org.apache.hc.client5.http.impl.classic.HttpClients.createDefault();
            }
            return org.apache.hc.client5.http.impl.classic.HttpClients.custom().setConnectionManager(
                    org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder.create()
                            .setSSLSocketFactory(new org.apache.hc.client5.http.ssl.SSLConnectionSocketFactory(
                                    tls.context)).build()).build();
        }

        /**
         * Three clients over h2 (TLS, ALPN), each to a Jetty 12 server of its own: three requests, streams of one
         * connection. The JDK HttpClient ({@code h2}), OkHttp ({@code okhttp-h2}) and Apache HttpClient 5's HTTP/2
         * async client ({@code HttpAsyncClients.customHttp2()}, {@code apache5async-h2}); each checks the answer
         * came over h2.
         */
        static void h2(String keystore, Tls tls) throws Exception {
            HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(tls.context)
                    .build();
            jettyH2("h2", keystore, url -> {
                HttpResponse<String> response = jdk.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200 || response.version() != HttpClient.Version.HTTP_2) {
                    throw new IllegalStateException("status " + response.statusCode() + " over " + response.version());
                }
            });

            okhttp3.OkHttpClient okhttp = new okhttp3.OkHttpClient.Builder()
                    .protocols(java.util.List.of(okhttp3.Protocol.HTTP_2, okhttp3.Protocol.HTTP_1_1))
                    .sslSocketFactory(tls.context.getSocketFactory(), tls.trust).build();
            jettyH2("okhttp-h2", keystore, url -> {
                try (okhttp3.Response response = okhttp.newCall(new okhttp3.Request.Builder().url(url).build())
                        .execute()) {
                    response.body().string();
                    if (response.code() != 200 || response.protocol() != okhttp3.Protocol.HTTP_2) {
                        throw new IllegalStateException("status " + response.code() + " over " + response.protocol());
                    }
                }
            });

            try (org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient apache =
                         org.apache.hc.client5.http.impl.async.HttpAsyncClients.customHttp2()
                                 .setTlsStrategy(org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder.create()
                                         .setSslContext(tls.context).build()).build()) {
                apache.start();
                jettyH2("apache5async-h2", keystore, url -> {
                    org.apache.hc.client5.http.async.methods.SimpleHttpResponse response = apache.execute(
                            org.apache.hc.client5.http.async.methods.SimpleRequestBuilder.get(url).build(), null)
                            .get(20, TimeUnit.SECONDS);
                    if (response.getCode() != 200
                            || !org.apache.hc.core5.http.HttpVersion.HTTP_2.equals(response.getVersion())) {
                        throw new IllegalStateException("status " + response.getCode() + " over "
                                + response.getVersion());
                    }
                });
            }
        }

        /**
         * One h2 scenario: a Jetty 12 server of its own, h2 only (TLS, ALPN), three GETs by {@code client}, one after
         * another; then the server stops, so its connection closes and both sides' connection spans end and are
         * exported.
         */
        private static void jettyH2(String name, String keystore, Get client) throws Exception {
            try (JettyH2Server server = new JettyH2Server(keystore, CLIENT_PORTS)) {
                int port = server.port();
                for (int i = 0; i < 3; i++) {
                    client.get("https://127.0.0.1:" + port + "/x");
                    truth(name, port);
                }
                scenario(name, port, 3, true);
            }
        }
    }

    /**
     * Prints {@code RAN name=S channel=C}: the class of a Netty channel a scenario's client opened (Reactor Netty 1.0
     * also each time it hands a pooled connection out again; for gRPC, the channel type its builder uses by default),
     * so the test knows which transport ran.
     */
    static void ran(String name, Class<?> channel) {
        System.out.println("RAN name=" + name + " channel=" + channel.getSimpleName());
    }

    /**
     * Reactor Netty's HttpClient on its default event loops and transport (NIO, or the native epoll one where its
     * jar is on the class path), a pool of one connection, TLS through the JDK's {@code SSLEngine}; a class of its
     * own: only some groups' class paths have Reactor Netty.
     */
    private static final class Reactor {

        static void run(String name, Tls t) throws Exception {
            reactor.netty.resources.ConnectionProvider provider =
                    reactor.netty.resources.ConnectionProvider.create("connscope-traced-" + name, 1);
            reactor.netty.http.client.HttpClient plain = reactor.netty.http.client.HttpClient.create(provider)
                    .doOnConnected(c -> ran(name, c.channel().getClass()));
            io.netty.handler.ssl.SslContext ssl = t == null ? null : io.netty.handler.ssl.SslContextBuilder
                    .forClient().sslProvider(io.netty.handler.ssl.SslProvider.JDK).trustManager(t.trust).build();
            reactor.netty.http.client.HttpClient netty = t == null ? plain : plain.secure(spec -> spec.sslContext(ssl));
            http(name, 3, t, url -> netty.get().uri(url).responseContent().aggregate().asString()
                    .block(Duration.ofSeconds(20)));
            provider.disposeLater().block(Duration.ofSeconds(10));
        }
    }

    /**
     * A Netty 4.1 channel pool's HTTP/1.1 client (on NIO, or on epoll with {@code -Dconnscope.test.netty.transport=
     * epoll}), a class of its own: the other groups have other Netty versions.
     */
    private static final class NettyPool {

        static void run(String name, Tls tls) throws Exception {
            for (Tls t : new Tls[] {null, tls}) {
                String scenario = t == null ? name : name + "-tls";
                try (io.connscope.it.driver.clients.NettyPooledHttp netty =
                             new io.connscope.it.driver.clients.NettyPooledHttp(t == null ? null : t.trust,
                                     (bootstrap, handler) -> new io.netty.channel.pool.FixedChannelPool(bootstrap,
                                             new io.netty.channel.pool.ChannelPoolHandler() {
                                                 @Override
                                                 public void channelCreated(io.netty.channel.Channel ch)
                                                         throws Exception {
                                                     ran(scenario, ch.getClass());
                                                     handler.channelCreated(ch);
                                                 }

                                                 @Override
                                                 public void channelAcquired(io.netty.channel.Channel ch)
                                                         throws Exception {
                                                     handler.channelAcquired(ch);
                                                 }

                                                 @Override
                                                 public void channelReleased(io.netty.channel.Channel ch)
                                                         throws Exception {
                                                     handler.channelReleased(ch);
                                                 }
                                             }, 1))) {
                    http(scenario, 3, t, url -> netty.get(url).get(20, TimeUnit.SECONDS));
                }
            }
        }
    }

    /** gRPC, a class of its own: the {@code http} group's class path has none of it. */
    private static final class Grpc {

        /**
         * Three unary calls on one channel, so on one connection, {@code tls} or h2c. Only gRPC's public API, and
         * the builders by name and method handle (see GrpcTransportDriver): the driver compiles against the build's
         * grpc-netty-shaded and runs against each group's own jars.
         */
        static void run(String name, String serverBuilder, String channelBuilder, Tls tls) throws Throwable {
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
                            SocketAddress remote = call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                            CLIENT_PORTS.add(((InetSocketAddress) remote).getPort());
                            return next.startCall(call, headers);
                        }
                    });
            io.grpc.ServerCredentials serverCredentials = tls == null ? io.grpc.InsecureServerCredentials.create()
                    : io.grpc.TlsServerCredentials.newBuilder().keyManager(tls.keys.getKeyManagers()).build();
            io.grpc.ChannelCredentials channelCredentials = tls == null ? io.grpc.InsecureChannelCredentials.create()
                    : io.grpc.TlsChannelCredentials.newBuilder().trustManager(tls.trust).build();
            Class<?> sb = Class.forName(serverBuilder);
            io.grpc.ServerBuilder<?> serverBuild = (io.grpc.ServerBuilder<?>) MethodHandles.publicLookup()
                    .findStatic(sb, "forAddress", MethodType.methodType(sb, SocketAddress.class,
                            io.grpc.ServerCredentials.class))
                    .invoke(new InetSocketAddress("127.0.0.1", 0), serverCredentials);
            ShadedNio nio = name.startsWith("grpc-nio") ? new ShadedNio(name) : null;
            if (nio != null) {
                nio.server(serverBuild);
            }
            io.grpc.Server server = serverBuild.addService(service).build().start();
            int port = server.getPort();
            Class<?> cb = Class.forName(channelBuilder);
            io.grpc.ManagedChannelBuilder<?> channelBuild = (io.grpc.ManagedChannelBuilder<?>) MethodHandles
                    .publicLookup().findStatic(cb, "forAddress", MethodType.methodType(cb, String.class, int.class,
                            io.grpc.ChannelCredentials.class))
                    .invoke("127.0.0.1", port, channelCredentials);
            if (nio != null) {
                nio.channel(channelBuild);
            }
            io.grpc.ManagedChannel channel = channelBuild.build();
            if (nio == null && channelBuilder.endsWith(".NettyChannelBuilder")) {
                // The builder sets no channel type: its Utils' default is what runs (epoll where it loads).
                java.lang.reflect.Field f = Class.forName(channelBuilder.substring(0, channelBuilder.lastIndexOf('.'))
                        + ".Utils").getDeclaredField("DEFAULT_CLIENT_CHANNEL_TYPE");
                f.setAccessible(true);
                ran(name, (Class<?>) f.get(null));
            }
            java.util.concurrent.atomic.AtomicReference<javax.net.ssl.SSLSession> session =
                    new java.util.concurrent.atomic.AtomicReference<>();
            io.grpc.Channel calls = io.grpc.ClientInterceptors.intercept(channel, new io.grpc.ClientInterceptor() {
                @Override
                public <Q, A> io.grpc.ClientCall<Q, A> interceptCall(io.grpc.MethodDescriptor<Q, A> method,
                        io.grpc.CallOptions options, io.grpc.Channel next) {
                    return new SessionOf<>(next.newCall(method, options), session);
                }
            });
            try {
                for (int i = 0; i < 3; i++) {
                    io.grpc.stub.ClientCalls.blockingUnaryCall(calls, GrpcHttp2Scenarios.ECHO,
                            io.grpc.CallOptions.DEFAULT, "hello".getBytes(StandardCharsets.US_ASCII));
                    truth(name, port);
                }
            } finally {
                channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
                server.shutdown().awaitTermination(5, TimeUnit.SECONDS);
                if (nio != null) {
                    nio.close();
                }
            }
            if (tls != null) {
                // The client's TLS session, from the call's transport attributes: its class names the engine
                // (the bundled BoringSSL's ReferenceCountedOpenSslEngine, or the JDK's sun.security.ssl).
                System.out.println("TLS name=" + name + " client_session=" + (session.get() == null ? "none"
                        : session.get().getClass().getName()));
            }
            scenario(name, port, 3, tls != null);
        }

        /**
         * grpc-netty-shaded on its NIO transport, chosen explicitly as GrpcShadedDriver's {@code nio} case does: one
         * shaded {@code NioEventLoopGroup} for the server ({@code NioServerSocketChannel}) and the client, whose
         * channels come from a factory that prints {@code RAN} with the class of each one it makes (the transport
         * that ran). Only the grpc group loads it, with the build's grpc-netty-shaded version.
         */
        private static final class ShadedNio {
            private final String name;
            @SuppressWarnings("deprecation")
            private final io.grpc.netty.shaded.io.netty.channel.EventLoopGroup group =
                    new io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup(2);

            ShadedNio(String name) {
                this.name = name;
            }

            void server(io.grpc.ServerBuilder<?> builder) {
                ((io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder) builder)
                        .channelType(io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel.class)
                        .bossEventLoopGroup(group).workerEventLoopGroup(group);
            }

            void channel(io.grpc.ManagedChannelBuilder<?> builder) {
                ((io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder) builder).channelFactory(() -> {
                    io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel c =
                            new io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel();
                    ran(name, c.getClass());
                    return c;
                }).eventLoopGroup(group);
            }

            void close() {
                group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        }

        /** A call that keeps the client's TLS session, from its attributes once the response headers came. */
        private static final class SessionOf<Q, A>
                extends io.grpc.ForwardingClientCall.SimpleForwardingClientCall<Q, A> {
            private final java.util.concurrent.atomic.AtomicReference<javax.net.ssl.SSLSession> session;

            SessionOf(io.grpc.ClientCall<Q, A> call,
                      java.util.concurrent.atomic.AtomicReference<javax.net.ssl.SSLSession> session) {
                super(call);
                this.session = session;
            }

            @Override
            public void start(Listener<A> listener, io.grpc.Metadata headers) {
                super.start(new io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener<A>(listener) {
                    @Override
                    public void onHeaders(io.grpc.Metadata h) {
                        javax.net.ssl.SSLSession s = getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_SSL_SESSION);
                        if (s != null) {
                            session.set(s);
                        }
                        super.onHeaders(h);
                    }
                }, headers);
            }
        }
    }
}
