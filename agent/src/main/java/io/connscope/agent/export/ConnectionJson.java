package io.connscope.agent.export;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionState;
import io.connscope.agent.core.KeepAliveSettings;
import io.connscope.agent.core.http.HttpExchange;
import io.connscope.agent.core.http2.Http2Summary;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * One connection as one JSON object on one line (JSON Lines). The field names and their meaning are part of
 * connscope's interface and documented in docs/json-lines.md; change them only with it.
 */
public final class ConnectionJson {

    private ConnectionJson() {
    }

    public static String toJson(ConnectionRecord r, long nowNanos) {
        return toJson(r, nowNanos, false);
    }

    /**
     * A connection the exit report found open: written as open even if another thread is closing it right now
     * (its close is then not written; the report holds each connection once).
     */
    public static String toJsonOpen(ConnectionRecord r, long nowNanos) {
        return toJson(r, nowNanos, true);
    }

    private static String toJson(ConnectionRecord r, long nowNanos, boolean open) {
        StringBuilder sb = new StringBuilder(512);
        sb.append('{');
        field(sb, "type", "connection").append(',');
        sb.append("\"id\":").append(r.id()).append(',');
        field(sb, "direction", r.direction().wireName()).append(',');
        address(sb, "local", r.localAddress()).append(',');
        address(sb, "remote", r.remoteAddress()).append(',');
        field(sb, "opened_at", r.preexisting() ? null : Instant.ofEpochMilli(r.openedAtMillis()).toString()).append(',');
        field(sb, "closed_at", open || r.closedAtMillis() == 0 ? null : Instant.ofEpochMilli(r.closedAtMillis()).toString()).append(',');
        number(sb, "connect_ms", r.connectMillis() < 0 ? null : r.connectMillis()).append(',');
        number(sb, "duration_ms", open ? r.openMillis(nowNanos) : r.durationMillis(nowNanos)).append(',');
        sb.append("\"bytes_sent\":").append(r.bytesSent()).append(',');
        sb.append("\"bytes_received\":").append(r.bytesReceived()).append(',');
        field(sb, "close_initiator", open || r.closeInitiator() == null ? null : r.closeInitiator().wireName()).append(',');
        field(sb, "close_detail", open || r.closeInitiator() == null ? null : r.closeDetail()).append(',');
        field(sb, "close_reason", open ? null : r.closeReason()).append(',');
        field(sb, "state", open ? ConnectionState.OPEN.wireName() : r.state().wireName()).append(',');
        field(sb, "error", r.error()).append(',');
        keepAlive(sb, r.keepAlive(), r.tcpUserTimeoutMillis()).append(',');
        field(sb, "thread", r.thread()).append(',');
        sb.append("\"requests\":").append(r.requests() == null ? "null" : r.requests().toString()).append(',');
        sb.append("\"trace_context_malformed\":").append(r.traceContextMalformed()).append(',');
        sb.append("\"tls_handshakes\":").append(r.tlsHandshakes()).append(',');
        sb.append("\"preexisting\":").append(r.preexisting()).append(',');
        sb.append("\"keepalive_probes_unanswered_max\":").append(r.maxUnansweredProbes()).append(',');
        http2(sb, r.http2());
        sb.append('}');
        return sb.toString();
    }

    /** One HTTP exchange: {@code "type":"request"}, tied to its connection by {@code connection_id}. */
    public static String toJson(ConnectionRecord c, HttpExchange e) {
        StringBuilder sb = new StringBuilder(384);
        sb.append('{');
        field(sb, "type", "request").append(',');
        sb.append("\"connection_id\":").append(c.id()).append(',');
        field(sb, "direction", c.direction().wireName()).append(',');
        InetSocketAddress server = c.serverAddress();
        field(sb, "server_address", server == null || server.getAddress() == null ? null : server.getAddress().getHostAddress()).append(',');
        sb.append("\"server_port\":").append(server == null ? "null" : Integer.toString(server.getPort())).append(',');
        field(sb, "started_at", Instant.ofEpochMilli(e.startedAtMillis).toString()).append(',');
        sb.append("\"index\":").append(e.index).append(',');
        sb.append("\"reused\":").append(e.reused).append(',');
        field(sb, "http_version", e.httpVersion).append(',');
        field(sb, "request_connection", e.requestConnection).append(',');
        field(sb, "request_keep_alive", e.requestKeepAlive).append(',');
        sb.append("\"status\":").append(e.status == 0 ? "null" : Integer.toString(e.status)).append(',');
        field(sb, "response_connection", e.responseConnection).append(',');
        field(sb, "response_keep_alive", e.responseKeepAlive).append(',');
        sb.append("\"grpc_status\":").append(e.grpcStatus < 0 ? "null" : Integer.toString(e.grpcStatus)).append(',');
        field(sb, "reset", e.resetCode).append(',');
        field(sb, "trace_id", e.traceId).append(',');
        field(sb, "span_id", e.spanId).append(',');
        sb.append("\"sampled\":").append(e.sampled == null ? "null" : e.sampled.toString()).append(',');
        field(sb, "pool", c.pool());
        return sb.append('}').toString();
    }

