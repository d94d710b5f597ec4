package io.connscope.agent.export;

import io.connscope.agent.core.CloseInitiator;
import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionState;
import io.connscope.agent.core.Direction;
import io.connscope.agent.core.KeepAliveSettings;
import io.connscope.agent.core.http2.Http2Summary;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Totals per peer since start: connections, closes by initiator, keep-alive on or off, bytes, HTTP requests,
 * the share of requests that reused a connection, and why HTTP connections closed.
 *
 * <p>A peer is the remote address and port for outbound connections, and the remote address and our local port
 * for inbound ones (the client's ephemeral port would make every connection its own row). Finished connections
 * are added as they come; open ones are counted anew each time a table is printed. Used by one thread only.
 */
public final class PeerSummary {

    private final Map<String, Row> rows = new TreeMap<>();

    public void addFinished(ConnectionRecord r) {
        Row row = row(r);
        if (r.state() == ConnectionState.FAILED) {
            row.failed++;
            return;
        }
        row.closed++;
        row.byInitiator[r.closeInitiator().ordinal()]++;
        if (r.closeReason() != null) {
            // A counter per reason, not a boxed Long: no allocation per close once a reason was seen.
            long[] n = row.reasons.get(r.closeReason());
            if (n == null) {
                n = new long[1];
                row.reasons.put(r.closeReason(), n);
            }
            n[0]++;
        }
        addCommon(row, r);
    }

    private static void addCommon(Row row, ConnectionRecord r) {
        KeepAliveSettings k = r.keepAlive();
        if (k != null && k.isEnabled()) {
            row.keepAliveOn++;
        } else {
            row.keepAliveOff++;
        }
        row.bytesSent += r.bytesSent();
        row.bytesReceived += r.bytesReceived();
        Integer requests = r.requests();
        if (requests != null && requests > 0) {
            row.requests += requests;
            // Every request after a connection's first ran on a reused connection.
            row.reusedRequests += requests - 1;
        }
        Http2Summary h2 = r.http2();
        if (h2 != null) {
            if (row.http2 == null) {
                row.http2 = new Http2PeerTotals();
            }
            row.http2.add(h2);
        }
    }

    /**
     * Per direction, the row of the last connection added and what its key was made of: consecutive closes in a
     * direction mostly share a peer (a pool, a churn loop; a proxy's inbound and outbound closes interleave), and
     * the key is then not built again. IPv4 only (an IPv6 address's text has its scope).
     */
    private final Memo[] memos = {new Memo(), new Memo()};

    private static final class Memo {
        Row row;
        InetAddress host;
        int port;
    }

    private Row row(ConnectionRecord r) {
        InetAddress host = r.remoteInet();
        Direction direction = r.direction();
        boolean inbound = direction == Direction.INBOUND;
        int port = inbound ? r.localPort() : r.remotePort();
        boolean memo = host instanceof Inet4Address && (!inbound || port != 0);
        Memo last = memos[inbound ? 1 : 0];
        if (memo && last.row != null && port == last.port && host.equals(last.host)) {
            return last.row;
        }
        Row row = rows.computeIfAbsent(peerKey(r), k -> new Row(k, direction));
        if (memo) {
            last.row = row;
            last.host = host;
            last.port = port;
        }
        return row;
    }

    static String peerKey(ConnectionRecord r) {
        InetSocketAddress remote = r.remoteAddress();
        String host = remote == null || remote.getAddress() == null ? "?" : remote.getAddress().getHostAddress();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        if (r.direction() == Direction.INBOUND) {
            InetSocketAddress local = r.localAddress();
            return host + " -> :" + (local == null ? "?" : Integer.toString(local.getPort()));
        }
        return host + ":" + (remote == null ? "?" : Integer.toString(remote.getPort()));
    }

    /**
     * The table as printed: finished connections so far plus {@code open} ones (not kept: they are counted again,
     * in their final state, when they finish).
     */
    public String render(List<ConnectionRecord> open) {
        Map<String, Row> view = new TreeMap<>();
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            view.put(e.getKey(), e.getValue().copy());
        }
        for (ConnectionRecord r : open) {
            Row row = view.computeIfAbsent(peerKey(r), k -> new Row(k, r.direction()));
            row.open++;
            addCommon(row, r);
        }
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"PEER", "DIR", "CONNS", "OPEN", "FAILED", "LOCAL", "REMOTE", "R_RESET", "L_RESET",
                "UNKNOWN", "KA_ON", "KA_OFF", "TX_BYTES", "RX_BYTES", "REQS", "REUSE", "CLOSE_REASONS"});
        for (Row row : view.values()) {
            lines.add(new String[] {row.peer, row.direction.wireName(),
                    Long.toString(row.closed + row.open + row.failed), Long.toString(row.open), Long.toString(row.failed),
                    count(row, CloseInitiator.LOCAL), count(row, CloseInitiator.REMOTE),
                    count(row, CloseInitiator.REMOTE_RESET), count(row, CloseInitiator.LOCAL_RESET),
                    count(row, CloseInitiator.UNKNOWN), Long.toString(row.keepAliveOn), Long.toString(row.keepAliveOff),
                    Long.toString(row.bytesSent), Long.toString(row.bytesReceived), Long.toString(row.requests),
                    row.requests == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", 100.0 * row.reusedRequests / row.requests),
                    reasons(row)});
        }
        StringBuilder http2 = new StringBuilder();
        for (Row row : view.values()) {
            if (row.http2 != null) {
                http2.append(row.http2.render(row.peer + " (" + row.direction.wireName() + ")"));
            }
        }
        return align(lines) + http2 + pools(open);
    }

    /** Open connections of client pools, per pool and peer: how many sit idle in the pool, how many are in use. */
    static String pools(List<ConnectionRecord> open) {
        Map<String, long[]> counts = new TreeMap<>();
        for (ConnectionRecord r : open) {
            if (r.pool() != null) {
                long[] c = counts.computeIfAbsent(r.pool() + " -> " + peerKey(r), k -> new long[2]);
                c[r.pooledIdle() ? 0 : 1]++;
            }
        }
        StringBuilder sb = new StringBuilder();
        counts.forEach((pool, c) -> sb.append("pool ").append(pool).append(": idle=").append(c[0])
                .append(" active=").append(c[1]).append('\n'));
        return sb.toString();
    }

    private static String reasons(Row row) {
        if (row.reasons.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        row.reasons.forEach((reason, n) -> sb.append(sb.length() == 0 ? "" : ",").append(reason).append('=').append(n[0]));
        return sb.toString();
    }

    private static String count(Row row, CloseInitiator i) {
        return Long.toString(row.byInitiator[i.ordinal()]);
    }

    private static String align(List<String[]> lines) {
        int[] widths = new int[lines.get(0).length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                String cell = line[i];
                // Names left-aligned, numbers right-aligned.
                sb.append(i < 2 || i == line.length - 1 ? String.format(Locale.ROOT, "%-" + widths[i] + "s", cell)
                        : String.format(Locale.ROOT, "%" + widths[i] + "s", cell));
                sb.append(i + 1 < line.length ? "  " : "\n");
            }
        }
        return sb.toString();
    }

    private static final class Row {
        final String peer;
        final Direction direction;
        long closed;
        long open;
        long failed;
        final long[] byInitiator = new long[CloseInitiator.values().length];
        long keepAliveOn;
        long keepAliveOff;
        long bytesSent;
        long bytesReceived;
        long requests;
        long reusedRequests;
        final Map<String, long[]> reasons = new TreeMap<>();
        /** The peer's HTTP/2 connections; null while it has none. */
        Http2PeerTotals http2;

        Row(String peer, Direction direction) {
            this.peer = peer;
            this.direction = direction;
        }

        Row copy() {
            Row c = new Row(peer, direction);
            c.closed = closed;
            c.open = open;
            c.failed = failed;
            System.arraycopy(byInitiator, 0, c.byInitiator, 0, byInitiator.length);
            c.keepAliveOn = keepAliveOn;
            c.keepAliveOff = keepAliveOff;
            c.bytesSent = bytesSent;
            c.bytesReceived = bytesReceived;
            c.requests = requests;
            c.reusedRequests = reusedRequests;
            reasons.forEach((reason, n) -> c.reasons.put(reason, n.clone()));
            c.http2 = http2 == null ? null : http2.copy();
            return c;
        }
    }
}
