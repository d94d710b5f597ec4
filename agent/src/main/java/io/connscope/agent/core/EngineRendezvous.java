package io.connscope.agent.core;

import io.connscope.agent.core.tls.ClientHelloKey;
import io.connscope.agent.core.tls.TlsRendezvous;

/**
 * Ties each {@code SSLEngine} to its TCP connection by the ClientHello both see: an engine is given buffers, never
 * a socket, so the ClientHello's random is the one thing it shares with the connection that carries its records.
 * The socket side reports it from the connection's first bytes ({@link ConnectionProtocols}), the engine side from
 * its wrap or unwrap ({@link TlsPlaintext}); whichever comes second makes the tie.
 */
final class EngineRendezvous {

    /** JDK SSLEngines (weak keys) to their TCP connection, found once per engine through the rendezvous. */
    private final ConnectionTable<ConnectionRecord> engines;
    /**
     * Where engines and connections meet, one place per side: a client's engine (its wrap makes the ClientHello)
     * belongs to an outbound connection, a server's (its unwrap reads it) to an inbound one. With both ends in one
     * JVM the same ClientHello passes both, and must not tie the client's engine to the server's connection.
     */
    private final TlsRendezvous clientRendezvous = new TlsRendezvous(4096);
    private final TlsRendezvous serverRendezvous = new TlsRendezvous(4096);

    EngineRendezvous(int capacity) {
        this.engines = new ConnectionTable<>(capacity);
    }

    private TlsRendezvous rendezvousOf(boolean client) {
        return client ? clientRendezvous : serverRendezvous;
    }

    /** The socket side of the rendezvous: the connection's ClientHello went by. */
    void onConnectionHello(ConnectionRecord r, ClientHelloKey key) {
        r.tls().helloKey = key;
        Object engine = rendezvousOf(r.direction == Direction.OUTBOUND).meet(key, r);
        if (engine != null && !(engine instanceof ConnectionRecord)) {
            engines.putIfAbsent(engine, r);
            r.tls().engineBound = true;
        }
    }

    /** The engine side: a client's wrap made the ClientHello {@code key}, or a server's unwrap read it. */
    void onEngineHello(Object engine, boolean client, ClientHelloKey key) {
        Object other = rendezvousOf(client).meet(key, engine);
        if (other instanceof ConnectionRecord) {
            engines.putIfAbsent(engine, (ConnectionRecord) other);
            ((ConnectionRecord) other).tls().engineBound = true;
        }
    }

    /** The connection under {@code engine}, or null until their rendezvous. */
    ConnectionRecord connectionOf(Object engine) {
        return engines.get(engine);
    }

    /** {@code r} closed: no engine will meet it any more. */
    void forget(ConnectionRecord r) {
        TlsState t = r.tlsOrNull();
        ClientHelloKey key = t == null ? null : t.helloKey;
        if (key != null) {
            rendezvousOf(r.direction == Direction.OUTBOUND).forget(key);
        }
    }

    /** Engines tied to a connection. */
    int size() {
        return engines.size();
    }

    /** Forgets engines the application dropped. */
    void expungeCollected() {
        engines.expungeCollected();
    }
}
