package io.connscope.agent.instrumentation.okhttp;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * OkHttp's pool, {@code okhttp3.internal.connection.RealConnectionPool}, checked on 4.9.0 and 5.4.0 (the class is
 * only instrumented where the application has it):
 * <ul>
 *   <li>{@code put(RealConnection)}: a new connection joins the pool, in use;</li>
 *   <li>{@code connectionBecameIdle(RealConnection)}: it sits idle in the pool;</li>
 *   <li>{@code cleanup(long)} (4.x) / {@code closeConnections(long)} (5.x): the sweep that closes connections idle
 *       for {@code keepAliveDurationNs} ({@code pool_idle_timeout}) or beyond {@code maxIdleConnections}
 *       ({@code pool_full}).</li>
 * </ul>
 * A {@code RealConnection}'s TCP socket is its {@code rawSocket} field in both versions.
 */
public final class OkHttpPoolInstrumentation implements SocketInstrumentation {

    /**
     * The application's pool class. Not a string literal: the agent jar relocates its own copy of OkHttp (the OTLP
     * exporters use it), and the shade plugin rewrites every literal that is or starts with the package name,
     * which would point this hook at connscope's copy instead of the application's. JarContentsIT checks it.
     */
    private static final String APPLICATION_POOL =
            String.join("", "ok", "http3", ".internal.connection.RealConnectionPool");

    @Override
    public String name() {
        return "okhttp";
    }

    @Override
    public List<String> typeNames() {
        return List.of(APPLICATION_POOL);
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("put").and(takesArguments(1)), self + "$PutAdvice")
                .advice(named("connectionBecameIdle").and(takesArguments(1)), self + "$IdleAdvice")
                .advice(namedOneOf("cleanup", "closeConnections").and(takesArguments(long.class)), self + "$SweepAdvice");
    }

    public static final class PutAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.Argument(0) Object connection) {
            SocketEvents.pooled(connection, "OkHttp", false);
        }
    }

    public static final class IdleAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.Argument(0) Object connection) {
            SocketEvents.pooled(connection, "OkHttp", true);
        }
    }

    public static final class SweepAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("keepAliveDurationNs") long keepAliveNanos) {
            SocketEvents.sweepScope(keepAliveNanos);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit() {
            SocketEvents.scopeEnd();
        }
    }
}
