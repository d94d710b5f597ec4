package io.connscope.it.driver.clients;

import io.netty.channel.pool.FixedChannelPool;
import io.netty.channel.pool.SimpleChannelPool;

/**
 * Netty 4.1's channel pool through the {@link ClientScenarios}: a {@link FixedChannelPool} of at most
 * {@code maxPerRoute} channels, which queues acquires beyond it; HTTPS through the JDK's SSLEngine (Netty's
 * {@code SslHandler} with {@code SslProvider.JDK}).
 */
public final class NettyDriver {

    private NettyDriver() {
    }

    public static void main(String[] args) throws Exception {
        ClientScenarios.run(args, SimpleChannelPool.class, (maxPerRoute, tls, trust) ->
                new NettyPooledHttp(trust, (bootstrap, handler) -> new FixedChannelPool(bootstrap, handler, maxPerRoute)));
    }
}
