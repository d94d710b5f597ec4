package io.connscope.demo;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A client connection pool the way nginx's {@code upstream { keepalive N; }} and most HTTP client pools work: it
 * keeps at most {@code maxIdle} idle connections and closes any surplus one handed back; it opens a new
 * connection whenever none is idle (there is no cap on open ones); it drops an idle connection the server has
 * closed (stale) or that sat idle longer than {@code idleTimeoutMillis}. connscope does not know this pool, so the
 * connections it closes end with close_reason {@code application_close}.
 */
final class IdlePool implements AutoCloseable {

    /** Opens a new connection to the pool's server. */
    interface Opener {
        HttpConnection open() throws IOException;
    }

    private final Opener opener;
    private final int maxIdle;
    private final long idleTimeoutMillis;
    private final Deque<HttpConnection> idle = new ArrayDeque<>();
    private final Deque<Long> idleSince = new ArrayDeque<>();
    int opened;
    int reused;
    int closedSurplus;
    int droppedStale;
    int closedIdleTimeout;

    IdlePool(Opener opener, int maxIdle, long idleTimeoutMillis) {
        this.opener = opener;
        this.maxIdle = maxIdle;
        this.idleTimeoutMillis = idleTimeoutMillis;
    }

    /** The most recently returned idle connection that is still usable, else a new one. */
    HttpConnection borrow() throws IOException {
        while (true) {
            HttpConnection c;
            long since;
            synchronized (this) {
                c = idle.pollFirst();
                since = c == null ? 0 : idleSince.pollFirst();
            }
            if (c == null) {
                break;
            }
            if (System.currentTimeMillis() - since > idleTimeoutMillis) {
                c.close();
                count(() -> closedIdleTimeout++);
            } else if (c.isStale()) {
                c.close();
                count(() -> droppedStale++);
            } else {
                count(() -> reused++);
                return c;
            }
        }
        HttpConnection c = opener.open();
        count(() -> opened++);
        return c;
    }

    /** Keeps the connection idle, or closes it when {@code maxIdle} are idle already. */
    void release(HttpConnection c) throws IOException {
        synchronized (this) {
            if (idle.size() < maxIdle) {
                idle.addFirst(c);
                idleSince.addFirst(System.currentTimeMillis());
                return;
            }
            closedSurplus++;
        }
        c.close();
    }

    private synchronized void count(Runnable r) {
        r.run();
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            for (HttpConnection c : idle) {
                c.close();
            }
            idle.clear();
            idleSince.clear();
        }
    }
}
