package io.connscope.agent.kernel;

import java.util.Arrays;

/**
 * The 4-tuples of connections connscope saw close, kept about twice as long as Linux keeps a socket in TIME_WAIT
 * (60 s, {@code TCP_TIMEWAIT_LEN}), so that each TIME_WAIT row in /proc can be told to be this JVM's and to which
 * peer. The kernel row says which side closed it first; the tuple says whose it was.
 *
 * <p>Bounded: at most {@code max} closes; beyond that the oldest are forgotten early (counted), and their TIME_WAIT
 * rows are no longer counted. A tuple closed again (its port reused) is a second close; a lookup answers with the
 * newest. Written by the reporter thread, read by the sampler thread.
 *
 * <p>Held in primitive arrays, not a map of objects: under connection churn tens of thousands of closes a second
 * pass through here and each lives a second or more, long enough that a map's entries and keys survived every young
 * collection and were copied by each (the churn server's collections took six times as long as without the agent).
 * The arrays grow with the count, up to {@code max}, and are then reused: adding a close allocates nothing.
 *
 * <p>Adding a close only appends to a ring, in close order; the hash index from tuples to slots is brought up to
 * date by lookups, which the sampler makes once every few seconds. Under churn a close that probed and updated the
 * index (and took the evicted oldest out of it) cost the reporter thread two cache misses; a ring appended to and
 * dropped from in order costs none, and the sampler indexes a few seconds' closes at once.
 */
final class RecentCloses {

    static final long KEEP_NANOS = 120_000_000_000L;
    private static final int FIRST_CAPACITY = 256;
    private static final int NONE = -1;

    private final int max;
    private final long keepNanos;

    // The ring: the kept closes are slots first, first + 1, ... (modulo the arrays' length), oldest first.
    private long[] addresses = new long[0]; // per slot: local high, local low, remote high, remote low
    private int[] ports = new int[0];
    private long[] closedNanos = new long[0];
    private KernelPeer[] peers = new KernelPeer[0];
    /** Per slot, the number of its close: the closes ever added, counted from 1 (0: never used). */
    private long[] numbers = new long[0];
    /** The sample in which a slot's TIME_WAIT row was last counted. */
    private int[] countedIn = new int[0];
    private int first;
    private int count;
    /** Closes ever added; the kept ones are numbered added - count + 1 to added. */
    private long added;
    private long forgottenEarly;

    /**
     * Open addressing (linear probing) from a tuple to its slots, at most half full. Each position is two ints, the
     * slot + 1 (0 for empty) and the tuple's hash, so that probing reads the index alone. Positions are only added:
     * one whose slot has since been dropped or reused no longer matches, or is older than the match a lookup takes,
     * and the index is rebuilt from the kept closes when it would become more than half full.
     */
    private int[] index = new int[0];
    private int indexUsed;
    /** The closes numbered up to this one are in the index. */
    private long indexedThrough;

    RecentCloses(int max, long keepNanos) {
        this.max = max;
        this.keepNanos = keepNanos;
        resize(Math.min(max, FIRST_CAPACITY));
    }

    synchronized void add(Endpoints tuple, KernelPeer peer, long nowNanos) {
        expire(nowNanos);
        if (count == peers.length) {
            if (peers.length < max) {
                resize((int) Math.min(max, peers.length * 2L));
            } else {
                dropOldest();
                forgottenEarly++;
            }
        }
        int slot = slot(count);
        addresses[slot * 4] = tuple.localHigh;
        addresses[slot * 4 + 1] = tuple.localLow;
        addresses[slot * 4 + 2] = tuple.remoteHigh;
        addresses[slot * 4 + 3] = tuple.remoteLow;
        ports[slot] = tuple.ports;
        closedNanos[slot] = nowNanos;
        peers[slot] = peer;
        countedIn[slot] = 0;
        numbers[slot] = ++added;
        count++;
    }

