package io.connscope.agent.export;

import io.connscope.agent.core.http2.Http2Summary;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One peer's HTTP/2 connections added up, for the summary's {@code http2} lines: streams, the most open at once,
 * PINGs by side and their round trips, GOAWAYs and resets by sender and code.
 */
final class Http2PeerTotals {

    private long connections;
    private long clientStreams;
    private long serverStreams;
    private int maxOpenStreams;
    private final long[] pingsSent = new long[2];
    private final long[] pingsAcked = new long[2];
    private long rttCount;
    private double rttTotalMillis;
    private double rttMaxMillis;
    /** "server:no_error" -> GOAWAYs; "client:cancel" -> resets. */
    private final Map<String, long[]> goAways = new TreeMap<>();
    private final Map<String, long[]> resets = new TreeMap<>();

    void add(Http2Summary h) {
        connections++;
        clientStreams += h.clientStreams;
        serverStreams += h.serverStreams;
        maxOpenStreams = Math.max(maxOpenStreams, h.maxOpenStreams);
        pingsSent[0] += h.clientPings.sent;
        pingsAcked[0] += h.clientPings.acked;
        pingsSent[1] += h.serverPings.sent;
        pingsAcked[1] += h.serverPings.acked;
        rttCount += h.rttCount;
        rttTotalMillis += h.rttAvgMillis * h.rttCount;
        rttMaxMillis = Math.max(rttMaxMillis, h.rttMaxMillis);
        for (Http2Summary.GoAway g : h.goAways) {
            goAways.computeIfAbsent(g.from + ":" + g.error, k -> new long[1])[0]++;
        }
        h.clientResets.forEach((code, n) -> resets.computeIfAbsent("client:" + code, k -> new long[1])[0] += n);
        h.serverResets.forEach((code, n) -> resets.computeIfAbsent("server:" + code, k -> new long[1])[0] += n);
    }

    Http2PeerTotals copy() {
        Http2PeerTotals c = new Http2PeerTotals();
        c.connections = connections;
        c.clientStreams = clientStreams;
        c.serverStreams = serverStreams;
        c.maxOpenStreams = maxOpenStreams;
        System.arraycopy(pingsSent, 0, c.pingsSent, 0, 2);
        System.arraycopy(pingsAcked, 0, c.pingsAcked, 0, 2);
        c.rttCount = rttCount;
        c.rttTotalMillis = rttTotalMillis;
        c.rttMaxMillis = rttMaxMillis;
        goAways.forEach((k, v) -> c.goAways.put(k, v.clone()));
        resets.forEach((k, v) -> c.resets.put(k, v.clone()));
        return c;
    }

    /**
     * {@code http2 PEER: connections=2 streams=client:22,server:0 max_open_streams=3 pings=client:3/3,server:1/1
     * ping_rtt_avg=0.52ms ping_rtt_max=0.95ms goaways=server:no_error=2 resets=client:cancel=1}.
     */
    String render(String peer) {
        StringBuilder sb = new StringBuilder("http2 ").append(peer).append(": connections=").append(connections)
                .append(" streams=client:").append(clientStreams).append(",server:").append(serverStreams)
                .append(" max_open_streams=").append(maxOpenStreams)
                .append(" pings=client:").append(pingsSent[0]).append('/').append(pingsAcked[0])
                .append(",server:").append(pingsSent[1]).append('/').append(pingsAcked[1]);
        if (rttCount > 0) {
            sb.append(String.format(Locale.ROOT, " ping_rtt_avg=%.2fms ping_rtt_max=%.2fms", rttTotalMillis / rttCount,
                    rttMaxMillis));
        }
        counts(sb, " goaways=", goAways);
        counts(sb, " resets=", resets);
        return sb.append('\n').toString();
    }

    private static void counts(StringBuilder sb, String label, Map<String, long[]> counts) {
        if (counts.isEmpty()) {
            return;
        }
        sb.append(label);
        boolean first = true;
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
            sb.append(first ? "" : ",").append(e.getKey()).append('=').append(e.getValue()[0]);
            first = false;
        }
    }
}
