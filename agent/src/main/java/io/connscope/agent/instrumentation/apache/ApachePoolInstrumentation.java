package io.connscope.agent.instrumentation.apache;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.agent.instrumentation.pool.PoolAdvice;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Apache HttpClient's connection pools, checked on 5.1 (httpcore5 5.1.1), 5.6.5 (httpcore5 5.4.4), 4.5 (httpcore
 * 4.4.1) and 4.5.14 (httpcore 4.4.16); each class is only instrumented where the application has it. One
 * instrumentation for all of them (the agent applies one per class), each advice limited to its declaring class:
 * <ul>
 *   <li>pool names: connections the classic managers open in {@code connect} belong to pool
 *       {@value #CLASSIC_5} or {@value #CLASSIC_4}; an async connection, already connected when httpcore5's
 *       {@code PoolEntry.assignConnection} takes it, to {@value #ASYNC_5};</li>
 *   <li>in use: a manager hands an entry out ({@code InternalConnectionEndpoint}'s constructor in 5.x,
 *       {@code leaseConnection} in 4.5); idle: the pool takes it back reusable ({@code StrictConnPool} /
 *       {@code LaxConnPool.release(entry, true)}, 4.5 {@code AbstractConnPool.release(entry, true)});</li>
 *   <li>why it closes: idle eviction ({@code closeIdle}, {@code closeIdleConnections}: {@code pool_idle_timeout});
 *       an entry's connection discarded ({@code PoolEntry.discardConnection}, 4.5 {@code CPoolEntry.close}) past
 *       its time to live ({@code pool_max_lifetime}) or its keep-alive ({@code pool_idle_timeout}), judged from
 *       the entry's deadlines and, from 5.2, the {@code ConnectionConfig} limits the manager just looked up
 *       ({@code getTimeToLive}, {@code getIdleTimeout}).</li>
 * </ul>
 */
public final class ApachePoolInstrumentation implements SocketInstrumentation {

    static final String CLASSIC_5 = "Apache HttpClient 5";
    static final String ASYNC_5 = "Apache HttpClient 5 async";
    static final String CLASSIC_4 = "Apache HttpClient 4";

    private static final String MANAGER_5 = "org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager";
    private static final String ASYNC_MANAGER_5 = "org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager";
    private static final String MANAGER_4 = "org.apache.http.impl.conn.PoolingHttpClientConnectionManager";
    private static final String ENTRY_5 = "org.apache.hc.core5.pool.PoolEntry";
    private static final String CONFIG_5 = "org.apache.hc.client5.http.config.ConnectionConfig";
    private static final String POOL_4 = "org.apache.http.pool.AbstractConnPool";
    private static final String ENTRY_4 = "org.apache.http.impl.conn.CPoolEntry";

    @Override
    public String name() {
        return "apache-httpclient";
    }

    @Override
    public List<String> typeNames() {
        return List.of(MANAGER_5, ASYNC_MANAGER_5, MANAGER_4, ENTRY_5, CONFIG_5, POOL_4, ENTRY_4,
                "org.apache.hc.core5.pool.StrictConnPool", "org.apache.hc.core5.pool.LaxConnPool",
                MANAGER_5 + "$InternalConnectionEndpoint", ASYNC_MANAGER_5 + "$InternalConnectionEndpoint");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("closeIdle").and(takesArguments(1)).and(isDeclaredBy(namedOneOf(MANAGER_5, ASYNC_MANAGER_5))),
                        PoolAdvice.IdleSweep.class.getName())
                .advice(named("closeIdleConnections").and(takesArguments(2)).and(isDeclaredBy(named(MANAGER_4))),
                        PoolAdvice.IdleSweep.class.getName())
                .advice(named("connect").and(takesArguments(3)).and(isDeclaredBy(named(MANAGER_5))), self + "$Connect5")
                .advice(named("connect").and(takesArguments(4)).and(isDeclaredBy(named(MANAGER_4))), self + "$Connect4")
                .advice(named("leaseConnection").and(isDeclaredBy(named(MANAGER_4))), self + "$HandOut4")
                .advice(isConstructor().and(takesArguments(1)).and(isDeclaredBy(
                        namedOneOf(MANAGER_5 + "$InternalConnectionEndpoint", ASYNC_MANAGER_5 + "$InternalConnectionEndpoint"))),
                        self + "$HandOut5")
                .advice(named("assignConnection").and(takesArguments(1)).and(isDeclaredBy(named(ENTRY_5))), self + "$Assign5")
                .advice(named("discardConnection").and(takesArguments(1)).and(isDeclaredBy(named(ENTRY_5))), self + "$Discard")
                .advice(named("close").and(takesArguments(0)).and(isDeclaredBy(named(ENTRY_4))), self + "$Discard")
                .advice(named("release").and(takesArguments(2)).and(not(isBridge())).and(isDeclaredBy(
                        namedOneOf("org.apache.hc.core5.pool.StrictConnPool", "org.apache.hc.core5.pool.LaxConnPool"))),
                        self + "$Release5")
                .advice(named("release").and(takesArguments(2)).and(not(isBridge())).and(isDeclaredBy(named(POOL_4))),
                        self + "$Release4")
                .advice(named("getTimeToLive").and(takesArguments(0)).and(isDeclaredBy(named(CONFIG_5))), self + "$TimeToLive")
                .advice(named("getIdleTimeout").and(takesArguments(0)).and(isDeclaredBy(named(CONFIG_5))), self + "$IdleTimeout");
    }

    /** 5.x classic {@code connect(endpoint, timeout, context)}: the connection opened here belongs to the pool. */
    public static final class Connect5 {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter() {
            SocketEvents.scope("Apache HttpClient 5", null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit() {
            SocketEvents.scopeEnd();
        }
    }

    /** 4.5 {@code connect(connection, route, timeout, context)}, likewise. */
    public static final class Connect4 {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter() {
            SocketEvents.scope("Apache HttpClient 4", null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit() {
            SocketEvents.scopeEnd();
        }
    }

    /** 5.x: a manager wraps a leased entry in an endpoint for a request: in use. */
    public static final class HandOut5 {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Argument(0) Object entry) {
            SocketEvents.pooled(entry, "Apache HttpClient 5", false);
        }
    }

    /** 4.5 {@code leaseConnection}: the connection proxy it returns is in use. */
    public static final class HandOut4 {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Return Object connection) {
            SocketEvents.pooled(connection, "Apache HttpClient 4", false);
        }
    }

    /** httpcore5 {@code PoolEntry.assignConnection}: an async connection arrives connected (a classic one not yet). */
    public static final class Assign5 {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Argument(0) Object connection) {
            SocketEvents.pooled(connection, "Apache HttpClient 5 async", false);
        }
    }

    /** An entry's connection is about to be closed by its pool. */
    public static final class Discard {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.This Object entry) {
            SocketEvents.poolDiscard(entry);
        }
    }

    /** httpcore5 pools taking an entry back: reusable means it now sits idle. */
    public static final class Release5 {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.Argument(0) Object entry, @Advice.Argument(1) boolean reusable) {
            if (reusable) {
                SocketEvents.pooled(entry, "Apache HttpClient 5", true);
            }
        }
    }

    /** httpcore 4.4 {@code AbstractConnPool.release}, likewise. */
    public static final class Release4 {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.Argument(0) Object entry, @Advice.Argument(1) boolean reusable) {
            if (reusable) {
                SocketEvents.pooled(entry, "Apache HttpClient 4", true);
            }
        }
    }

    /** 5.2+ {@code ConnectionConfig.getTimeToLive}: the limit a manager is about to check an entry against. */
    public static final class TimeToLive {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Return Object duration) {
            SocketEvents.poolLimit(duration, true);
        }
    }

    /** 5.4+ {@code ConnectionConfig.getIdleTimeout}, likewise for idle connections. */
    public static final class IdleTimeout {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Return Object duration) {
            SocketEvents.poolLimit(duration, false);
        }
    }
}
