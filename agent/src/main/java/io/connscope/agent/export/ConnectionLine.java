package io.connscope.agent.export;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionState;

import java.net.InetSocketAddress;
import java.util.Locale;

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
            sb.append(String.format(Locale.ROOT, " after=%.1fms", r.durationMillis(nowNanos)));
        } else {
            if (r.closeInitiator() != null) {
                sb.append(" closed_by=").append(r.closeInitiator().wireName()).append(" (").append(r.closeDetail()).append(')');
            }
            // A connection open before the attach: its life counts from when connscope first saw it.
            sb.append(String.format(Locale.ROOT, r.preexisting() ? " preexisting dur>=%.1fms" : " dur=%.1fms",
                    r.durationMillis(nowNanos)));
            if (r.connectMillis() >= 0) {
                sb.append(String.format(Locale.ROOT, " connect=%.1fms", r.connectMillis()));
            }
            sb.append(String.format(Locale.ROOT, " idle=%.1fms", r.idleMillis(nowNanos)));
            sb.append(" tx=").append(r.bytesSent()).append(" rx=").append(r.bytesReceived());
            if (r.isHttp()) {
                sb.append(" http_requests=").append(r.requests());
                if (r.closeReason() != null) {
                    sb.append(" close_reason=").append(r.closeReason());
                }
            } else if (r.tlsHandshakes() > 0) {
                sb.append(" tls");
            }
            if (r.keepAlive() != null) {
                sb.append(" keepalive=").append(r.keepAlive().describe());
            }
        }
        return sb.append(" thread=").append(r.thread()).toString();
    }

    static String hostPort(InetSocketAddress a) {
        if (a == null) {
            return "?";
        }
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
