package io.connscope.agent.export;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionState;
import io.connscope.agent.core.http2.Http2Summary;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One finished connection as one console line, in the spirit of bcc's {@code tcplife}: key=value pairs that read
 * well and grep well.
 * <pre>
 * connscope: closed #3 outbound 127.0.0.1:40112 -> 127.0.0.1:8080 closed_by=remote (peer FIN read as end-of-stream)
 *   dur=12.1ms connect=0.3ms idle=0.1ms tx=78 rx=1024 keepalive=off idle=7200s intvl=75s cnt=9 (os_default) thread=main
 * </pre>
 * (one line in reality).
 */
public final class ConnectionLine {

    private ConnectionLine() {
    }

    public static String format(ConnectionRecord r, long nowNanos) {
        StringBuilder sb = new StringBuilder(256).append("connscope: ");
        sb.append(r.state() == ConnectionState.FAILED ? "failed" : r.state().wireName())
                .append(" #").append(r.id()).append(' ').append(r.direction().wireName()).append(' ')
                .append(hostPort(r.localAddress())).append(" -> ").append(hostPort(r.remoteAddress()));
        if (r.state() == ConnectionState.FAILED) {
            sb.append(" error=").append(r.error());
            Decimals.fixed(sb.append(" after="), r.durationMillis(nowNanos), 1).append("ms");
        } else {
            if (r.closeInitiator() != null) {
                sb.append(" closed_by=").append(r.closeInitiator().wireName()).append(" (").append(r.closeDetail()).append(')');
            }
            // A connection open before the attach: its life counts from when connscope first saw it.
            sb.append(r.preexisting() ? " preexisting dur>=" : " dur=");
            Decimals.fixed(sb, r.durationMillis(nowNanos), 1).append("ms");
            if (r.connectMillis() >= 0) {
                Decimals.fixed(sb.append(" connect="), r.connectMillis(), 1).append("ms");
            }
            Decimals.fixed(sb.append(" idle="), r.idleMillis(nowNanos), 1).append("ms");
            sb.append(" tx=").append(r.bytesSent()).append(" rx=").append(r.bytesReceived());
            if (r.isHttp()) {
                sb.append(" http_requests=").append(r.requests());
                Http2Summary h2 = r.http2();
                if (h2 != null) {
                    http2(sb, h2);
                }
                if (r.closeReason() != null) {
                    sb.append(" close_reason=").append(r.closeReason());
                }
            } else if (r.tlsHandshakes() > 0) {
                sb.append(" tls");
            }
            if (r.keepAlive() != null) {
                sb.append(" keepalive=").append(r.keepAlive().describe());
            }
            if (r.tcpUserTimeoutMillis() >= 0) {
                sb.append(" tcp_user_timeout=").append(r.tcpUserTimeoutMillis()).append("ms");
            }
        }
        return sb.append(" thread=").append(r.thread()).toString();
    }

    /**
     * HTTP/2: {@code h2 max_open_streams=OPEN/LIMIT} (the limit the server set on client streams, {@code -} for
     * none), then only what happened: {@code resets=client:cancel=2}, {@code pings=client:SENT/ACKED}, the round trip
     * of this side's PINGs ({@code ping_rtt=MIN/AVG/MAXms}) and the first GOAWAY ({@code goaway=server:no_error:max_age},
     * {@code +N} more).
     */
    private static void http2(StringBuilder sb, Http2Summary h) {
        sb.append(" h2 max_open_streams=").append(h.maxOpenStreams).append('/')
                .append(h.serverMaxConcurrentStreams < 0 ? "-" : Long.toString(h.serverMaxConcurrentStreams));
        if (h.resetCount() > 0) {
            sb.append(" resets=");
            sides(sb, "client", h.clientResets, h.serverResets.isEmpty());
            sides(sb, "server", h.serverResets, true);
        }
        if (h.clientPings.sent + h.serverPings.sent > 0) {
            sb.append(" pings=");
            if (h.clientPings.sent > 0) {
                sb.append("client:").append(h.clientPings.sent).append('/').append(h.clientPings.acked)
                        .append(h.serverPings.sent > 0 ? "," : "");
            }
            if (h.serverPings.sent > 0) {
                sb.append("server:").append(h.serverPings.sent).append('/').append(h.serverPings.acked);
            }
        }
        if (h.rttCount > 0) {
            Decimals.fixed(sb.append(" ping_rtt="), h.rttMinMillis, 2).append('/');
            Decimals.fixed(sb, h.rttAvgMillis, 2).append('/');
            Decimals.fixed(sb, h.rttMaxMillis, 2).append("ms");
        }
        if (!h.goAways.isEmpty()) {
            Http2Summary.GoAway g = h.goAways.get(0);
            sb.append(" goaway=").append(g.from).append(':').append(g.error);
            if (g.debug != null) {
                sb.append(':').append(g.debug.replace(' ', '_'));
            }
            if (h.goAwayCount > 1) {
                sb.append(" +").append(h.goAwayCount - 1);
            }
        }
        if (h.unparsed != null) {
            sb.append(" h2_unparsed");
        }
    }

    private static void sides(StringBuilder sb, String side, Map<String, Integer> counts, boolean last) {
        if (counts.isEmpty()) {
            return;
        }
        sb.append(side).append(':');
        boolean first = true;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            sb.append(first ? "" : "+").append(e.getKey()).append('=').append(e.getValue());
            first = false;
        }
        if (!last) {
            sb.append(',');
        }
    }

    static String hostPort(InetSocketAddress a) {
        if (a == null) {
            return "?";
        }
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
