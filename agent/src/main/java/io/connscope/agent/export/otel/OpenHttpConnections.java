package io.connscope.agent.export.otel;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.Direction;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The outbound HTTP connections open now, per server, active or idle in a pool: what
 * {@code http.client.open_connections} reports at each collection.
 *
 * <p>A server whose connections have all closed is still reported, with 0 active and 0 idle: an absent series
 * would be a gap in a dashboard or an alert, not the 0 it is. Servers are remembered once they had an open HTTP
 * connection at a collection or a finished one reached the reporter; at most {@code maxServers} are remembered
 * (the metrics' peer bound), and any further server is reported only while it has connections open.
 */
final class OpenHttpConnections {

    /** Indexes into each server's {@code long[]}. */
    static final int IDLE = 0;
    static final int ACTIVE = 1;

    private final int maxServers;
    private final Set<PeerTotals.Peer> known = new LinkedHashSet<>();

    OpenHttpConnections(int maxServers) {
        this.maxServers = maxServers;
    }

    /** Whether this connection counts: outbound, and HTTP or held by a client pool. */
    static boolean counts(ConnectionRecord r) {
        return r.direction() == Direction.OUTBOUND && (r.isHttp() || r.pool() != null);
    }

    /** Reporter thread: a finished connection makes its server known, so it reports 0 from now on. */
    synchronized void onFinished(ConnectionRecord r) {
        if (counts(r)) {
            remember(PeerTotals.Peer.of(r));
        }
    }

    /** Per server, {idle, active} now: the open connections counted, every known server present. */
    synchronized Map<PeerTotals.Peer, long[]> count(List<ConnectionRecord> open) {
        Map<PeerTotals.Peer, long[]> now = new LinkedHashMap<>();
        for (PeerTotals.Peer server : known) {
            now.put(server, new long[2]);
        }
        for (ConnectionRecord r : open) {
            if (counts(r)) {
                PeerTotals.Peer server = PeerTotals.Peer.of(r);
                remember(server);
                now.computeIfAbsent(server, s -> new long[2])[r.pooledIdle() ? IDLE : ACTIVE]++;
            }
        }
        return now;
    }

    private void remember(PeerTotals.Peer server) {
        if (known.size() < maxServers) {
            known.add(server);
        }
    }
}
