package io.connscope.agent.core.http;

/**
 * One HTTP/1.x request and its response as seen on a connection: its place on the connection and the
 * connection-management headers of both sides. No target, no other header, no body.
 */
public final class HttpExchange {
    /** 1 for the connection's first request. */
    public final int index;
    /** Whether the request ran on a connection that had carried a request before. */
    public final boolean reused;
    /** "HTTP/1.1" or "HTTP/1.0" as the request said, or null. */
    public final String httpVersion;
    public final String requestConnection;
    public final String requestKeepAlive;
    /** 0 when no response came before the connection ended. */
    public final int status;
    public final String responseConnection;
    public final String responseKeepAlive;
    public final long startedAtMillis;
    /** HTTP/2: the gRPC status its trailers carried, -1 when none (or not HTTP/2). */
    public final int grpcStatus;
    /** HTTP/2: the error code of the RST_STREAM that ended the stream ({@code cancel}, ...), or null. */
    public final String resetCode;
    /**
     * The trace context the request carried (see {@link TraceHeaders} for which header wins): the trace id as 32
     * lowercase hex digits and the span id of the request's sender as 16, or null when it named none.
     */
    public final String traceId;
    public final String spanId;
    /** Whether its trace context said sampled; null when it said nothing about sampling (or carried none). */
    public final Boolean sampled;
    /**
     * HTTP/1.x: nanoseconds from the last response byte of the connection's previous exchange to this request's
     * first byte (how long the connection sat idle before it); -1 for a first request, HTTP/2, or when unknown.
     */
    public final long idleBeforeNanos;

    HttpExchange(int index, String httpVersion, String requestConnection, String requestKeepAlive, int status,
                 String responseConnection, String responseKeepAlive, long startedAtMillis, String traceId,
                 String spanId, Boolean sampled) {
        this(index, httpVersion, requestConnection, requestKeepAlive, status, responseConnection, responseKeepAlive,
                startedAtMillis, -1, null, traceId, spanId, sampled, -1);
    }

    HttpExchange(int index, String httpVersion, String requestConnection, String requestKeepAlive, int status,
                 String responseConnection, String responseKeepAlive, long startedAtMillis, String traceId,
                 String spanId, Boolean sampled, long idleBeforeNanos) {
        this(index, httpVersion, requestConnection, requestKeepAlive, status, responseConnection, responseKeepAlive,
                startedAtMillis, -1, null, traceId, spanId, sampled, idleBeforeNanos);
    }

    private HttpExchange(int index, String httpVersion, String requestConnection, String requestKeepAlive, int status,
                         String responseConnection, String responseKeepAlive, long startedAtMillis, int grpcStatus,
                         String resetCode, String traceId, String spanId, Boolean sampled, long idleBeforeNanos) {
        this.index = index;
        this.reused = index > 1;
        this.httpVersion = httpVersion;
        this.requestConnection = requestConnection;
        this.requestKeepAlive = requestKeepAlive;
        this.status = status;
        this.responseConnection = responseConnection;
        this.responseKeepAlive = responseKeepAlive;
        this.startedAtMillis = startedAtMillis;
        this.grpcStatus = grpcStatus;
        this.resetCode = resetCode;
        this.traceId = traceId;
        this.spanId = spanId;
        this.sampled = sampled;
        this.idleBeforeNanos = idleBeforeNanos;
    }

    /**
     * One HTTP/2 stream a client opened; {@code status} 0 when no response head came; the trace context as for
     * HTTP/1.x ({@code sampled} 1, 0, or -1 when not said).
     */
    public static HttpExchange ofHttp2Stream(int index, int status, int grpcStatus, String resetCode,
                                             long startedAtMillis, String traceId, String spanId, int sampled) {
        return new HttpExchange(index, "HTTP/2", null, null, status, null, null, startedAtMillis, grpcStatus, resetCode,
                traceId, spanId, sampled(sampled), -1);
    }

    /** A sampled flag of 1, 0 or -1 as true, false or null. */
    static Boolean sampled(int sampled) {
        return sampled < 0 ? null : sampled == 1;
    }

    static String versionText(int version) {
        return version == 11 ? "HTTP/1.1" : version == 10 ? "HTTP/1.0" : null;
    }
}
