package io.connscope.agent.export.otel;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionState;
import io.connscope.agent.core.Direction;
import io.connscope.agent.core.KeepAliveSettings;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Running totals per peer for the cumulative metrics, live: what finished connections contributed (added once, by
 * the reporter thread) plus what the open ones have done so far (read at each collection). So a connection that
 * lives for hours shows its requests and bytes while it lives, and the application's threads never pay for it.
 *
 * <p>A connection moves from "open" to "finished" between two collections, and for a moment it may be in neither
 * (it left the table, its report is still queued): {@link #snapshot} never lets a total go down, it holds the
 * highest value reported until the finished side catches up.
 *
 * <p>Peers are bounded: beyond {@code maxPeers} distinct peers, further ones are added to one overflow peer.
 */
final class PeerTotals {

    /** The counters kept per peer, indexes into each peer's {@code long[]}. */
    static final int OPENED = 0;
    static final int FAILED = 1;
    static final int KEEPALIVE_ON = 2;
    static final int KEEPALIVE_OFF = 3;
    static final int BYTES_SENT = 4;
    static final int BYTES_RECEIVED = 5;
    static final int REQUESTS_NEW = 6;
    static final int REQUESTS_REUSED = 7;
    static final int COUNTERS = 8;

    /** A peer as metrics name it: direction and the server's address and port (ours, for inbound connections). */
    static final class Peer {
        final Direction direction;
        final String serverAddress;
        final int serverPort;
        final boolean overflow;

        Peer(Direction direction, String serverAddress, int serverPort, boolean overflow) {
            this.direction = direction;
            this.serverAddress = serverAddress;
            this.serverPort = serverPort;
            this.overflow = overflow;
        }

        static Peer of(ConnectionRecord r) {
            InetSocketAddress server = r.serverAddress();
            String address = server == null || server.getAddress() == null ? "" : server.getAddress().getHostAddress();
            return new Peer(r.direction(), address, server == null ? 0 : server.getPort(), false);
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Peer)) {
                return false;
            }
            Peer p = (Peer) o;
            return direction == p.direction && serverPort == p.serverPort && overflow == p.overflow
                    && serverAddress.equals(p.serverAddress);
        }

        @Override
        public int hashCode() {
            return Objects.hash(direction, serverAddress, serverPort, overflow);
        }

        @Override
        public String toString() {
            return direction.wireName() + " " + serverAddress + ":" + serverPort + (overflow ? " (overflow)" : "");
        }
    }

    private final int maxPeers;
    private final Map<Peer, long[]> finished = new HashMap<>();
    private final Map<Peer, long[]> reported = new HashMap<>();

    PeerTotals(int maxPeers) {
        this.maxPeers = maxPeers;
    }

    /** A connection that finished (closed, failed to connect, or collected unclosed): counted for good. */
    synchronized void addFinished(ConnectionRecord r) {
        add(finished, r);
    }

    /**
     * Totals now: finished connections plus {@code open} ones, each counter never below what was reported before.
     * The returned map and arrays belong to the caller.
     */
    synchronized Map<Peer, long[]> snapshot(List<ConnectionRecord> open) {
        Map<Peer, long[]> now = new HashMap<>();
        finished.forEach((peer, counts) -> now.put(peer, counts.clone()));
        for (ConnectionRecord r : open) {
            add(now, r);
        }
        now.forEach((peer, counts) -> {
            long[] before = reported.get(peer);
            if (before != null) {
                for (int i = 0; i < COUNTERS; i++) {
                    counts[i] = Math.max(counts[i], before[i]);
                }
            }
            reported.put(peer, counts.clone());
        });
        // A peer reported before but absent now (its only open connection is between table and report).
        reported.forEach((peer, before) -> now.computeIfAbsent(peer, p -> before.clone()));
        return now;
    }

    private void add(Map<Peer, long[]> totals, ConnectionRecord r) {
        Peer peer = Peer.of(r);
        long[] c = totals.get(peer);
        if (c == null) {
            if (totals.size() >= maxPeers && !reported.containsKey(peer)) {
                peer = new Peer(r.direction(), "", 0, true);
            }
            c = totals.computeIfAbsent(peer, p -> new long[COUNTERS]);
        }
        if (r.state() == ConnectionState.FAILED) {
            c[FAILED]++;
            return;
        }
        c[OPENED]++;
        KeepAliveSettings k = r.keepAlive();
        if (k != null && k.enabled != null) {
            c[k.enabled ? KEEPALIVE_ON : KEEPALIVE_OFF]++;
        }
        c[BYTES_SENT] += r.bytesSent();
        c[BYTES_RECEIVED] += r.bytesReceived();
        Integer requests = r.requests();
        if (requests != null && requests > 0) {
            // A connection's first request opened it; every later one reused it.
            c[REQUESTS_NEW]++;
            c[REQUESTS_REUSED] += requests - 1;
        }
    }
}
