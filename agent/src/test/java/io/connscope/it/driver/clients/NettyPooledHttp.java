package io.connscope.it.driver.clients;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelPool;
import io.netty.channel.pool.ChannelPoolHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.AttributeKey;

import javax.net.ssl.X509TrustManager;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * A small HTTP/1.1 client on a Netty channel pool, as applications write one: the pool's handler sets up each new
 * channel (on NIO, or on epoll with {@code -Dconnscope.test.netty.transport=epoll}; TLS through the JDK's SSLEngine, the HTTP codec, a handler that completes the request waiting on the
 * channel); a GET acquires a channel, writes the request, reads the whole response, closes the channel when the
 * response said {@code Connection: close}, and releases it. A GET completes once the release has.
 */
public final class NettyPooledHttp implements ClientScenarios.Client {

    private static final AttributeKey<CompletableFuture<Boolean>> RESPONSE = AttributeKey.valueOf("connscope.response");

    /** Makes the pool from the bootstrap and the handler that sets up its channels. */
    public interface PoolFactory extends BiFunction<Bootstrap, ChannelPoolHandler, ChannelPool> {
    }

    /** System property: {@code epoll} runs the client on Netty's native epoll transport instead of NIO. */
    public static final String TRANSPORT = "connscope.test.netty.transport";

    private final EventLoopGroup group;
    private final Class<? extends Channel> channelType;
    private final SslContext tls;
    private final PoolFactory poolFactory;
    private volatile ChannelPool pool;
    private String hostHeader;

    public NettyPooledHttp(X509TrustManager trust, PoolFactory poolFactory) throws Exception {
        this.tls = trust == null ? null
                : SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(trust).build();
        this.poolFactory = poolFactory;
        java.util.concurrent.ThreadFactory threads = r -> {
            Thread t = new Thread(r, "netty-client");
            t.setDaemon(true);
            return t;
        };
        if ("epoll".equals(System.getProperty(TRANSPORT))) {
            // By name: the drivers compile without the epoll classes, which only some test class paths have.
            Class.forName("io.netty.channel.epoll.Epoll").getMethod("ensureAvailability").invoke(null);
            this.group = (EventLoopGroup) Class.forName("io.netty.channel.epoll.EpollEventLoopGroup")
                    .getConstructor(int.class, java.util.concurrent.ThreadFactory.class).newInstance(2, threads);
            this.channelType = Class.forName("io.netty.channel.epoll.EpollSocketChannel").asSubclass(Channel.class);
        } else {
            this.group = new NioEventLoopGroup(2, threads);
            this.channelType = NioSocketChannel.class;
        }
    }

    /** One server per scenario: the pool is made for the first URL's host and port. */
    private synchronized ChannelPool pool(URI uri) {
        if (pool == null) {
            hostHeader = uri.getHost() + ":" + uri.getPort();
            Bootstrap bootstrap = new Bootstrap().group(group).channel(channelType)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    .remoteAddress(uri.getHost(), uri.getPort());
            pool = poolFactory.apply(bootstrap, new AbstractChannelPoolHandler() {
                @Override
                public void channelCreated(Channel ch) {
                    if (tls != null) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc(), uri.getHost(), uri.getPort()));
                    }
                    ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16), new ResponseHandler());
                }
            });
        }
        return pool;
    }

    @Override
    public CompletableFuture<Void> get(String url) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        ChannelPool p = pool(URI.create(url));
        p.acquire().addListener(acquired -> {
            if (!acquired.isSuccess()) {
                done.completeExceptionally(acquired.cause());
                return;
            }
            Channel ch = (Channel) acquired.getNow();
            CompletableFuture<Boolean> response = new CompletableFuture<>();
            ch.attr(RESPONSE).set(response);
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
            request.headers().set(HttpHeaderNames.HOST, hostHeader);
            ch.writeAndFlush(request).addListener(written -> {
                if (!written.isSuccess()) {
                    response.completeExceptionally(written.cause());
                }
            });
            response.whenComplete((keepAlive, error) -> {
                if (error != null || !keepAlive) {
                    ch.close();
                }
                p.release(ch).addListener(released -> {
                    if (error != null) {
                        done.completeExceptionally(error);
                    } else {
                        done.complete(null);
                    }
                });
            });
        });
        return done;
    }

    @Override
    public void close() throws Exception {
        ChannelPool p = pool;
        if (p != null) {
            p.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }

    /** Completes the request waiting on the channel: true when the connection may be kept. */
    private static final class ResponseHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            CompletableFuture<Boolean> waiting = ctx.channel().attr(RESPONSE).getAndSet(null);
            if (waiting != null) {
                waiting.complete(HttpUtil.isKeepAlive(response));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            CompletableFuture<Boolean> waiting = ctx.channel().attr(RESPONSE).getAndSet(null);
            if (waiting != null) {
                waiting.completeExceptionally(new IllegalStateException("connection closed before the response"));
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            CompletableFuture<Boolean> waiting = ctx.channel().attr(RESPONSE).getAndSet(null);
            if (waiting != null) {
                waiting.completeExceptionally(cause);
            }
            ctx.close();
        }
    }
}
