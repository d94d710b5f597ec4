package io.connscope.agent.instrumentation.apache;

import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.agent.instrumentation.pool.PoolAdvice;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Apache HttpClient's pools closing idle connections: {@code closeIdle(TimeValue)} of the 5.x classic and async
 * {@code PoolingHttpClientConnectionManager}s and {@code closeIdleConnections(long, TimeUnit)} of 4.5's (what
 * {@code evictIdleConnections} and {@code IdleConnectionEvictor} call), checked on 5.1, 5.6.5, 4.5 and 4.5.14.
 * Connections closed inside are {@code pool_idle_timeout}; only instrumented where the application has the library.
 */
public final class ApachePoolInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "apache-httpclient";
    }

    @Override
    public ElementMatcher<TypeDescription> type() {
        return namedOneOf("org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager",
                "org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager",
                "org.apache.http.impl.conn.PoolingHttpClientConnectionManager");
    }

    @Override
    public AgentBuilder.Transformer.ForAdvice advise(AgentBuilder.Transformer.ForAdvice transformer) {
        return transformer
                .advice(named("closeIdle").and(takesArguments(1)), PoolAdvice.IdleSweep.class.getName())
                .advice(named("closeIdleConnections").and(takesArguments(2)), PoolAdvice.IdleSweep.class.getName());
    }
}