    /** The {@code http2} object: null for connections that do not speak HTTP/2. */
    private static StringBuilder http2(StringBuilder sb, Http2Summary h) {
        sb.append("\"http2\":");
        if (h == null) {
            return sb.append("null");
        }
        sb.append("{\"streams_client\":").append(h.clientStreams)
                .append(",\"streams_server\":").append(h.serverStreams)
                .append(",\"max_open_streams\":").append(h.maxOpenStreams)
                .append(",\"client_max_concurrent_streams\":").append(limit(h.clientMaxConcurrentStreams))
                .append(",\"server_max_concurrent_streams\":").append(limit(h.serverMaxConcurrentStreams))
                .append(",\"resets\":{");
        counts(sb, "client", h.clientResets).append(',');
        counts(sb, "server", h.serverResets).append("},\"pings\":{");
        pings(sb, "client", h.clientPings).append(',');
        pings(sb, "server", h.serverPings).append("},\"ping_rtt_ms\":");
        if (h.rttCount == 0) {
            sb.append("null");
        } else {
            sb.append("{\"count\":").append(h.rttCount);
            number(sb.append(','), "min", h.rttMinMillis).append(',');
            number(sb, "avg", h.rttAvgMillis).append(',');
            number(sb, "max", h.rttMaxMillis).append('}');
        }
        sb.append(",\"goaways\":[");
        for (int i = 0; i < h.goAways.size(); i++) {
            Http2Summary.GoAway g = h.goAways.get(i);
            sb.append(i == 0 ? "{" : ",{");
            field(sb, "from", g.from).append(',');
            field(sb, "at", Instant.ofEpochMilli(g.atMillis).toString()).append(',');
            sb.append("\"last_stream_id\":").append(g.lastStreamId).append(',');
            field(sb, "error", g.error).append(',');
            field(sb, "debug", g.debug).append('}');
        }
        sb.append("],\"goaways_total\":").append(h.goAwayCount)
                .append(",\"streams_untracked\":").append(h.untrackedStreams)
                .append(",\"headers_undecoded\":").append(h.headersUndecoded).append(',');
        return field(sb, "unparsed", h.unparsed).append('}');
    }

    private static String limit(long value) {
        return value < 0 ? "null" : Long.toString(value);
    }

    private static StringBuilder counts(StringBuilder sb, String name, Map<String, Integer> counts) {
        sb.append('"').append(name).append("\":{");
        boolean first = true;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
            first = false;
        }
        return sb.append('}');
    }

    private static StringBuilder pings(StringBuilder sb, String name, Http2Summary.Pings p) {
        sb.append('"').append(name).append("\":{\"sent\":").append(p.sent).append(",\"acked\":").append(p.acked)
                .append(",\"unanswered\":").append(p.unanswered).append(',');
        number(sb, "interval_min_ms", p.minIntervalMillis < 0 ? null : p.minIntervalMillis).append(',');
        return number(sb, "interval_avg_ms", p.avgIntervalMillis < 0 ? null : p.avgIntervalMillis).append('}');
    }

    private static StringBuilder keepAlive(StringBuilder sb, KeepAliveSettings k, int userTimeoutMillis) {
        sb.append("\"keepalive\":");
        if (k == null) {
            return sb.append("null");
        }
        sb.append("{\"enabled\":").append(k.enabled == null ? "null" : k.enabled.toString())
                .append(",\"idle_s\":").append(k.idleSeconds)
                .append(",\"interval_s\":").append(k.intervalSeconds)
                .append(",\"count\":").append(k.count)
                .append(",\"user_timeout_ms\":").append(userTimeoutMillis < 0 ? "null" : Integer.toString(userTimeoutMillis))
                .append(',');
        return field(sb, "source", k.source.wireName()).append('}');
    }

    private static StringBuilder address(StringBuilder sb, String prefix, InetSocketAddress a) {
        field(sb, prefix + "_address", a == null || a.getAddress() == null ? null : a.getAddress().getHostAddress()).append(',');
        return sb.append('"').append(prefix).append("_port\":").append(a == null ? "null" : Integer.toString(a.getPort()));
    }

    private static StringBuilder number(StringBuilder sb, String name, Double value) {
        sb.append('"').append(name).append("\":");
        return sb.append(value == null ? "null" : String.format(Locale.ROOT, "%.3f", value));
    }

    /** {@code "name":"value"} with the value escaped as JSON, or {@code "name":null}. */
    public static StringBuilder field(StringBuilder sb, String name, String value) {
        sb.append('"').append(name).append("\":");
        if (value == null) {
            return sb.append("null");
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"');
    }
}
