package io.connscope.agent.core;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiConsumer;
import java.util.function.ToIntFunction;

/**
 * A bounded, weak-keyed identity map from a socket's {@link java.io.FileDescriptor} to its record.
 *
 * <p>Why not a {@code ConcurrentHashMap}: {@link #get} runs after every socket read and write, so it must not
 * allocate (an identity map over {@code ConcurrentHashMap} needs a wrapper key per lookup), and keys must be weak
 * so that a socket the application drops without closing leaves nothing behind. Lookups take no lock: writers
 * hold a per-stripe lock and unlink entries through volatile {@code next} links, so a reader always walks a
 * consistent chain (at worst one that still shows an entry being removed).
 * The bucket array never resizes; {@code capacity} bounds the number of entries, and a put beyond it is refused
 * (the caller counts it).
 *
 * <p>Keyed by sockets' descriptors ({@link #ConnectionTable(int, ToIntFunction)}), an entry lives in a slot
 * indexed by its descriptor's number instead. The kernel hands out the lowest free number, so a process's sockets
 * share a few small numbers and the slots' few cache lines stay hot, where the buckets (hundreds of kilobytes,
 * hashed by identity) cost a cache miss at each new socket and often at each lookup: under connection churn those
 * misses, and the first identity hash of each new descriptor, were most of the table's time. The buckets still hold
 * an entry whose number is unknown or too large, and one whose slot a later socket took (the kernel reused the
 * number of a socket whose close went unseen). A key whose number is gone by the time it is looked up (the JDK
 * clears it when it closes the descriptor) is found by the number the caller remembers, or else by a scan of the
 * slots in use.
 */
public final class ConnectionTable<V> {

    private static final int STRIPES = 64;
    /** The most slots: a descriptor numbered beyond it has its entry in the buckets. */
    static final int MAX_SLOTS = 1 << 18;

    private final AtomicReferenceArray<Entry<V>> buckets;
    private final int mask;
    private final Object[] locks = new Object[STRIPES];
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;
    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

    /** A key's slot, negative for none; null: no slots (every entry in the buckets). */
    private final ToIntFunction<Object> slotOf;
    /** Entries by their key's number; grows (copied, under every slot lock) to the largest number seen. */
    private volatile AtomicReferenceArray<Entry<V>> slots;
    /**
     * Guard the slots' changes, slot {@code s} by lock {@code s % STRIPES}: a thread holds at most one (but the
     * one growing the slots, which takes them all in order), and takes a bucket stripe's lock only inside one.
     */
    private final Object[] slotLocks = new Object[STRIPES];
    /** One past the highest slot ever used: how far a scan for a key without a number goes. */
    private final AtomicInteger slotsInUse = new AtomicInteger();
    /** Entries of a slotted table that are in the buckets: while there are none, an empty slot means absent. */
    private final AtomicInteger unslotted = new AtomicInteger();

    public ConnectionTable(int capacity) {
        this(capacity, null);
    }

