package io.connscope.agent.instrumentation.reactornetty;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Reactor Netty's connection pool ({@code ConnectionProvider.builder(name)...build()}, and the default one of
 * {@code HttpClient.create()}, named {@code http}): {@code reactor.netty.resources.DefaultPooledConnectionProvider}
 * over reactor-pool, which Reactor Netty shades ({@code reactor.netty.internal.shaded.reactor.pool}). Checked on
 * 1.0.0 and 1.3.8; only instrumented where the application has them.
 * <ul>
 *   <li>{@code DefaultPooledConnectionProvider.createPool(...)}: one pool per provider and remote address; its
 *       connections are named {@code Reactor Netty (NAME)} after the provider, and its {@code PoolFactory} has the
 *       limits ({@code maxIdleTime}, {@code maxLifeTime});</li>
 *   <li>{@code DefaultPooledConnectionProvider$DisposableAcquire.run()}: a connection handed out (in use);</li>
 *   <li>{@code SimpleDequePool.recycleSlot(ref)}: a released connection back in the pool, idle;</li>
 *   <li>{@code AbstractPool.destroyPoolable(ref)}: the pool closes a connection: idle beyond {@code maxIdleTime}
 *       ({@code pool_idle_timeout}), older than {@code maxLifeTime} ({@code pool_max_lifetime}), or another reason
 *       (disposal, invalidation) that the connection's own close explains. The close runs later on the
 *       connection's event loop, so the reason is noted on the connection now.</li>
 * </ul>
 * Connections Reactor Netty closes because a response said {@code Connection: close} are closed by the channel, not
 * the pool; their reason comes from the headers.
 */
public final class ReactorNettyPoolInstrumentation implements SocketInstrumentation {

    private static final String PROVIDER = "reactor.netty.resources.DefaultPooledConnectionProvider";
    private static final String ACQUIRE = PROVIDER + "$DisposableAcquire";
    private static final String POOL = "reactor.netty.internal.shaded.reactor.pool.SimpleDequePool";
    private static final String ABSTRACT_POOL = "reactor.netty.internal.shaded.reactor.pool.AbstractPool";

    @Override
    public String name() {
        return "reactor-netty-pool";
    }

    @Override
    public List<String> typeNames() {
        return List.of(PROVIDER, ACQUIRE, POOL, ABSTRACT_POOL);
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                // 1.0.x: createPool(TransportConfig, PoolFactory, SocketAddress, AddressResolverGroup);
                // 1.1+ also createPool(String id, TransportConfig, PoolFactory, ...) with 5 or 6 arguments.
                .advice(named("createPool").and(takesArguments(4)).and(isDeclaredBy(named(PROVIDER))),
                        self + "$CreatePoolAdvice")
                .advice(named("createPool").and(takesArguments(5).or(takesArguments(6))).and(isDeclaredBy(named(PROVIDER))),
                        self + "$CreatePoolWithIdAdvice")
                .advice(named("run").and(takesArguments(0)).and(isDeclaredBy(named(ACQUIRE))), self + "$AcquiredAdvice")
                .advice(named("recycleSlot").and(takesArguments(1)).and(isDeclaredBy(named(POOL))), self + "$RecycleAdvice")
                .advice(named("destroyPoolable").and(takesArguments(1)).and(isDeclaredBy(named(ABSTRACT_POOL))),
                        self + "$DestroyAdvice");
    }

    public static final class CreatePoolAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("name") String provider, @Advice.Argument(1) Object poolFactory,
                                @Advice.Return Object pool) {
            SocketEvents.poolCreated(pool, "Reactor Netty (".concat(String.valueOf(provider)).concat(")"), poolFactory);
        }
    }

    public static final class CreatePoolWithIdAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("name") String provider, @Advice.Argument(2) Object poolFactory,
                                @Advice.Return Object pool) {
            SocketEvents.poolCreated(pool, "Reactor Netty (".concat(String.valueOf(provider)).concat(")"), poolFactory);
        }
    }

    public static final class AcquiredAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("pooledRef") Object ref, @Advice.FieldValue("pool") Object pool) {
            SocketEvents.pooledIn(ref, pool, false);
        }
    }

    public static final class RecycleAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.This Object pool, @Advice.Argument(0) Object ref) {
            SocketEvents.pooledIn(ref, pool, true);
        }
    }

    public static final class DestroyAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.This Object pool, @Advice.Argument(0) Object ref) {
            SocketEvents.poolDestroying(pool, ref);
        }
    }
}
