package io.connscope.agent.core;

import io.connscope.agent.core.http.CloseReason;

/**
 * The times a client pool keeps on one of its entries (Apache HttpClient's {@code PoolEntry}), in epoch
 * milliseconds, and what they say about why the pool closes the entry's connection now. A pool gives a
 * connection a deadline from its time to live ({@code validUntil}) and, each time it takes the connection back, a
 * deadline from its keep-alive ({@code expiresAt}, never later than {@code validUntil}); newer versions also check
 * limits from their configuration against the entry's creation and last release.
 */
public final class PoolExpiry {
    final long createdMillis;
    final long updatedMillis;
    final long validUntilMillis;
    final long expiresAtMillis;

    public PoolExpiry(long createdMillis, long updatedMillis, long validUntilMillis, long expiresAtMillis) {
        this.createdMillis = createdMillis;
        this.updatedMillis = updatedMillis;
        this.validUntilMillis = validUntilMillis;
        this.expiresAtMillis = expiresAtMillis;
    }

    /**
     * Why the pool closes the connection at {@code nowMillis}: {@code pool_max_lifetime} once it has outlived its
     * time to live (the entry's own, or {@code lifetimeLimitMillis} the pool just looked up, negative for none),
     * {@code pool_idle_timeout} once it has sat idle past its keep-alive (or {@code idleLimitMillis}); null when
     * neither explains it (the pool closes it for another reason).
     */
    public String reason(long nowMillis, long lifetimeLimitMillis, long idleLimitMillis) {
        if (createdMillis <= 0) {
            return null; // no connection on the entry
        }
        if (nowMillis >= validUntilMillis
                || lifetimeLimitMillis >= 0 && nowMillis - createdMillis >= lifetimeLimitMillis) {
            return CloseReason.POOL_MAX_LIFETIME;
        }
        if (nowMillis >= expiresAtMillis || idleLimitMillis > 0 && nowMillis - updatedMillis >= idleLimitMillis) {
            return CloseReason.POOL_IDLE_TIMEOUT;
        }
        return null;
    }
}
