package io.connscope.agent.core;

import io.connscope.agent.core.http.CloseReason;
import io.connscope.agent.core.http.HttpConnectionTracker;

/**
 * What client libraries' connection pools tell connscope: the pool a new connection belongs to, whether a pooled
 * connection is idle, and why a pool closes one (its time to live, its idle timeout, too many idle). Libraries
 * report through scopes around their own code ({@link #onScope} ... {@link #onScopeEnd}) on the thread that runs
 * it, and through hooks that name the pool's connection object; that object is resolved to its connection by the
 * registry.
 */
final class ClientPools {

    private final ConnectionRegistry registry;
    private final SocketInspector inspector;
    /** Client pools that announced themselves (weak keys): their names and limits. */
    private final ConnectionTable<PoolLimits> pools;
    /** Client-library scopes running on this thread (innermost first): the pool of new connections, why closes happen. */
    private final ThreadLocal<Scope> scopes = new ThreadLocal<>();
    /**
     * Connection limits a pool looked up last on this thread, as the library's own (immutable) duration objects,
     * null when none: {time to live, idle timeout}. Read into milliseconds only when a connection is discarded: the
     * lookups run on every lease.
     */
    private final ThreadLocal<Object[]> poolLimits = ThreadLocal.withInitial(() -> new Object[2]);

    ClientPools(int capacity, ConnectionRegistry registry, SocketInspector inspector) {
        this.registry = registry;
        this.inspector = inspector;
        this.pools = new ConnectionTable<>(Math.min(capacity, 4096));
    }

    /** The pool of a connection this thread starts now, or null outside a pool's scope. */
    String poolOfNewConnection() {
        Scope scope = scopes.get();
        return scope == null ? null : scope.pool();
    }

    /** Why {@code r}, closed now on this thread, closes, as the pool running here says; null if none says. */
    String closeReasonNow(ConnectionRecord r) {
        Scope scope = scopes.get();
        return scope == null ? null : scope.closeReasonFor(r, System.nanoTime());
    }

    void onScope(String pool, String closeReason) {
        Scope outer = scopes.get();
        scopes.set(new Scope(pool != null ? pool : outer == null ? null : outer.pool,
                closeReason != null ? closeReason : outer == null ? null : outer.closeReason,
                outer == null ? 0 : outer.idleLimitNanos, outer));
    }

    void onSweepScope(long idleLimitNanos) {
        Scope outer = scopes.get();
        scopes.set(new Scope(outer == null ? null : outer.pool, null, Math.max(1, idleLimitNanos), outer));
    }

    void onScopeEnd() {
        Scope current = scopes.get();
        if (current != null) {
            // set, not remove: the thread's map entry stays for its next scope (a pool's return, every request)
            scopes.set(current.outer);
        }
    }

    void onPooled(Object owner, String pool, boolean idle) {
        ConnectionRecord r = registry.connectionOf(owner);
        if (r != null && r.state == ConnectionState.OPEN) {
            if (pool != null && r.pool == null) {
                r.pool = pool;
            }
            HttpConnectionTracker h = r.http;
            r.requestsWhenPooled = h == null ? 0 : h.requests();
            if (idle && r.requestsWhenPooled == 0 && (r.http2 == null || r.http2.requests() == 0)) {
                r.openedAhead = true;
            }
            r.pooledIdle = idle;
        }
    }

    void onPoolDiscard(Object entry) {
        ConnectionRecord r = registry.connectionOf(entry);
        // The entry may be given a new connection next (httpcore5 reuses its entries): not this one any more.
        registry.ownerDiscarded(entry);
        if (r == null || r.state != ConnectionState.OPEN) {
            return;
        }
        PoolExpiry times = inspector.poolEntryTimes(entry);
        Object[] limits = poolLimits.get();
        String reason = times == null ? null : times.reason(System.currentTimeMillis(),
                millisOrNone(limits[0]), millisOrNone(limits[1]));
        if (reason == null) {
            reason = closeReasonNow(r);
        }
        // Noted now: an asynchronous client closes the connection later, on its I/O reactor's thread.
        if (reason != null) {
            r.poolCloseReason = reason;
        }
    }

    void onPoolCreated(Object pool, String name, Object settings) {
        long[] limits = settings == null ? null : inspector.poolLimits(settings);
        pools.putIfAbsent(pool, limits == null ? new PoolLimits(name, PoolLimits.NONE, PoolLimits.NONE)
                : new PoolLimits(name, limits[0], limits[1]));
    }

    void onPooledIn(Object owner, Object pool, boolean idle) {
        PoolLimits p = pool == null ? null : pools.get(pool);
        onPooled(owner, p == null ? null : p.name, idle);
    }

    void onPoolDestroying(Object pool, Object owner) {
        PoolLimits p = pool == null ? null : pools.get(pool);
        ConnectionRecord r = p == null ? null : registry.connectionOf(owner);
        if (r == null || r.state != ConnectionState.OPEN || inspector.poolShutDown(pool)) {
            // A disposed pool closes every connection it holds, whatever their age: no pool reason.
            return;
        }
        long[] times = inspector.pooledTimes(owner);
        if (times == null) {
            // The pool's clocks are unknown: ours. The last byte moved no later than the pool took the connection back.
            long now = System.nanoTime();
            long last = r.lastActivityNanos != 0 ? r.lastActivityNanos : r.connectedNanos;
            times = new long[] {(now - last) / 1_000_000L, (now - r.connectedNanos) / 1_000_000L};
        }
        String reason = p.closeReason(times[0], times[1]);
        if (reason != null) {
            // The close itself may come later, on the connection's event loop: the reason waits on the record.
            r.poolCloseReason = reason;
        }
    }

    void onPoolLimit(Object duration, boolean lifetime) {
        poolLimits.get()[lifetime ? 0 : 1] = duration;
    }

    private long millisOrNone(Object duration) {
        return duration == null ? -1 : inspector.durationMillis(duration);
    }

    /** Forgets pools the application dropped. */
    void expungeCollected() {
        pools.expungeCollected();
    }

    /** One client-library scope on a thread's stack of them. */
    private static final class Scope {
        final String pool;
        final String closeReason;
        /** Inside a pool's sweep: the idle time from which a close is a timeout; 0 outside one. */
        final long idleLimitNanos;
        final Scope outer;

        Scope(String pool, String closeReason, long idleLimitNanos, Scope outer) {
            this.pool = pool;
            this.closeReason = closeReason;
            this.idleLimitNanos = idleLimitNanos;
            this.outer = outer;
        }

        String pool() {
            return pool;
        }

        /** Why a connection closed now, in this scope, closes. */
        String closeReasonFor(ConnectionRecord r, long nowNanos) {
            if (idleLimitNanos > 0) {
                // The connection's last byte moved no later than the pool marked it idle, so this idle time is
                // at least the pool's: under its limit, the sweep closed it only because too many were idle.
                long last = r.lastActivityNanos != 0 ? r.lastActivityNanos : r.connectedNanos;
                return nowNanos - last >= idleLimitNanos ? CloseReason.POOL_IDLE_TIMEOUT : CloseReason.POOL_FULL;
            }
            return closeReason;
        }
    }
}
