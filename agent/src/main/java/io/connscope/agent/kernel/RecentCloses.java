package io.connscope.agent.kernel;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The 4-tuples of connections connscope saw close, kept about twice as long as Linux keeps a socket in TIME_WAIT
 * (60 s, {@code TCP_TIMEWAIT_LEN}), so that each TIME_WAIT row in /proc can be told to be this JVM's and to which
 * peer. The kernel row says which side closed first; the tuple says whose it was.
 *
 * <p>Bounded: at most {@code max} tuples; beyond that the oldest are forgotten early (counted), and their TIME_WAIT
 * rows are no longer counted. Written by the reporter thread, read by the sampler thread.
 */
final class RecentCloses {

    static final long KEEP_NANOS = 120_000_000_000L;

    private final int max;
    private final long keepNanos;
    /** Oldest close first: re-adding a tuple (its port reused) moves it to the end. */
    private final LinkedHashMap<Endpoints, Entry> closes = new LinkedHashMap<>();
    private long forgottenEarly;

    RecentCloses(int max, long keepNanos) {
        this.max = max;
        this.keepNanos = keepNanos;
    }

    private static final class Entry {
        final KernelPeer peer;
        final long closedNanos;

        Entry(KernelPeer peer, long closedNanos) {
            this.peer = peer;
            this.closedNanos = closedNanos;
        }
    }

    synchronized void add(Endpoints tuple, KernelPeer peer, long nowNanos) {
        Entry entry = new Entry(peer, nowNanos);
        if (closes.put(tuple, entry) != null) {
            // The tuple again (its port reused): to the end, with the newest.
            closes.remove(tuple);
            closes.put(tuple, entry);
        }
        expire(nowNanos);
        while (closes.size() > max) {
            Iterator<Endpoints> oldest = closes.keySet().iterator();
            oldest.next();
            oldest.remove();
            forgottenEarly++;
        }
    }

    /** The peer of a connection that closed with this 4-tuple recently, or null. */
    synchronized KernelPeer peerOf(Endpoints tuple) {
        Entry e = closes.get(tuple);
        return e == null ? null : e.peer;
    }

    synchronized void expire(long nowNanos) {
        for (Iterator<Map.Entry<Endpoints, Entry>> it = closes.entrySet().iterator(); it.hasNext(); ) {
            if (nowNanos - it.next().getValue().closedNanos <= keepNanos) {
                break;
            }
            it.remove();
        }
    }

    synchronized int size() {
        return closes.size();
    }

    synchronized long forgottenEarly() {
        return forgottenEarly;
    }
}
