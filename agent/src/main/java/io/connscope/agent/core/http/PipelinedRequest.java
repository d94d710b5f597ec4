package io.connscope.agent.core.http;

/**
 * A request sent before the response to the one ahead of it (HTTP/1.1 pipelining), waiting for its own response:
 * what its exchange will report, taken from its head before the next request's head is read into the same scanner.
 * Made only for pipelined requests; the head's values as text only when someone listens for exchanges.
 */
final class PipelinedRequest {

    final int index;
    /** A HEAD request: its response has no body, whatever its Content-Length says. */
    final boolean head;
    final long startedNanos;
    String version;
    String connection;
    String keepAlive;
    String traceId;
    String spanId;
    Boolean sampled;

    PipelinedRequest(int index, boolean head, long startedNanos) {
        this.index = index;
        this.head = head;
        this.startedNanos = startedNanos;
    }

    /** Keeps what the exchange reports of the request head just read ({@code trace}: its resolved trace context). */
    void describe(HttpHeaderScanner requestHead, TraceHeaders trace) {
        version = HttpExchange.versionText(requestHead.version);
        connection = HttpTokens.text(requestHead.connection, requestHead.connectionLength);
        keepAlive = HttpTokens.text(requestHead.keepAlive, requestHead.keepAliveLength);
        boolean traced = trace != null && trace.found();
        if (traced && trace.hasIds()) {
            traceId = TraceHeaders.traceIdHex(trace.traceIdHigh(), trace.traceIdLow());
            spanId = TraceHeaders.spanIdHex(trace.spanId());
        }
        sampled = traced ? HttpExchange.sampled(trace.sampled()) : null;
    }
}
