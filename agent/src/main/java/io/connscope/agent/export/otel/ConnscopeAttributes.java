package io.connscope.agent.export.otel;

import io.opentelemetry.api.common.AttributeKey;

import static io.opentelemetry.api.common.AttributeKey.booleanKey;
import static io.opentelemetry.api.common.AttributeKey.doubleKey;
import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

/**
 * The attribute keys connscope exports: OpenTelemetry semantic conventions where one exists, {@code connscope.*}
 * for what only connscope knows. Part of connscope's interface, documented in docs/opentelemetry.md.
 */
final class ConnscopeAttributes {

    private ConnscopeAttributes() {
    }

    // Semantic conventions (network, server, client, http, error, thread).
    static final AttributeKey<String> NETWORK_TRANSPORT = stringKey("network.transport");
    static final AttributeKey<String> NETWORK_TYPE = stringKey("network.type");
    static final AttributeKey<String> NETWORK_PEER_ADDRESS = stringKey("network.peer.address");
    static final AttributeKey<Long> NETWORK_PEER_PORT = longKey("network.peer.port");
    static final AttributeKey<String> NETWORK_LOCAL_ADDRESS = stringKey("network.local.address");
    static final AttributeKey<Long> NETWORK_LOCAL_PORT = longKey("network.local.port");
    static final AttributeKey<String> NETWORK_IO_DIRECTION = stringKey("network.io.direction");
    static final AttributeKey<String> NETWORK_PROTOCOL_VERSION = stringKey("network.protocol.version");
    static final AttributeKey<String> SERVER_ADDRESS = stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = longKey("server.port");
    static final AttributeKey<String> CLIENT_ADDRESS = stringKey("client.address");
    static final AttributeKey<Long> CLIENT_PORT = longKey("client.port");
    static final AttributeKey<Long> HTTP_STATUS = longKey("http.response.status_code");
    static final AttributeKey<String> HTTP_CONNECTION_STATE = stringKey("http.connection.state");
    static final AttributeKey<String> ERROR_TYPE = stringKey("error.type");
    static final AttributeKey<String> THREAD_NAME = stringKey("thread.name");
    static final AttributeKey<Boolean> TLS_RESUMED = booleanKey("tls.resumed");
    static final AttributeKey<Boolean> OTEL_METRIC_OVERFLOW = booleanKey("otel.metric.overflow");

    // connscope's own.
    static final AttributeKey<Long> CONNECTION_ID = longKey("connscope.connection.id");
    static final AttributeKey<String> DIRECTION = stringKey("connscope.connection.direction");
    static final AttributeKey<String> STATE = stringKey("connscope.connection.state");
    static final AttributeKey<String> OUTCOME = stringKey("connscope.connection.outcome");
    static final AttributeKey<Boolean> REUSED = booleanKey("connscope.connection.reused");
    static final AttributeKey<String> CLOSE_INITIATOR = stringKey("connscope.close.initiator");
    static final AttributeKey<String> CLOSE_REASON = stringKey("connscope.close.reason");
    static final AttributeKey<String> CLOSE_DETAIL = stringKey("connscope.close.detail");
    static final AttributeKey<Boolean> KEEPALIVE_ENABLED = booleanKey("connscope.keepalive.enabled");
    static final AttributeKey<Long> KEEPALIVE_IDLE = longKey("connscope.keepalive.idle");
    static final AttributeKey<Long> KEEPALIVE_INTERVAL = longKey("connscope.keepalive.interval");
    static final AttributeKey<Long> KEEPALIVE_COUNT = longKey("connscope.keepalive.count");
    static final AttributeKey<String> KEEPALIVE_SOURCE = stringKey("connscope.keepalive.source");
    /** TCP_USER_TIMEOUT as the application set it through native code (Netty's epoll), in ms. */
    static final AttributeKey<Long> KEEPALIVE_USER_TIMEOUT = longKey("connscope.keepalive.user_timeout_ms");
    static final AttributeKey<Long> BYTES_SENT = longKey("connscope.connection.bytes_sent");
    static final AttributeKey<Long> BYTES_RECEIVED = longKey("connscope.connection.bytes_received");
    static final AttributeKey<Double> CONNECT_MS = doubleKey("connscope.connection.connect_ms");
    static final AttributeKey<Long> REQUESTS = longKey("connscope.connection.requests");
    static final AttributeKey<Long> TLS_HANDSHAKES = longKey("connscope.tls.handshakes");
    static final AttributeKey<String> POOL = stringKey("connscope.pool");
    static final AttributeKey<Boolean> PREEXISTING = booleanKey("connscope.connection.preexisting");
    static final AttributeKey<Long> SEGMENT = longKey("connscope.span.segment");
    static final AttributeKey<Boolean> CONTINUED = booleanKey("connscope.span.continued");
    /**
     * On the spans connscope puts into a request's trace: which one it is ({@code socket_connect}, {@code tls_handshake},
     * {@code connection_reused}), a constant to search by, since the names carry the peer's address.
     */
    static final AttributeKey<String> SPAN_TYPE = stringKey("connscope.span.type");
    static final AttributeKey<Long> REQUEST_EVENTS_DROPPED = longKey("connscope.http.request_events.dropped");
    static final AttributeKey<Long> REQUEST_INDEX = longKey("connscope.http.request.index");
    /** Sampled requests a connection span could not link to (more than the pending links connscope holds). */
    static final AttributeKey<Long> REQUEST_LINKS_DROPPED = longKey("connscope.http.request_links.dropped");
    /** On {@code connection reused}: the connection's age and its idle time before the request. */
    static final AttributeKey<Double> CONNECTION_AGE_MS = doubleKey("connscope.connection.age_ms");
    static final AttributeKey<Double> CONNECTION_IDLE_BEFORE_MS = doubleKey("connscope.connection.idle_before_ms");
    static final AttributeKey<String> REQUEST_CONNECTION = stringKey("connscope.http.request.connection");
    static final AttributeKey<String> REQUEST_KEEP_ALIVE = stringKey("connscope.http.request.keep_alive");
    static final AttributeKey<String> RESPONSE_CONNECTION = stringKey("connscope.http.response.connection");
    static final AttributeKey<String> RESPONSE_KEEP_ALIVE = stringKey("connscope.http.response.keep_alive");
    /** The trace context a request carried (traceparent, b3 or X-B3-*): ids as lowercase hex. */
    static final AttributeKey<String> REQUEST_TRACE_ID = stringKey("connscope.http.request.trace_id");
    static final AttributeKey<String> REQUEST_SPAN_ID = stringKey("connscope.http.request.span_id");
    static final AttributeKey<Boolean> REQUEST_SAMPLED = booleanKey("connscope.http.request.sampled");
    static final AttributeKey<Long> TRACE_CONTEXT_MALFORMED = longKey("connscope.http.trace_context.malformed");
    static final AttributeKey<String> DROPPED_KIND = stringKey("connscope.dropped.kind");
    static final AttributeKey<String> PORT_RANGE = stringKey("connscope.kernel.port_range");
    static final AttributeKey<Long> TCP_TW_REUSE = longKey("connscope.kernel.tcp_tw_reuse");
    static final AttributeKey<Long> PROBES_UNANSWERED = longKey("connscope.keepalive.probes_unanswered");