    /** The peer of the newest close with this 4-tuple, or null. */
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
        while (count > 0 && nowNanos - closedNanos[first] > keepNanos) {
            dropOldest();
        }
    }

    /** Closes kept (a tuple closed twice counts twice). */
    synchronized int size() {
        return count;
    }

    synchronized long forgottenEarly() {
        return forgottenEarly;
    }

    /** The slot of the {@code i}-th kept close, oldest first. */
    private int slot(int i) {
        int s = first + i;
        return s < peers.length ? s : s - peers.length;
    }

    private void dropOldest() {
        peers[first] = null;
        first = slot(1);
        count--;
    }

    /** Room for {@code capacity} slots (only ever more): the kept closes move to slots 0, 1, ...; index rebuilt. */
    private void resize(int capacity) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = slot(i);
        }
        addresses = reorder(addresses, order, 4, capacity);
        ports = reorder(ports, order, capacity);
        closedNanos = reorder(closedNanos, order, 1, capacity);
        numbers = reorder(numbers, order, 1, capacity);
        countedIn = reorder(countedIn, order, capacity);
        KernelPeer[] p = new KernelPeer[capacity];
        for (int i = 0; i < count; i++) {
            p[i] = peers[order[i]];
        }
        peers = p;
        first = 0;
        int positions = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) * 2;
        index = new int[positions * 2];
        rebuildIndex();
    }

    private static long[] reorder(long[] from, int[] order, int width, int capacity) {
        long[] to = new long[capacity * width];
        for (int i = 0; i < order.length; i++) {
            System.arraycopy(from, order[i] * width, to, i * width, width);
        }
        return to;
    }

    private static int[] reorder(int[] from, int[] order, int capacity) {
        int[] to = new int[capacity];
        for (int i = 0; i < order.length; i++) {
            to[i] = from[order[i]];
        }
        return to;
    }

    /** Indexes the closes added since the last lookup, or all kept ones again when the index would fill up. */
    private void catchUp() {
        long oldestKept = added - count + 1;
        long from = Math.max(indexedThrough + 1, oldestKept);
        long toAdd = added - from + 1;
        if (toAdd <= 0) {
            return;
        }
        if (indexUsed + toAdd > mask() / 2) {
            rebuildIndex();
            return;
        }
        for (long n = from; n <= added; n++) {
            insert(slot((int) (n - oldestKept)));
        }
        indexedThrough = added;
    }

    private void rebuildIndex() {
        Arrays.fill(index, 0);
        indexUsed = 0;
        for (int i = 0; i < count; i++) {
            insert(slot(i));
        }
        indexedThrough = added;
    }

    /** The slot of the newest kept close with this tuple, or NONE. */
    private int find(Endpoints t) {
        catchUp();
        int mask = mask();
        int h = spread(Endpoints.hash(t.localHigh, t.localLow, t.remoteHigh, t.remoteLow, t.ports));
        long oldestKept = added - count + 1;
        int found = NONE;
        for (int i = h & mask, v; (v = index[2 * i]) != 0; i = (i + 1) & mask) {
            if (index[2 * i + 1] != h) {
                continue;
            }
            int s = v - 1;
            int a = s * 4;
            // A slot dropped since it was indexed holds an older number; one reused, another tuple or a newer close.
            if (numbers[s] >= oldestKept && (found == NONE || numbers[s] > numbers[found])
                    && ports[s] == t.ports && addresses[a + 1] == t.localLow && addresses[a + 3] == t.remoteLow
                    && addresses[a] == t.localHigh && addresses[a + 2] == t.remoteHigh) {
                found = s;
            }
        }
        return found;
    }

    private void insert(int slot) {
        int mask = mask();
        int h = hashOf(slot);
        int i = h & mask;
        while (index[2 * i] != 0) {
            if (index[2 * i] == slot + 1) {
                // The slot's former close (dropped before its slot was reused), met on this close's probe path:
                // the position now stands for the new close.
                index[2 * i + 1] = h;
                return;
            }
            i = (i + 1) & mask;
        }
        index[2 * i] = slot + 1;
        index[2 * i + 1] = h;
        indexUsed++;
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
