package io.connscope.agent.core.tls;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where an {@code SSLEngine} and a TCP connection meet by the ClientHello they share. Whichever side sees the
 * ClientHello first leaves its party here; the second takes it away. A client's engine builds the ClientHello
 * before its socket sends it; a server's socket reads it before its engine unwraps it; so either may come first.
 *
 * <p>Bounded: parties that never meet (TLS sockets that use no SSLEngine, engines whose transport the agent does
 * not trace) are dropped oldest first, and counted.
 */
public final class TlsRendezvous {

    private final int capacity;
    private long dropped;
    private final LinkedHashMap<ClientHelloKey, Object> waiting = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ClientHelloKey, Object> eldest) {
            if (size() > capacity) {
                dropped++;
                return true;
            }
            return false;
        }
    };

    public TlsRendezvous(int capacity) {
        this.capacity = capacity;
    }

    /** Returns the party waiting under {@code key} (and forgets it), or leaves {@code mine} waiting and returns null. */
    public synchronized Object meet(ClientHelloKey key, Object mine) {
        Object other = waiting.remove(key);
        if (other != null && other != mine) {
            return other;
        }
        waiting.put(key, mine);
        return null;
    }

    /** Forgets whoever waits under {@code key} (its connection closed). */
    public synchronized void forget(ClientHelloKey key) {
        waiting.remove(key);
    }

    public synchronized int waiting() {
        return waiting.size();
    }

    public synchronized long dropped() {
        return dropped;
    }
}
