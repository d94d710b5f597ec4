package io.connscope.agent.kernel;

import java.util.Arrays;

/**
 * The 4-tuples of connections connscope saw close, kept about twice as long as Linux keeps a socket in TIME_WAIT
 * (60 s, {@code TCP_TIMEWAIT_LEN}), so that each TIME_WAIT row in /proc can be told to be this JVM's and to which
 * peer. The kernel row says which side closed it first; the tuple says whose it was.
 *
 * <p>Bounded: at most {@code max} tuples; beyond that the oldest are forgotten early (counted), and their TIME_WAIT
 * rows are no longer counted. Written by the reporter thread, read by the sampler thread.
 *
 * <p>Held in primitive arrays, not a map of objects: under connection churn tens of thousands of closes a second
 * pass through here and each lives a second or more, long enough that a map's entries and keys survived every young
 * collection and were copied by each (the churn server's collections took six times as long as without the agent).
 * The arrays grow with the count, up to {@code max}, and are then reused: adding a close allocates nothing.
 */
final class RecentCloses {

    static final long KEEP_NANOS = 120_000_000_000L;
    private static final int FIRST_CAPACITY = 256;
    private static final int NONE = -1;

    private final int max;
    private final long keepNanos;

    // Slots, linked oldest to newest (an insertion-ordered map in arrays); free slots are chained through next.
    private long[] addresses = new long[0]; // per slot: local high, local low, remote high, remote low
    private int[] ports = new int[0];
    private long[] closedNanos = new long[0];
    private KernelPeer[] peers = new KernelPeer[0];
    /** The sample in which a slot's TIME_WAIT row was last counted. */
    private int[] countedIn = new int[0];
    private int[] next = new int[0];
    private int[] previous = new int[0];
    private int oldest = NONE;
    private int newest = NONE;
    private int free = NONE;
    private int count;
    /**
     * Open addressing (linear probing) from a tuple to its slot, at most half full. Each position is two ints, the
     * slot + 1 (0 for empty) and the tuple's hash: probing and moving entries then read the index alone, not the
     * slots' arrays. Under churn every close probes and removes the oldest, and each slot read was a cache miss.
     */
    private int[] index;
    private long forgottenEarly;

    RecentCloses(int max, long keepNanos) {
        this.max = max;
        this.keepNanos = keepNanos;
        resize(Math.min(max, FIRST_CAPACITY));
    }

    synchronized void add(Endpoints tuple, KernelPeer peer, long nowNanos) {
        expire(nowNanos);
        int previousSlot = find(tuple);
        if (previousSlot != NONE) {
            // The tuple again (its port reused): to the end, with the newest.
            remove(previousSlot);
        } else if (count == max) {
            remove(oldest);
            forgottenEarly++;
        }
        if (free == NONE) {
            resize((int) Math.min(max, peers.length * 2L));
        }
        int slot = free;
        free = next[slot];
        addresses[slot * 4] = tuple.localHigh;
        addresses[slot * 4 + 1] = tuple.localLow;
        addresses[slot * 4 + 2] = tuple.remoteHigh;
        addresses[slot * 4 + 3] = tuple.remoteLow;
        ports[slot] = tuple.ports;
        closedNanos[slot] = nowNanos;
        peers[slot] = peer;
        countedIn[slot] = 0;
        next[slot] = NONE;
        previous[slot] = newest;
        if (newest == NONE) {
            oldest = slot;
        } else {
            next[newest] = slot;
        }
        newest = slot;
        count++;
        insert(slot);
    }

    /** The peer of a connection that closed with this 4-tuple recently, or null. */
    synchronized KernelPeer peerOf(Endpoints tuple) {
        int slot = find(tuple);
        return slot == NONE ? null : peers[slot];
    }

