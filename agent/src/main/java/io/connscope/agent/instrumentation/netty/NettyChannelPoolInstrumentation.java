package io.connscope.agent.instrumentation.netty;

import io.connscope.agent.instrumentation.Relocated;
import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Netty's channel pool, {@code io.netty.channel.pool.SimpleChannelPool} (and {@code FixedChannelPool}, which
 * extends it), checked on 4.1.50 and 4.1.140 (and 4.2.0, where the class is the same); only instrumented where the
 * application has it. Its connections are named {@code Netty}: the pool has no name of its own.
 * <ul>
 *   <li>{@code notifyConnect(ChannelFuture, Promise)}: a new channel, handed out (in use);</li>
 *   <li>{@code notifyHealthCheck(Future, Channel, Promise)}: a pooled channel, checked and handed out (or closed if
 *       unhealthy: the peer had closed it, so that close is the peer's);</li>
 *   <li>{@code offerChannel(Channel)} returning true: the channel sits idle in the pool;</li>
 *   <li>{@code releaseAndOffer(Channel, Promise)}: the only close in it is of a channel the pool had no room for
 *       ({@code pool_full}). The release runs on the channel's event loop, and so does that close.</li>
 * </ul>
 * The channel is an {@code Object} here and the agent finds its socket ({@code JdkSocketInspector}): advice never
 * names a Netty type, so nothing of Netty is loaded on its account.
 */
public final class NettyChannelPoolInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "netty-pool";
    }

    @Override
    public List<String> typeNames() {
        return List.of("io.netty.channel.pool.SimpleChannelPool");
    }

    /** A relocated copy of the pool too: its channels are found the same way (NettyObjects matches relocated names). */
    @Override
    public List<String> typeNameSuffixes() {
        return List.of(Relocated.suffix("io.netty.channel.pool.SimpleChannelPool"));
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("notifyConnect").and(takesArguments(2)), self + "$ConnectedAdvice")
                .advice(named("notifyHealthCheck").and(takesArguments(3)), self + "$CheckedAdvice")
                .advice(named("offerChannel").and(takesArguments(1)), self + "$OfferAdvice")
                .advice(named("releaseAndOffer").and(takesArguments(2)), self + "$ReleaseAdvice");
    }

    public static final class ConnectedAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.Argument(0) Object channelFuture) {
            SocketEvents.pooled(channelFuture, "Netty", false);
        }
    }

    public static final class CheckedAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.Argument(1) Object channel) {
            SocketEvents.pooled(channel, "Netty", false);
        }
    }

    public static final class OfferAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Argument(0) Object channel, @Advice.Return boolean offered) {
            if (offered) {
                SocketEvents.pooled(channel, "Netty", true);
            }
        }
    }

    public static final class ReleaseAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter() {
            SocketEvents.scope(null, "pool_full");
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit() {
            SocketEvents.scopeEnd();
        }
    }
}
