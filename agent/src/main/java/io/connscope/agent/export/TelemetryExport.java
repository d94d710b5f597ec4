package io.connscope.agent.export;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionRegistry;
import io.connscope.agent.core.http.HttpExchange;

import java.util.List;

/**
 * An exporter the reporter feeds, on its own thread: finished connections, HTTP exchanges, a tick every second and
 * the exit. Implementations never block for long: the reporter thread also drains the queue that application
 * threads fill.
 */
public interface TelemetryExport {

    /** Builds the exporter on the reporter thread, so that the application's start never waits for it. */
    interface Factory {
        TelemetryExport start(ConnectionRegistry registry, Reporter reporter) throws Exception;
    }

    void onRequest(ConnectionRecord connection, HttpExchange exchange);

    void onFinished(ConnectionRecord record);

    void onTick(long nowNanos);

    /** The JVM is exiting: report what is still open and flush, waiting a bounded time. */
    void onExit(List<ConnectionRecord> open, long nowNanos);
}
