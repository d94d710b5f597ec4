package io.connscope.agent.kernel;

import io.connscope.agent.core.Direction;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;

/** What one sample of /proc found, per peer of this JVM; immutable once published. */
public final class KernelSnapshot {

    /** Counts for one peer. */
    public static final class PeerCounts {
        /** Open connections of this JVM to or from the peer, as rows in /proc (any state but TIME_WAIT). */
        public int open;
        /** TIME_WAIT rows of connections this JVM had with the peer. */
        public int timeWait;
        /** Open connections whose keep-alive timer runs with at least one probe unanswered. */
        public int unansweredProbes;
        /** The most unanswered probes of one of them. */
        public int maxUnansweredProbes;

        /** Local ports this JVM holds for the peer: its connections plus their TIME_WAIT sockets. */
        public int portsInUse() {
            return open + timeWait;
        }
    }

    public final long sampledAtMillis;
    /** Rows read from /proc/net/tcp and tcp6. */
    public final int rows;
    /** How long the sample took. */
    public final long sampleNanos;
    /** {@code /proc/sys/net/ipv4/ip_local_port_range}, or -1 when unreadable. */
    public final int portRangeLow;
    public final int portRangeHigh;
    /** {@code /proc/sys/net/ipv4/tcp_tw_reuse} (0 off, 1 on, 2 loopback only), or -1 when unreadable. */
    public final int twReuse;
    public final Map<KernelPeer, PeerCounts> peers;

    KernelSnapshot(long sampledAtMillis, int rows, long sampleNanos, int portRangeLow, int portRangeHigh, int twReuse,
                   Map<KernelPeer, PeerCounts> peers) {
        this.sampledAtMillis = sampledAtMillis;
        this.rows = rows;
        this.sampleNanos = sampleNanos;
        this.portRangeLow = portRangeLow;
        this.portRangeHigh = portRangeHigh;
        this.twReuse = twReuse;
        this.peers = Collections.unmodifiableMap(peers);
    }

    /** How many ephemeral ports connect() picks from; 0 when unknown. */
    public int ephemeralPorts() {
        return portRangeLow > 0 && portRangeHigh >= portRangeLow ? portRangeHigh - portRangeLow + 1 : 0;
    }

    /**
     * The share of the ephemeral range an outbound peer's connections and TIME_WAIT sockets take, or -1 (inbound,
     * or the range unknown). Linux lets connections to different peers share a local port, so it is per peer that
     * the range runs out.
     */
    public double portUsage(KernelPeer peer, PeerCounts c) {
        int range = ephemeralPorts();
        return peer.direction != Direction.OUTBOUND || range == 0 ? -1 : (double) c.portsInUse() / range;
    }

    /** The console's lines: one for the system, one per peer with anything to say. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("kernel: ephemeral ports ").append(portRangeLow).append('-').append(portRangeHigh)
                .append(" (").append(ephemeralPorts()).append("), tcp_tw_reuse=").append(twReuse)
                .append("; last sample ").append(rows).append(" rows in ")
                .append(String.format(Locale.ROOT, "%.2f", sampleNanos / 1e6)).append(" ms\n");
        peers.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            PeerCounts c = e.getValue();
            sb.append("kernel ").append(e.getKey()).append(": open=").append(c.open)
                    .append(" time_wait=").append(c.timeWait);
            double usage = portUsage(e.getKey(), c);
            if (usage >= 0) {
                sb.append(" port_usage=").append(String.format(Locale.ROOT, "%.4f", usage));
            }
            sb.append(" unanswered_keepalive=").append(c.unansweredProbes);
            if (c.unansweredProbes > 0) {
                sb.append(" (max probes ").append(c.maxUnansweredProbes).append(')');
            }
            sb.append('\n');
        });
        return sb.toString();
    }
}
