package io.connscope.agent;

import io.connscope.bootstrap.SocketEventSink;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * For connscope's own tests only, and deliberately not an option: with {@code -Dconnscope.test.failing.handlers=true}
 * (read once at start) every event the advice hands to the agent is handled, then throws. It proves on real
 * traffic, through the real inlined advice, that nothing connscope throws reaches the application and that each
 * such failure is counted ({@code SocketEvents.adviceFailures}, shown as "internal errors" in the summary).
 */
final class FailingSink {

    static final String PROPERTY = "connscope.test.failing.handlers";

    private FailingSink() {
    }

    /** {@code registry}'s handlers, each followed by a throw. */
    static SocketEventSink around(SocketEventSink registry) {
        System.err.println("connscope: " + PROPERTY + " is set: every event handler throws after it runs (a test)");
        return (SocketEventSink) Proxy.newProxyInstance(FailingSink.class.getClassLoader(),
                new Class<?>[] {SocketEventSink.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() != SocketEventSink.class) {
                        return method.invoke(registry, args);
                    }
                    try {
                        method.invoke(registry, args);
                    } catch (InvocationTargetException e) {
                        // The registry's own failure: it must not reach the application either.
                        throw e.getCause();
                    }
                    throw new IllegalStateException("connscope test: failing handler " + method.getName());
                });
    }
}
