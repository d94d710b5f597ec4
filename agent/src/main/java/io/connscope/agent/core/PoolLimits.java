package io.connscope.agent.core;

import io.connscope.agent.core.http.CloseReason;

/**
 * A client pool that announced itself (Reactor Netty's, one per provider and remote address): the name its
 * connections get, and the limits it closes them by, which tell why it closed one.
 */
public final class PoolLimits {
    /** No limit. */
    public static final long NONE = -1;

    final String name;
    final long maxIdleMillis;
    final long maxLifeMillis;

    public PoolLimits(String name, long maxIdleMillis, long maxLifeMillis) {
        this.name = name;
        this.maxIdleMillis = maxIdleMillis;
        this.maxLifeMillis = maxLifeMillis;
    }

    /**
     * Why the pool closes a connection idle for {@code idleMillis} and alive for {@code lifeMillis}: the idle limit
     * first (the pool checks it first), then the lifetime; null when neither is reached (the pool is being disposed,
     * or the application invalidated the connection).
     */
    public String closeReason(long idleMillis, long lifeMillis) {
        if (maxIdleMillis != NONE && idleMillis >= maxIdleMillis) {
            return CloseReason.POOL_IDLE_TIMEOUT;
        }
        if (maxLifeMillis != NONE && lifeMillis >= maxLifeMillis) {
            return CloseReason.POOL_MAX_LIFETIME;
        }
        return null;
    }
}
