package io.connscope.agent.core;

import io.connscope.agent.core.http.HttpExchange;

/**
 * Receives each connection once, when it closes, fails to connect, or is found collected without close; and,
 * if it asks, each HTTP exchange.
 */
public interface ConnectionListener {
    void onFinished(ConnectionRecord record);

    /** Whether {@link #onRequest} wants each HTTP exchange; when false none is built. */
    default boolean wantsRequests() {
        return false;
    }

    /** An HTTP/1.x exchange finished on {@code connection}. */
    default void onRequest(ConnectionRecord connection, HttpExchange exchange) {
    }
}