    /**
     * @param slotOf a key's small number (a socket's descriptor number), negative when it has none; called on
     *               every lookup, so it must be cheap and allocation-free. Null: no slots.
     */
    public ConnectionTable(int capacity, ToIntFunction<Object> slotOf) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        int n = Integer.highestOneBit(Math.max(16, Math.min(capacity, 1 << 20)) - 1) << 1;
        this.buckets = new AtomicReferenceArray<>(n);
        this.mask = n - 1;
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
            slotLocks[i] = new Object();
        }
        this.slotOf = slotOf;
        this.slots = new AtomicReferenceArray<>(slotOf == null ? 0 : 64);
    }

    /** The value for {@code key}, or null. Allocation-free and lock-free. */
    public V get(Object key) {
        return get(key, -1);
    }

    /**
     * {@link #get(Object)} for a key whose number may be gone (a descriptor the JDK has closed): {@code number} is
     * what it was, or negative when unknown (then the slots in use are scanned).
     */
    public V get(Object key, int number) {
        if (slotOf == null) {
            return bucketGet(key);
        }
        Entry<V> e = slotted(key, number);
        return e != null ? e.value : unslotted.get() == 0 ? null : bucketGet(key);
    }

    /**
     * Maps {@code key} to {@code value} unless it is mapped already.
     *
     * @return the value now mapped (the existing one, if any), or null when the table is full
     */
    public V putIfAbsent(Object key, V value) {
        if (slotOf != null) {
            int s = slotOf.applyAsInt(key);
            if (s >= 0 && s < MAX_SLOTS) {
                return putInSlot(key, s, value);
            }
            V there = get(key); // a slotted entry whose number is gone
            if (there != null) {
                return there;
            }
        }
        int h = System.identityHashCode(key);
        int b = h & mask;
        synchronized (locks[b & (STRIPES - 1)]) {
            Entry<V> head = buckets.get(b);
            for (Entry<V> e = head; e != null; e = e.next) {
                if (e.hash == h && e.get() == key) {
                    return e.value;
                }
            }
            if (size.get() >= capacity) {
                return null;
            }
            Entry<V> e = new Entry<>(key, h, value, collected);
            e.next = head;
            if (slotOf != null) {
                unslotted.incrementAndGet();
            }
            buckets.set(b, e);
            size.incrementAndGet();
            return value;
        }
    }

    private V putInSlot(Object key, int s, V value) {
        if (s >= slots.length()) {
            grow(0, s);
        }
        synchronized (slotLocks[s & (STRIPES - 1)]) {
            AtomicReferenceArray<Entry<V>> index = slots;
            Entry<V> there = index.get(s);
            if (there != null && there.get() == key) {
                return there.value;
            }
            if (unslotted.get() > 0) {
                V bucketed = bucketGet(key);
                if (bucketed != null) {
                    return bucketed;
                }
            }
            if (size.get() >= capacity) {
                return null;
            }
            Entry<V> e = new Entry<>(key, 0, value, collected);
            e.slot = s;
            if (there != null) {
                // In the buckets before the slot changes: a lookup that misses it in the slot finds it there.
                toBuckets(there);
            }
            index.set(s, e);
            if (s >= slotsInUse.get()) {
                slotsInUse.accumulateAndGet(s + 1, Math::max);
            }
            size.incrementAndGet();
            return value;
        }
    }

    /** Makes room for slot {@code s}, holding every slot lock from {@code lock} on (taken in order: no deadlock). */
    private void grow(int lock, int s) {
        if (lock < STRIPES) {
            synchronized (slotLocks[lock]) {
                grow(lock + 1, s);
            }
            return;
        }
        AtomicReferenceArray<Entry<V>> index = slots;
        if (s < index.length()) {
            return; // another thread grew them meanwhile
        }
        AtomicReferenceArray<Entry<V>> grown = new AtomicReferenceArray<>(Integer.highestOneBit(s) << 1);
        for (int i = 0; i < index.length(); i++) {
            grown.set(i, index.get(i));
        }
        slots = grown;
    }

    /** Moves an entry whose slot a new key takes into the buckets; the caller holds the slot's lock. */
    private void toBuckets(Entry<V> e) {
        Object key = e.get();
        // A collected key's entry waits for expungeCollected, which finds it by its hash: 0 then.
        int h = key == null ? 0 : System.identityHashCode(key);
        int b = h & mask;
        synchronized (locks[b & (STRIPES - 1)]) {
            e.hash = h;
            e.next = buckets.get(b);
            unslotted.incrementAndGet();
            buckets.set(b, e);
            e.slot = -1; // last: who reads -1 here finds the entry in its bucket, by this hash
        }
    }

    /** Removes the mapping for {@code key}; returns its value, or null when there was none. */
    public V remove(Object key) {
        return remove(key, -1);
    }

    /** {@link #remove(Object)} for a key whose number may be gone; {@code number} as for {@link #get(Object, int)}. */
    public V remove(Object key, int number) {
        if (slotOf != null) {
            Entry<V> e = slotted(key, number);
            if (e != null && unslot(e)) {
                return e.value;
            }
            if (unslotted.get() == 0) {
                return null;
            }
        }
        int h = System.identityHashCode(key);
        int b = h & mask;
        synchronized (locks[b & (STRIPES - 1)]) {
            for (Entry<V> e = buckets.get(b), prev = null; e != null; prev = e, e = e.next) {
                if (e.hash == h && e.get() == key) {
                    unlink(b, prev, e);
                    return e.value;
                }
            }
            return null;
        }
    }

    /**
     * Removes the entries whose keys were garbage-collected and returns their values: sockets that the
     * application dropped without closing them.
     */
    public List<V> expungeCollected() {
        List<V> values = null;
        for (Object ref; (ref = collected.poll()) != null; ) {
            @SuppressWarnings("unchecked")
            Entry<V> dead = (Entry<V>) ref;
            if (expunge(dead)) {
                if (values == null) {
                    values = new ArrayList<>();
                }
                values.add(dead.value);
            }
        }
        return values == null ? List.of() : values;
    }

    private boolean expunge(Entry<V> dead) {
        if (slotOf != null && dead.slot >= 0 && unslot(dead)) {
            return true;
        }
        // In the buckets (its slot, if it had one, was given up after it was linked there, by this hash).
        int b = dead.hash & mask;
        synchronized (locks[b & (STRIPES - 1)]) {
            for (Entry<V> e = buckets.get(b), prev = null; e != null; prev = e, e = e.next) {
                if (e == dead) {
                    unlink(b, prev, e);
                    return true;
                }
            }
        }
        return false;
    }

    /** Calls {@code action} for every entry whose key is still alive. Weakly consistent, like a CHM iterator. */
    public void forEach(BiConsumer<Object, V> action) {
        AtomicReferenceArray<Entry<V>> index = slots;
        for (int i = 0; i < index.length(); i++) {
            accept(index.get(i), action);
        }
        for (int i = 0; i < buckets.length(); i++) {
            for (Entry<V> e = buckets.get(i); e != null; e = e.next) {
                accept(e, action);
            }
        }
    }

    private static <V> void accept(Entry<V> e, BiConsumer<Object, V> action) {
        Object key = e == null ? null : e.get();
        if (key != null) {
            action.accept(key, e.value);
        }
    }

    /** Whether a put of a new key would be refused now. */
    public boolean isFull() {
        return size.get() >= capacity;
    }

    public int size() {
        return size.get();
    }

    private V bucketGet(Object key) {
        int h = System.identityHashCode(key);
        for (Entry<V> e = buckets.get(h & mask); e != null; e = e.next) {
            if (e.hash == h && e.get() == key) {
                return e.value;
            }
        }
        return null;
    }

    /**
     * {@code key}'s entry if it has a slot: found by its number, else by the number it had ({@code number}), else
     * (both negative) by a scan of the slots in use.
     */
    private Entry<V> slotted(Object key, int number) {
        int s = slotOf.applyAsInt(key);
        if (s < 0) {
            s = number;
        }
        if (s < 0) {
            return scanSlots(key);
        }
        AtomicReferenceArray<Entry<V>> index = slots;
        Entry<V> e = s < index.length() ? index.get(s) : null;
        return e != null && e.get() == key ? e : null;
    }

    /** {@code key}'s entry among the slots in use: for a key whose number the JDK cleared at its close. */
    private Entry<V> scanSlots(Object key) {
        AtomicReferenceArray<Entry<V>> index = slots;
        for (int i = Math.min(slotsInUse.get(), index.length()) - 1; i >= 0; i--) {
            Entry<V> e = index.get(i);
            if (e != null && e.get() == key) {
                return e;
            }
        }
        return null;
    }

    /** Empties an entry's slot, unless it has left the slot meanwhile (removed, or moved to the buckets). */
    private boolean unslot(Entry<V> e) {
        int s = e.slot;
        if (s < 0) {
            return false;
        }
        synchronized (slotLocks[s & (STRIPES - 1)]) {
            if (e.slot != s) {
                return false;
            }
            slots.set(s, null);
            e.slot = -1;
            size.decrementAndGet();
            return true;
        }
    }

    /** Unlinks {@code e} (whose predecessor is {@code prev}, or null at the head); caller holds the stripe lock. */
    private void unlink(int bucket, Entry<V> prev, Entry<V> e) {
        if (prev == null) {
            buckets.set(bucket, e.next);
        } else {
            prev.next = e.next;
        }
        size.decrementAndGet();
        if (slotOf != null) {
            unslotted.decrementAndGet();
        }
    }

    private static final class Entry<V> extends WeakReference<Object> {
        final V value;
        /** The key's identity hash while in the buckets (set before it is linked in). */
        int hash;
        volatile Entry<V> next;
        /** Its slot while it has one, else -1; changed under that slot's lock. */
        volatile int slot = -1;

        Entry(Object key, int hash, V value, ReferenceQueue<Object> queue) {
            super(key, queue);
            this.hash = hash;
            this.value = value;
        }
    }
}
