package io.connscope.it.driver.clients;

import io.connscope.it.driver.Watchdog;
import org.apache.hbase.thirdparty.io.netty.bootstrap.Bootstrap;
import org.apache.hbase.thirdparty.io.netty.bootstrap.ServerBootstrap;
import org.apache.hbase.thirdparty.io.netty.buffer.ByteBuf;
import org.apache.hbase.thirdparty.io.netty.buffer.Unpooled;
import org.apache.hbase.thirdparty.io.netty.channel.Channel;
import org.apache.hbase.thirdparty.io.netty.channel.ChannelDuplexHandler;
import org.apache.hbase.thirdparty.io.netty.channel.ChannelFutureListener;
import org.apache.hbase.thirdparty.io.netty.channel.ChannelHandlerContext;
import org.apache.hbase.thirdparty.io.netty.channel.ChannelInitializer;
import org.apache.hbase.thirdparty.io.netty.channel.ChannelPromise;
import org.apache.hbase.thirdparty.io.netty.channel.EventLoopGroup;
import org.apache.hbase.thirdparty.io.netty.channel.ServerChannel;
import org.apache.hbase.thirdparty.io.netty.channel.SimpleChannelInboundHandler;
import org.apache.hbase.thirdparty.io.netty.channel.epoll.Epoll;
import org.apache.hbase.thirdparty.io.netty.channel.epoll.EpollEventLoopGroup;
import org.apache.hbase.thirdparty.io.netty.channel.epoll.EpollServerSocketChannel;
import org.apache.hbase.thirdparty.io.netty.channel.epoll.EpollSocketChannel;
import org.apache.hbase.thirdparty.io.netty.channel.nio.NioEventLoopGroup;
import org.apache.hbase.thirdparty.io.netty.channel.socket.nio.NioServerSocketChannel;
import org.apache.hbase.thirdparty.io.netty.channel.socket.nio.NioSocketChannel;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.DefaultFullHttpRequest;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.DefaultFullHttpResponse;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.FullHttpRequest;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.FullHttpResponse;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.HttpClientCodec;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.HttpHeaderNames;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.HttpHeaderValues;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.HttpMethod;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.HttpObjectAggregator;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.HttpResponseStatus;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.HttpServerCodec;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.HttpUtil;
import org.apache.hbase.thirdparty.io.netty.handler.codec.http.HttpVersion;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Netty relocated by another shader than gRPC: Apache HBase's {@code hbase-shaded-netty}, Netty 4.1 as
 * {@code org.apache.hbase.thirdparty.io.netty}, with its own renamed native epoll library. A server and a client of
 * that copy in this JVM, on 127.0.0.1, {@code main(epoll|nio)}: {@link #CONNECTIONS} connections one after another,
 * {@link #REQUESTS} HTTP/1.1 requests on each (the relocated codec-http at both ends). The client closes every
 * connection but the last, whose last request says {@code Connection: close} and which the server closes.
 * <p>
 * Each side counts for itself, at the head of its pipeline (so the bytes on the wire, before any codec): bytes read,
 * bytes whose write completed, requests made and answered or served, and the channel class and the remote port it
 * saw. Prints {@code RESULT mode=MODE ...} (what ran: epoll's availability, the event loops on the threads) and one
 * {@code RESULT conn=N ...} line per connection.
 */
public final class RelocatedNettyDriver {

    public static final String PREFIX = "org.apache.hbase.thirdparty.";
    public static final int CONNECTIONS = 3;
    public static final int REQUESTS = 4;
    static final String BODY = "Hello there!";

    private RelocatedNettyDriver() {
    }

    /** A side's own count of one connection's bytes, at the head of its pipeline. */
    static final class WireCount extends ChannelDuplexHandler {
        final AtomicLong read = new AtomicLong();
        final AtomicLong written = new AtomicLong();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf) {
                read.addAndGet(((ByteBuf) msg).readableBytes());
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (!(msg instanceof ByteBuf)) {
                throw new IllegalStateException("not bytes at the head of the pipeline: " + msg.getClass());
            }
            int n = ((ByteBuf) msg).readableBytes();
            ChannelPromise p = promise.unvoid();
            p.addListener(f -> {
                if (f.isSuccess()) {
                    written.addAndGet(n);
                }
            });
            ctx.write(msg, p);
        }
    }

    /** What the server saw of one accepted connection. */
    static final class Accepted {
        final WireCount wire = new WireCount();
        final AtomicInteger served = new AtomicInteger();
        final CountDownLatch closed = new CountDownLatch(1);
        volatile String channelClass;
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        String mode = args[0];
        boolean epoll = mode.equals("epoll");
        if (!epoll && !mode.equals("nio")) {
            throw new IllegalArgumentException("mode: epoll or nio, not " + mode);
        }
        System.out.println("RESULT mode=" + mode + " epoll_available=" + Epoll.isAvailable()
                + " epoll_unavailability=" + (Epoll.isAvailable() ? "none" : String.valueOf(Epoll.unavailabilityCause())
                .replace(' ', '_')));
        EventLoopGroup group = epoll ? new EpollEventLoopGroup(2) : new NioEventLoopGroup(2);
        Class<? extends ServerChannel> serverType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Class<? extends Channel> clientType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        Map<Integer, Accepted> accepted = new ConcurrentHashMap<>();
        String loops;
        try {
            Channel listener = new ServerBootstrap().group(group).channel(serverType)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            Accepted a = new Accepted();
                            a.channelClass = ch.getClass().getName();
                            accepted.put(((InetSocketAddress) ch.remoteAddress()).getPort(), a);
                            ch.closeFuture().addListener(f -> a.closed.countDown());
                            ch.pipeline().addLast(a.wire, new HttpServerCodec(), new HttpObjectAggregator(4096),
                                    new SimpleChannelInboundHandler<FullHttpRequest>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                                            a.served.incrementAndGet();
                                            boolean keepAlive = HttpUtil.isKeepAlive(request);
                                            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                    HttpResponseStatus.OK,
                                                    Unpooled.copiedBuffer(BODY, StandardCharsets.US_ASCII));
                                            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, BODY.length());
                                            if (!keepAlive) {
                                                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                                            }
                                            ctx.writeAndFlush(r).addListener(keepAlive
                                                    ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
                                        }
                                    });
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int serverPort = ((InetSocketAddress) listener.localAddress()).getPort();
            String[] lines = new String[CONNECTIONS];
            String seenLoops = "none";
            for (int c = 0; c < CONNECTIONS; c++) {
                boolean serverCloses = c == CONNECTIONS - 1;
                WireCount wire = new WireCount();
                BlockingQueue<String> responses = new ArrayBlockingQueue<>(REQUESTS);
                Channel client = new Bootstrap().group(group).channel(clientType)
                        .handler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                ch.pipeline().addLast(wire, new HttpClientCodec(), new HttpObjectAggregator(4096),
                                        new SimpleChannelInboundHandler<FullHttpResponse>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                                responses.add(r.status().code() + ":"
                                                        + r.content().toString(StandardCharsets.US_ASCII));
                                            }
                                        });
                            }
                        })
                        .connect(new InetSocketAddress("127.0.0.1", serverPort)).sync().channel();
                int clientPort = ((InetSocketAddress) client.localAddress()).getPort();
                int made = 0;
                int answered = 0;
                for (int i = 0; i < REQUESTS; i++) {
                    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                            "/conn" + c + "/req" + i, Unpooled.EMPTY_BUFFER);
                    request.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + serverPort);
                    if (serverCloses && i == REQUESTS - 1) {
                        request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    }
                    client.writeAndFlush(request).sync();
                    made++;
                    String response = responses.poll(10, TimeUnit.SECONDS);
                    if (!("200:" + BODY).equals(response)) {
                        throw new AssertionError("connection " + c + " request " + i + ": unexpected response " + response);
                    }
                    answered++;
                }
                if (c == 0) {
                    seenLoops = eventLoops();
                }
                if (!serverCloses) {
                    client.close().sync();
                }
                if (!client.closeFuture().await(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("connection " + c + ": the server did not close it");
                }
                Accepted a = accepted.get(clientPort);
                if (a == null) {
                    throw new AssertionError("the server saw no connection from port " + clientPort + ": " + accepted.keySet());
                }
                if (!a.closed.await(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("connection " + c + ": the server's side did not close");
                }
                lines[c] = "RESULT conn=" + c + " closer=" + (serverCloses ? "server" : "client")
                        + " client_port=" + clientPort + " server_port=" + serverPort
                        + " requests_made=" + made + " responses=" + answered + " requests_served=" + a.served.get()
                        + " client_sent=" + wire.written.get() + " client_received=" + wire.read.get()
                        + " server_received=" + a.wire.read.get() + " server_sent=" + a.wire.written.get()
                        + " client_channel=" + client.getClass().getName() + " server_channel=" + a.channelClass;
            }
            loops = seenLoops;
            listener.close().sync();
            System.out.println("RESULT mode=" + mode + " event_loops=" + loops + " server_port=" + serverPort
                    + " connections_accepted=" + accepted.size() + " client_ports="
                    + new TreeSet<>(accepted.keySet()).toString().replace(" ", ""));
            for (String line : lines) {
                System.out.println(line);
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        System.out.println("DONE");
    }

    /**
     * The kinds of the relocated Netty's event loop running on some thread now ({@code Epoll}, {@code Nio}, both as
     * "Epoll+Nio"); a Netty event loop of any other package counts as "other".
     */
    private static String eventLoops() {
        Set<String> kinds = new TreeSet<>();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            for (StackTraceElement frame : e.getValue()) {
                String c = frame.getClassName();
                if (c.equals(PREFIX + "io.netty.channel.epoll.EpollEventLoop")) {
                    kinds.add("Epoll");
                } else if (c.equals(PREFIX + "io.netty.channel.nio.NioEventLoop")) {
                    kinds.add("Nio");
                } else if (c.endsWith(".channel.epoll.EpollEventLoop") || c.endsWith(".channel.nio.NioEventLoop")) {
                    kinds.add("other");
                }
            }
        }
        return kinds.isEmpty() ? "none" : String.join("+", kinds);
    }
}
