package io.connscope.it.driver.clients;

import io.connscope.it.driver.KeepAliveServer;
import io.connscope.it.driver.Watchdog;
import io.netty.channel.Channel;
import io.netty.channel.pool.SimpleChannelPool;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Netty channel pool that keeps at most one idle channel, as applications bound a {@link SimpleChannelPool} by
 * overriding {@code offerChannel}: two GETs at once (two channels); when both come back, the pool keeps the first
 * and closes the second (it is full); closing the pool closes the kept one. Prints {@code RESULT scenario=pool-full
 * ...} once the server has seen both end.
 */
public final class NettyPoolFullDriver {

    private NettyPoolFullDriver() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        CountDownLatch release = new CountDownLatch(1);
        try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", release)) {
            String url = "http://127.0.0.1:" + server.port() + "/";
            try (NettyPooledHttp client = new NettyPooledHttp(null, (bootstrap, handler) -> new OneIdlePool(bootstrap, handler))) {
                List<CompletableFuture<Void>> calls = List.of(client.get(url), client.get(url));
                server.awaitConnections(2);
                release.countDown();
                for (CompletableFuture<Void> call : calls) {
                    call.get(20, TimeUnit.SECONDS);
                }
                server.awaitClosed(1);
            }
            server.awaitClosed(2);
            System.out.println("RESULT scenario=pool-full server_port=" + server.port() + " connections="
                    + server.connections() + " requests=" + server.requests() + " closed=" + server.closed());
        }
        System.out.println("DONE");
    }

    /** Holds at most one idle channel: another one given back is refused, and the pool closes it. */
    static final class OneIdlePool extends SimpleChannelPool {
        private final AtomicInteger idle = new AtomicInteger();

        OneIdlePool(io.netty.bootstrap.Bootstrap bootstrap, io.netty.channel.pool.ChannelPoolHandler handler) {
            super(bootstrap, handler);
        }

        @Override
        protected boolean offerChannel(Channel channel) {
            if (idle.get() >= 1) {
                return false;
            }
            idle.incrementAndGet();
            return super.offerChannel(channel);
        }

        @Override
        protected Channel pollChannel() {
            Channel channel = super.pollChannel();
            if (channel != null) {
                idle.decrementAndGet();
            }
            return channel;
        }
    }
}
