package io.connscope.agent.instrumentation.httpurlconnection;

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
 * {@code HttpURLConnection}'s pool, {@code sun.net.www.http.KeepAliveCache} (JDK 17 and 25 alike):
 * <ul>
 *   <li>{@code HttpClient.openServer()} opens a connection for the pool: its connections are the pool's;</li>
 *   <li>{@code put(URL, Object, HttpClient)} takes a connection back; when the cache already holds
 *       {@code http.maxConnections} (5) idle ones for the destination it closes the oldest: {@code pool_full};</li>
 *   <li>{@code get(URL, Object)} hands an idle connection out again;</li>
 *   <li>{@code run()} is the Keep-Alive-Timer thread, which closes connections idle longer than the server's
 *       {@code Keep-Alive: timeout} (5 s without one): {@code pool_idle_timeout}.</li>
 * </ul>
 */
public final class KeepAliveCacheInstrumentation implements SocketInstrumentation {

    private static final String CACHE = "sun.net.www.http.KeepAliveCache";
    private static final String CLIENT = "sun.net.www.http.HttpClient";

    @Override
    public String name() {
        return "http-url-connection";
    }

    @Override
    public List<String> typeNames() {
        return List.of(CACHE, CLIENT);
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(isDeclaredBy(named(CLIENT)).and(named("openServer")).and(takesArguments(0)), self + "$OpenServerAdvice")
                .advice(isDeclaredBy(named(CACHE)).and(named("put")).and(takesArguments(3)), self + "$PutAdvice")
                .advice(isDeclaredBy(named(CACHE)).and(named("get")).and(takesArguments(2)), PoolAdvice.HandOut.class.getName())
                .advice(isDeclaredBy(named(CACHE)).and(named("run")).and(takesArguments(0)), PoolAdvice.IdleSweep.class.getName());
    }

    public static final class OpenServerAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter() {
            SocketEvents.scope("HttpURLConnection", null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit() {
            SocketEvents.scopeEnd();
        }
    }

    public static final class PutAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.Argument(2) Object client) {
            SocketEvents.pooled(client, null, true);
            SocketEvents.scope(null, "pool_full");
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit() {
            SocketEvents.scopeEnd();
        }
    }
}