    /**
     * The peer of a recent close with this tuple, the first time it is asked for in {@code sample} (not 0), else
     * null: a read of /proc is not atomic and can list one socket twice.
     */
    synchronized KernelPeer firstInSample(Endpoints tuple, int sample) {
        int slot = find(tuple);
        if (slot == NONE || countedIn[slot] == sample) {
            return null;
        }
        countedIn[slot] = sample;
        return peers[slot];
    }

    synchronized void expire(long nowNanos) {
        while (oldest != NONE && nowNanos - closedNanos[oldest] > keepNanos) {
            remove(oldest);
        }
    }

    synchronized int size() {
        return count;
    }

    synchronized long forgottenEarly() {
        return forgottenEarly;
    }

    private void remove(int slot) {
        unindex(slot);
        int p = previous[slot];
        int n = next[slot];
        if (p == NONE) {
            oldest = n;
        } else {
            next[p] = n;
        }
        if (n == NONE) {
            newest = p;
        } else {
            previous[n] = p;
        }
        peers[slot] = null;
        next[slot] = free;
        free = slot;
        count--;
    }

    /** Room for {@code capacity} slots (only ever more): the slots keep their numbers, the index is rebuilt. */
    private void resize(int capacity) {
        int from = peers.length;
        addresses = Arrays.copyOf(addresses, capacity * 4);
        ports = Arrays.copyOf(ports, capacity);
        closedNanos = Arrays.copyOf(closedNanos, capacity);
        peers = Arrays.copyOf(peers, capacity);
        countedIn = Arrays.copyOf(countedIn, capacity);
        next = Arrays.copyOf(next, capacity);
        previous = Arrays.copyOf(previous, capacity);
        for (int s = capacity - 1; s >= from; s--) {
            next[s] = free;
            free = s;
        }
        int positions = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) * 2;
        index = new int[positions * 2];
        for (int s = oldest; s != NONE; s = next[s]) {
            insert(s);
        }
    }

    /** The slot holding this tuple, or NONE. */
    private int find(Endpoints t) {
        int mask = mask();
        int h = spread(Endpoints.hash(t.localHigh, t.localLow, t.remoteHigh, t.remoteLow, t.ports));
        for (int i = h & mask, v; (v = index[2 * i]) != 0; i = (i + 1) & mask) {
            if (index[2 * i + 1] != h) {
                continue;
            }
            int s = v - 1;
            int a = s * 4;
            if (ports[s] == t.ports && addresses[a + 1] == t.localLow && addresses[a + 3] == t.remoteLow
                    && addresses[a] == t.localHigh && addresses[a + 2] == t.remoteHigh) {
                return s;
            }
        }
        return NONE;
    }

    private void insert(int slot) {
        int mask = mask();
        int h = hashOf(slot);
        int i = h & mask;
        while (index[2 * i] != 0) {
            i = (i + 1) & mask;
        }
        index[2 * i] = slot + 1;
        index[2 * i + 1] = h;
    }

    /** Takes a slot out of the index, moving back the entries after it that had probed past it. */
    private void unindex(int slot) {
        int mask = mask();
        int i = hashOf(slot) & mask;
        while (index[2 * i] != slot + 1) {
            i = (i + 1) & mask;
        }
        index[2 * i] = 0;
        for (int j = (i + 1) & mask; index[2 * j] != 0; j = (j + 1) & mask) {
            int k = index[2 * j + 1] & mask;
            // The entry at j stays unless its home lies cyclically outside (i, j]: then it moves into the hole.
            boolean stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
            if (!stays) {
                index[2 * i] = index[2 * j];
                index[2 * i + 1] = index[2 * j + 1];
                index[2 * j] = 0;
                i = j;
            }
        }
    }

    /** Positions in the index (two ints each) - 1. */
    private int mask() {
        return (index.length >> 1) - 1;
    }

    private int hashOf(int slot) {
        int a = slot * 4;
        return spread(Endpoints.hash(addresses[a], addresses[a + 1], addresses[a + 2], addresses[a + 3], ports[slot]));
    }

    private static int spread(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