    // HTTP/2, on the connection span and its events.
    static final AttributeKey<Long> H2_CLIENT_STREAMS = longKey("connscope.http2.client.streams");
    static final AttributeKey<Long> H2_SERVER_STREAMS = longKey("connscope.http2.server.streams");
    static final AttributeKey<Long> H2_MAX_OPEN_STREAMS = longKey("connscope.http2.max_open_streams");
    static final AttributeKey<Long> H2_CLIENT_MAX_CONCURRENT = longKey("connscope.http2.client.max_concurrent_streams");
    static final AttributeKey<Long> H2_SERVER_MAX_CONCURRENT = longKey("connscope.http2.server.max_concurrent_streams");
    static final AttributeKey<Long> H2_CLIENT_RESETS = longKey("connscope.http2.client.resets");
    static final AttributeKey<Long> H2_SERVER_RESETS = longKey("connscope.http2.server.resets");
    static final AttributeKey<Long> H2_CLIENT_PINGS_SENT = longKey("connscope.http2.client.pings_sent");
    static final AttributeKey<Long> H2_CLIENT_PINGS_ACKED = longKey("connscope.http2.client.pings_acked");
    static final AttributeKey<Long> H2_SERVER_PINGS_SENT = longKey("connscope.http2.server.pings_sent");
    static final AttributeKey<Long> H2_SERVER_PINGS_ACKED = longKey("connscope.http2.server.pings_acked");
    static final AttributeKey<Long> H2_CLIENT_PINGS_UNANSWERED = longKey("connscope.http2.client.pings_unanswered");
    static final AttributeKey<Long> H2_SERVER_PINGS_UNANSWERED = longKey("connscope.http2.server.pings_unanswered");
    static final AttributeKey<Double> H2_CLIENT_PING_INTERVAL_AVG =
            doubleKey("connscope.http2.client.ping_interval_avg_ms");
    static final AttributeKey<Double> H2_SERVER_PING_INTERVAL_AVG =
            doubleKey("connscope.http2.server.ping_interval_avg_ms");
    static final AttributeKey<Double> H2_PING_RTT_MIN = doubleKey("connscope.http2.ping.rtt_min_ms");
    static final AttributeKey<Double> H2_PING_RTT_AVG = doubleKey("connscope.http2.ping.rtt_avg_ms");
    static final AttributeKey<Double> H2_PING_RTT_MAX = doubleKey("connscope.http2.ping.rtt_max_ms");
    static final AttributeKey<Long> H2_GOAWAYS = longKey("connscope.http2.goaways");
    static final AttributeKey<String> H2_SENDER = stringKey("connscope.http2.sender");
    static final AttributeKey<String> H2_ERROR_CODE = stringKey("connscope.http2.error_code");
    static final AttributeKey<Long> H2_LAST_STREAM_ID = longKey("connscope.http2.last_stream_id");
    static final AttributeKey<String> H2_GOAWAY_DEBUG = stringKey("connscope.http2.goaway.debug");
    static final AttributeKey<Long> H2_STREAM_ID = longKey("connscope.http2.stream_id");
    static final AttributeKey<Boolean> H2_PING_ACKED = booleanKey("connscope.http2.ping.acked");
    static final AttributeKey<Long> GRPC_STATUS = longKey("rpc.grpc.status_code");
    static final AttributeKey<String> H2_RESET = stringKey("connscope.http2.reset");
}
