package io.connscope.it.driver.clients;

import io.connscope.it.driver.Watchdog;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollChannelOption;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;

import java.io.File;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * gRPC on grpc-netty-shaded (its own relocated Netty), server and client in this JVM, one channel per run, no
 * protobuf: byte[] messages and a hand-made service. {@code main(mode[, certDir])}:
 * <ul>
 *   <li>{@code epoll}: the default transport (the shaded native epoll on Linux), plaintext;</li>
 *   <li>{@code nio}: the shaded NIO transport, chosen explicitly;</li>
 *   <li>{@code openssl} / {@code jdk-tls}: the default transport with TLS, by the bundled BoringSSL / the JDK's
 *       {@code SSLEngine}; {@code certDir} holds {@code cert.pem} and {@code key.pem} for 127.0.0.1;</li>
 *   <li>{@code http1-openssl}: no gRPC, a shaded-Netty HTTP/1.1 server on epoll with TLS by the bundled BoringSSL,
 *       and the JDK {@code HttpClient} sending it requests on one connection, each side counting them;</li>
 *   <li>{@code keepalive}: no gRPC, a plain shaded-Netty epoll connection whose keep-alive options are set through
 *       {@code EpollChannelOption} (JNI), each side's values read back from its socket.</li>
 * </ul>
 * Prints {@code RESULT scenario=MODE k=v ...}: what each side counted (calls made and served, connections the
 * server saw), the ports, and what ran (channel type, event loops, TLS engine). Every call is one HTTP/2 stream.
 */
public final class GrpcShadedDriver {

    public static final int UNARY_CALLS = GrpcEcho.UNARY_CALLS;
    static final int STREAM_MESSAGES = GrpcEcho.STREAM_MESSAGES;
    static final MethodDescriptor<byte[], byte[]> UNARY = GrpcEcho.UNARY;
    static final MethodDescriptor<byte[], byte[]> STREAM = GrpcEcho.STREAM;

