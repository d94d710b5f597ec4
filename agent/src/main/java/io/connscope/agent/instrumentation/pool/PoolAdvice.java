package io.connscope.agent.instrumentation.pool;

import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

/**
 * Advice that client-pool instrumentations share: a pool's idle-connection sweep, and a pool handing a connection
 * out. Referenced by name, like all advice (see {@link io.connscope.agent.instrumentation.SocketInstrumentation}).
 */
public final class PoolAdvice {

    private PoolAdvice() {
    }

    /** A method that closes connections idle longer than the pool keeps them: its closes are {@code pool_idle_timeout}. */
    public static final class IdleSweep {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter() {
            SocketEvents.scope(null, "pool_idle_timeout");
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit() {
            SocketEvents.scopeEnd();
        }
    }

    /** A method that returns a pooled connection (or null) to a caller: it is in use now. */
    public static final class HandOut {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Return Object connection) {
            SocketEvents.pooled(connection, null, false);
        }
    }
}
