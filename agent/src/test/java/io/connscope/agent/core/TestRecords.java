package io.connscope.agent.core;

import java.net.InetSocketAddress;
import java.net.Socket;

/** Connection records for tests outside this package, as the registry would have made them. */
public final class TestRecords {

    private TestRecords() {
    }

    /** An open record of a connected socket, outbound or inbound (an accepted socket). */
    public static ConnectionRecord open(Socket socket, Direction direction) {
        ConnectionRecord r = new ConnectionRecord();
        r.direction = direction;
        r.localAddress((InetSocketAddress) socket.getLocalSocketAddress());
        r.remoteAddress((InetSocketAddress) socket.getRemoteSocketAddress());
        r.openedAtMillis = System.currentTimeMillis();
        r.openedNanos = System.nanoTime();
        r.state = ConnectionState.OPEN;
        return r;
    }

    /** An open record of a connection between these addresses. */
    public static ConnectionRecord open(InetSocketAddress local, InetSocketAddress remote, Direction direction) {
        ConnectionRecord r = new ConnectionRecord();
        r.direction = direction;
        r.localAddress(local);
        r.remoteAddress(remote);
        r.openedAtMillis = System.currentTimeMillis();
        r.openedNanos = System.nanoTime();
        r.state = ConnectionState.OPEN;
        return r;
    }

    /** The record, closed. */
    public static ConnectionRecord closed(ConnectionRecord r) {
        r.state = ConnectionState.CLOSED;
        r.closedAtMillis = System.currentTimeMillis();
        r.closedNanos = System.nanoTime();
        return r;
    }

    /** The record, closed first by {@code initiator}, for {@code reason} (a close_reason value). */
    public static ConnectionRecord closedFor(ConnectionRecord r, CloseInitiator initiator, String reason) {
        r.closeReason = reason;
        return closedBy(r, initiator);
    }

    /** The record, closed first by {@code initiator}. */
    public static ConnectionRecord closedBy(ConnectionRecord r, CloseInitiator initiator) {
        r.verdict = new CloseInitiator.Verdict(initiator, "test");
        return closed(r);
    }

    /** The record, closed after FINs that met at shutdownOutput: its initiator is for the kernel to settle. */
    public static ConnectionRecord closedWithFinsMet(ConnectionRecord r) {
        r.history().shutdownOutputNanos = System.nanoTime();
        r.history().peerFinDuringShutdown = true;
        r.verdict = CloseInitiator.decideFromHistory(r.history());
        return closed(r);
    }

    /** The record, closed by a selector before connscope could look: only a kernel row can settle its initiator. */
    public static ConnectionRecord closedUnlooked(ConnectionRecord r) {
        r.verdict = CloseInitiator.NOT_LOOKED_AT;
        return closed(r);
    }

    /** The record's TLS client handshake: its ClientHello and its last flight, so long after the connect started. */
    public static ConnectionRecord tlsHandshake(ConnectionRecord r, long helloAfterNanos, long endAfterNanos) {
        r.tls().helloNanos = r.openedNanos + helloAfterNanos;
        r.tls().handshakeEndNanos = r.openedNanos + endAfterNanos;
        return r;
    }

    /** The record's connect ended {@code afterNanos} after it started. */
    public static ConnectionRecord connectedAfter(ConnectionRecord r, long afterNanos) {
        r.connectedNanos = r.openedNanos + afterNanos;
        return r;
    }
}