    private GrpcShadedDriver() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        String mode = args[0];
        System.out.println("RESULT scenario=" + mode + " epoll_available=" + Epoll.isAvailable()
                + " openssl_available=" + OpenSsl.isAvailable());
        if (mode.equals("keepalive")) {
            keepAlive();
        } else if (mode.equals("http1-openssl")) {
            http1OverOpenSsl(new File(args[1]));
        } else {
            grpc(mode, args.length > 1 ? new File(args[1]) : null);
        }
        System.out.println("DONE");
    }

    private static void grpc(String mode, File certDir) throws Exception {
        GrpcEcho.Counts counts = new GrpcEcho.Counts();

        NettyServerBuilder serverBuilder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(GrpcEcho.service(counts));
        NioEventLoopGroup nio = null;
        if (mode.equals("nio")) {
            nio = new NioEventLoopGroup(2);
            serverBuilder.channelType(NioServerSocketChannel.class).bossEventLoopGroup(nio).workerEventLoopGroup(nio);
        }
        SslContext clientTls = null;
        if (certDir != null) {
            File cert = new File(certDir, "cert.pem");
            File key = new File(certDir, "key.pem");
            SslProvider provider = mode.equals("openssl") ? SslProvider.OPENSSL : SslProvider.JDK;
            SslContext serverTls = GrpcSslContexts.configure(GrpcSslContexts.forServer(cert, key), provider).build();
            clientTls = GrpcSslContexts.configure(GrpcSslContexts.forClient().trustManager(cert), provider).build();
            serverBuilder.sslContext(serverTls);
            System.out.println("RESULT scenario=" + mode + " server_tls=" + serverTls.getClass().getSimpleName()
                    + " client_tls=" + clientTls.getClass().getSimpleName()
                    + " client_engine=" + clientTls.newEngine(io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator.DEFAULT)
                    .getClass().getSimpleName());
        }
        Server server = serverBuilder.build().start();
        int serverPort = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();

        NettyChannelBuilder channelBuilder = NettyChannelBuilder.forAddress("127.0.0.1", serverPort);
        if (nio != null) {
            channelBuilder.channelType(NioSocketChannel.class).eventLoopGroup(nio);
        }
        if (clientTls != null) {
            channelBuilder.sslContext(clientTls);
        } else {
            channelBuilder.usePlaintext();
        }
        ManagedChannel channel = channelBuilder.build();

        int made = 0;
        int messagesReceived = 0;
        for (int i = 0; i < UNARY_CALLS; i++) {
            byte[] reply = ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                    ("unary " + i).getBytes(StandardCharsets.UTF_8));
            made++;
            if (!new String(reply, StandardCharsets.UTF_8).equals("unary " + i)) {
                throw new AssertionError("wrong echo: " + new String(reply, StandardCharsets.UTF_8));
            }
        }
        CountDownLatch finished = new CountDownLatch(1);
        AtomicInteger streamed = new AtomicInteger();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(STREAM, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
                new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        streamed.incrementAndGet();
                    }

                    @Override
                    public void onError(Throwable t) {
                        failed.set(t);
                        finished.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        finished.countDown();
                    }
                });
        made++;
        for (int i = 0; i < STREAM_MESSAGES; i++) {
            requests.onNext(("stream " + i).getBytes(StandardCharsets.UTF_8));
        }
        requests.onCompleted();
        if (!finished.await(10, TimeUnit.SECONDS) || failed.get() != null) {
            throw new AssertionError("the streaming call did not complete", failed.get());
        }
        messagesReceived = streamed.get();

        // What ran: the event loops on the stack of this JVM's threads right now (the channel's and the server's).
        String loops = eventLoops();
        // The client closes first: the channel ends its connection, then the server stops.
        channel.shutdown();
        if (!channel.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the channel did not terminate");
        }
        Thread.sleep(300);
        server.shutdown();
        if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the server did not terminate");
        }
        if (nio != null) {
            nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        String ports;
        synchronized (counts.clientPorts) {
            ports = counts.clientPorts.toString().replace(" ", "");
        }
        System.out.println("RESULT scenario=" + mode + " default_client_channel=" + defaultClientChannel()
                + " event_loops=" + loops + " ssl_session=" + counts.session.get());
        System.out.println("RESULT scenario=" + mode + " server_port=" + serverPort + " client_ports=" + ports
                + " calls_made=" + made + " calls_served=" + counts.calls.get()
                + " stream_messages_sent=" + STREAM_MESSAGES + " stream_messages_served=" + counts.messages.get()
                + " stream_messages_received=" + messagesReceived);
    }

    /** {@code Utils.DEFAULT_CLIENT_CHANNEL_TYPE}: the channel class a builder with no channel type uses. */
    private static String defaultClientChannel() {
        try {
            java.lang.reflect.Field f = Class.forName("io.grpc.netty.shaded.io.grpc.netty.Utils")
                    .getDeclaredField("DEFAULT_CLIENT_CHANNEL_TYPE");
            f.setAccessible(true);
            return ((Class<?>) f.get(null)).getSimpleName();
        } catch (ReflectiveOperationException e) {
            return "unknown(" + e + ")";
        }
    }

    /** The kinds of Netty event loop running on some thread now: {@code Epoll}, {@code Nio}, or both ("Epoll+Nio"). */
    private static String eventLoops() {
        Set<String> kinds = new TreeSet<>();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            for (StackTraceElement frame : e.getValue()) {
                // Netty 4.1's EpollEventLoop and NioEventLoop; Netty 4.2's (gRPC 1.8x) IoHandlers under a
                // SingleThreadIoEventLoop.
                String c = frame.getClassName();
                if (c.endsWith(".channel.epoll.EpollEventLoop") || c.endsWith(".channel.epoll.EpollIoHandler")) {
                    kinds.add("Epoll");
                } else if (c.endsWith(".channel.nio.NioEventLoop") || c.endsWith(".channel.nio.NioIoHandler")) {
                    kinds.add("Nio");
                }
            }
        }
        return kinds.isEmpty() ? "none" : String.join("+", kinds);
    }

    /**
     * One epoll connection: the client sets only TCP_KEEPIDLE, to the OS default (so only seeing the set can make it
     * the application's), the server's accepted socket SO_KEEPALIVE, TCP_KEEPIDLE 77, TCP_KEEPINTVL 7, TCP_KEEPCNT 4.
     * Five bytes there and back, each side's options read back from its socket, then the client closes.
     */
    private static void keepAlive() throws Exception {
        int osIdle = Integer.parseInt(Files.readAllLines(Paths.get("/proc/sys/net/ipv4/tcp_keepalive_time")).get(0).trim());
        EventLoopGroup group = new EpollEventLoopGroup(2);
        Map<String, Channel> accepted = new ConcurrentHashMap<>();
        CountDownLatch echoed = new CountDownLatch(1);
        try {
            Channel listener = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childOption(EpollChannelOption.TCP_KEEPIDLE, 77)
                    .childOption(EpollChannelOption.TCP_KEEPINTVL, 7)
                    .childOption(EpollChannelOption.TCP_KEEPCNT, 4)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.put("server", ch);
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ctx.writeAndFlush(msg);
                                }
                            });
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int serverPort = ((InetSocketAddress) listener.localAddress()).getPort();
            AtomicInteger received = new AtomicInteger();
            Channel client = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                    .option(EpollChannelOption.TCP_KEEPIDLE, osIdle)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf b = (ByteBuf) msg;
                            if (received.addAndGet(b.readableBytes()) >= 5) {
                                echoed.countDown();
                            }
                            b.release();
                        }
                    })
                    .connect(new InetSocketAddress("127.0.0.1", serverPort)).sync().channel();
            client.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII)).sync();
            if (!echoed.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("no echo");
            }
            Channel server = accepted.get("server");
            System.out.println("RESULT scenario=keepalive transport=" + client.getClass().getSimpleName()
                    + " server_port=" + serverPort + " client_ports=[" + ((InetSocketAddress) client.localAddress()).getPort() + "]"
                    + " os_idle=" + osIdle + " client_keepalive=" + options(client) + " server_keepalive=" + options(server)
                    + " bytes=" + received.get());
            client.close().sync();
            server.closeFuture().await(5, TimeUnit.SECONDS);
            listener.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /**
     * HTTP/1.1 inside Netty's OpenSSL engine: a shaded-Netty server (epoll, BoringSSL) answers 3 requests the JDK
     * HttpClient sends on one connection; the server counts the requests and the client ports it saw.
     */
    private static void http1OverOpenSsl(File certDir) throws Exception {
        SslContext tls = io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder
                .forServer(new File(certDir, "cert.pem"), new File(certDir, "key.pem")).sslProvider(SslProvider.OPENSSL).build();
        EventLoopGroup group = new EpollEventLoopGroup(2);
        AtomicInteger served = new AtomicInteger();
        Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
        AtomicReference<String> engine = new AtomicReference<>();
        try {
            Channel listener = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            clientPorts.add(((InetSocketAddress) ch.remoteAddress()).getPort());
                            io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler ssl = tls.newHandler(ch.alloc());
                            engine.set(ssl.engine().getClass().getSimpleName());
                            ch.pipeline().addLast(ssl, new io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec(),
                                    new io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator(4096),
                                    new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil.release(msg);
                                            served.incrementAndGet();
                                            io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse r =
                                                    new io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpResponse(
                                                            io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                                                            io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus.OK,
                                                            Unpooled.copiedBuffer("Hello there!", StandardCharsets.US_ASCII));
                                            r.headers().set("Content-Length", "12");
                                            ctx.writeAndFlush(r);
                                        }
                                    });
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int serverPort = ((InetSocketAddress) listener.localAddress()).getPort();
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(new File(certDir, "cert.pem").toPath())) {
                trust.setCertificateEntry("server", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().sslContext(context)
                    .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(java.time.Duration.ofSeconds(5)).build();
            int made = 0;
            for (int i = 0; i < 3; i++) {
                java.net.http.HttpResponse<String> response = client.send(java.net.http.HttpRequest
                        .newBuilder(java.net.URI.create("https://127.0.0.1:" + serverPort + "/" + i))
                        .timeout(java.time.Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200 || !response.body().equals("Hello there!")) {
                    throw new AssertionError("unexpected response " + response.statusCode() + " " + response.body());
                }
                made++;
            }
            System.out.println("RESULT scenario=http1-openssl server_engine=" + engine.get() + " server_port=" + serverPort
                    + " client_ports=" + new TreeSet<>(clientPorts).toString().replace(" ", "")
                    + " requests_made=" + made + " requests_served=" + served.get());
            listener.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /** {@code enabled,idle,interval,count} as the kernel has them (getsockopt through Netty's epoll config). */
    private static String options(Channel ch) {
        return ch.config().getOption(ChannelOption.SO_KEEPALIVE) + "," + ch.config().getOption(EpollChannelOption.TCP_KEEPIDLE)
                + "," + ch.config().getOption(EpollChannelOption.TCP_KEEPINTVL) + ","
                + ch.config().getOption(EpollChannelOption.TCP_KEEPCNT);
    }
}
