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

    HttpExchange(int index, String httpVersion, String requestConnection, String requestKeepAlive, int status,
                 String responseConnection, String responseKeepAlive, long startedAtMillis) {
        this.index = index;
        this.reused = index > 1;
        this.httpVersion = httpVersion;
        this.requestConnection = requestConnection;
        this.requestKeepAlive = requestKeepAlive;
        this.status = status;
        this.responseConnection = responseConnection;
        this.responseKeepAlive = responseKeepAlive;
        this.startedAtMillis = startedAtMillis;
    }

    static String versionText(int version) {
        return version == 11 ? "HTTP/1.1" : version == 10 ? "HTTP/1.0" : null;
    }
}
