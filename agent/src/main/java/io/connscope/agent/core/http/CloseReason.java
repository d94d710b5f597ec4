package io.connscope.agent.core.http;

/**
 * Why an HTTP connection ended, as far as the connection's own bytes explain it. Values are the strings used
 * in reports ({@code close_reason}).
 */
public final class CloseReason {
    /** The server's response said {@code Connection: close}. */
    public static final String CONNECTION_CLOSE_BY_SERVER = "connection_close_by_server";
    /** The client's request said {@code Connection: close}. */
    public static final String CONNECTION_CLOSE_BY_CLIENT = "connection_close_by_client";
    /** HTTP/1.0 without {@code Connection: keep-alive}: one request per connection. */
    public static final String HTTP_1_0 = "http_1_0";
    /** The server's last response said {@code Keep-Alive: max=1}: no more requests on this connection. */
    public static final String KEEPALIVE_MAX = "keepalive_max";
    /** A client's idle connection closed by the server (its keep-alive timeout): the pooled connection went stale. */
    public static final String STALE = "stale";
    /** A server's idle connection closed by the client. */
    public static final String PEER_CLOSED_IDLE = "peer_closed_idle";
    /** A reset, or the peer closing in the middle of an exchange. */
    public static final String ERROR = "error";
    /** A client pool closed a connection that sat idle longer than the pool keeps connections. */
    public static final String POOL_IDLE_TIMEOUT = "pool_idle_timeout";
    /** A client pool closed a connection older than the longest life it allows (Apache HttpClient's time to live,
     * Reactor Netty's {@code maxLifeTime}). */
    public static final String POOL_MAX_LIFETIME = "pool_max_lifetime";
    /** A client pool got a connection back while holding as many idle ones as it keeps, and closed one. */
    public static final String POOL_FULL = "pool_full";
    /** This side closed an idle connection without saying so in HTTP (a pool's idle timeout or size, or the application). */
    public static final String APPLICATION_CLOSE = "application_close";

    /**
     * HTTP/2: a PING this side sent was still unanswered when this side closed the connection (a keep-alive that
     * timed out). A GOAWAY, when one came, is the reason instead: {@code goaway_by_server_no_error},
     * {@code goaway_by_client_enhance_your_calm} and so on, the first GOAWAY's sender and error code.
     */
    public static final String PING_UNANSWERED = "ping_unanswered";

    private CloseReason() {
    }
}
