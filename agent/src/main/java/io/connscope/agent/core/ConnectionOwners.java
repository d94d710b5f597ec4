package io.connscope.agent.core;

/**
 * Which connection a client library's object stands for (a pool entry, a connection wrapper, an HTTP/2 connection),
 * remembered once found: finding it walks several private fields down to the socket, and pools report their
 * entries on every lease and every return (for a pooled Apache HttpClient 5 call inside Tomcat, that walk was
 * some 40 % of connscope's time per request).
 *
 * <p>A remembered connection stands while it is open. An object that outlives its connection and is given another
 * (httpcore5's {@code PoolEntry}, reused by its pool) is forgotten when its pool discards the connection
 * ({@link #forget}), before the next one is assigned; any other object stands for one connection for its life.
 * Keys are weak and the table is bounded: a full table just means the walk, as before.
 */
final class ConnectionOwners {

    private final ConnectionTable<ConnectionRecord> known;

    ConnectionOwners(int capacity) {
        this.known = new ConnectionTable<>(Math.min(capacity, 4096));
    }

    /** The open connection {@code owner} was found to stand for, or null (never found, forgotten, or closed). */
    ConnectionRecord get(Object owner) {
        ConnectionRecord r = known.get(owner);
        return r != null && r.state == ConnectionState.OPEN ? r : null;
    }

    /** Remembers that {@code owner} stands for the open connection {@code r}, in place of what it stood for. */
    void remember(Object owner, ConnectionRecord r) {
        if (r.state != ConnectionState.OPEN) {
            return;
        }
        if (known.putIfAbsent(owner, r) != r) {
            known.remove(owner);
            known.putIfAbsent(owner, r);
        }
    }

    /** {@code owner} no longer stands for its connection (its pool is discarding it). */
    void forget(Object owner) {
        known.remove(owner);
    }

    /** Forgets the objects the application dropped. */
    void expungeCollected() {
        known.expungeCollected();
    }
}
