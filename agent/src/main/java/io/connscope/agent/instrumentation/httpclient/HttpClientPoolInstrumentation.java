package io.connscope.agent.instrumentation.httpclient;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.agent.instrumentation.pool.PoolAdvice;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * The JDK {@code java.net.http.HttpClient}'s HTTP/1.1 pool, {@code jdk.internal.net.http.ConnectionPool}
 * (JDK 17 and 25 alike):
 * <ul>
 *   <li>{@code PlainHttpConnection.connectAsync(Exchange)} opens a connection (also under TLS connections);</li>
 *   <li>{@code returnToPool(HttpConnection, time, keepAlive)} takes one back, closing the oldest idle one when the
 *       pool holds {@code jdk.httpclient.connectionPoolSize} already: {@code pool_full};</li>
 *   <li>{@code getConnection(boolean, InetSocketAddress, InetSocketAddress)} hands an idle one out;</li>
 *   <li>{@code purgeExpiredConnectionsAndReturnNextDeadline(time)} closes those idle longer than
 *       {@code jdk.httpclient.keepalive.timeout}: {@code pool_idle_timeout}.</li>
 * </ul>
 */
public final class HttpClientPoolInstrumentation implements SocketInstrumentation {

    private static final String POOL = "jdk.internal.net.http.ConnectionPool";
    private static final String PLAIN = "jdk.internal.net.http.PlainHttpConnection";

    @Override
    public String name() {
        return "http-client";
    }

    @Override
    public List<String> typeNames() {
        return List.of(POOL, PLAIN);
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(isDeclaredBy(named(PLAIN)).and(named("connectAsync")).and(takesArguments(1)), self + "$ConnectAdvice")
                .advice(isDeclaredBy(named(POOL)).and(named("returnToPool")).and(takesArguments(3)), self + "$ReturnAdvice")
                .advice(isDeclaredBy(named(POOL)).and(named("getConnection")).and(takesArguments(3)), PoolAdvice.HandOut.class.getName())
                .advice(isDeclaredBy(named(POOL)).and(named("purgeExpiredConnectionsAndReturnNextDeadline"))
                        .and(takesArguments(1)), PoolAdvice.IdleSweep.class.getName());
    }

    public static final class ConnectAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter() {
            SocketEvents.scope("HttpClient", null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit() {
            SocketEvents.scopeEnd();
        }
    }

    public static final class ReturnAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.Argument(0) Object connection) {
            SocketEvents.pooled(connection, null, true);
            SocketEvents.scope(null, "pool_full");
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit() {
            SocketEvents.scopeEnd();
        }
    }
}
