package io.connscope.agent.core;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.concurrent.atomic.AtomicReferenceArray;

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
 */
public final class ConnectionTable<V> {

    private static final int STRIPES = 64;

    private final AtomicReferenceArray<Entry<V>> buckets;
    private final int mask;
    private final Object[] locks = new Object[STRIPES];
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;
    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

    public ConnectionTable(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        int n = Integer.highestOneBit(Math.max(16, Math.min(capacity, 1 << 20)) - 1) << 1;
        this.buckets = new AtomicReferenceArray<>(n);
        this.mask = n - 1;
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
    }

    /** The value for {@code key}, or null. Allocation-free and lock-free. */
    public V get(Object key) {
        int h = System.identityHashCode(key);
        for (Entry<V> e = buckets.get(h & mask); e != null; e = e.next) {
            if (e.hash == h && e.get() == key) {
                return e.value;
            }
        }
        return null;
    }

    /**
     * Maps {@code key} to {@code value} unless it is mapped already.
     *
     * @return the value now mapped (the existing one, if any), or null when the table is full
     */
    public V putIfAbsent(Object key, V value) {
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
            buckets.set(b, new Entry<>(key, h, value, head, collected));
            size.incrementAndGet();
            return value;
        }
    }

    /** Removes the mapping for {@code key}; returns its value, or null when there was none. */
    public V remove(Object key) {
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
            int b = dead.hash & mask;
            synchronized (locks[b & (STRIPES - 1)]) {
                for (Entry<V> e = buckets.get(b), prev = null; e != null; prev = e, e = e.next) {
                    if (e == dead) {
                        unlink(b, prev, e);
                        if (values == null) {
                            values = new ArrayList<>();
                        }
                        values.add(e.value);
                        break;
                    }
                }
            }
        }
        return values == null ? List.of() : values;
    }

    /** Calls {@code action} for every entry whose key is still alive. Weakly consistent, like a CHM iterator. */
    public void forEach(BiConsumer<Object, V> action) {
        for (int i = 0; i < buckets.length(); i++) {
            for (Entry<V> e = buckets.get(i); e != null; e = e.next) {
                Object key = e.get();
                if (key != null) {
                    action.accept(key, e.value);
                }
            }
        }
    }

    /** Whether a put of a new key would be refused now. */
    public boolean isFull() {
        return size.get() >= capacity;
    }

    public int size() {
        return size.get();
    }

    /** Unlinks {@code e} (whose predecessor is {@code prev}, or null at the head); caller holds the stripe lock. */
    private void unlink(int bucket, Entry<V> prev, Entry<V> e) {
        if (prev == null) {
            buckets.set(bucket, e.next);
        } else {
            prev.next = e.next;
        }
        size.decrementAndGet();
    }

    private static final class Entry<V> extends WeakReference<Object> {
        final int hash;
        final V value;
        volatile Entry<V> next;

        Entry(Object key, int hash, V value, Entry<V> next, ReferenceQueue<Object> queue) {
            super(key, queue);
            this.hash = hash;
            this.value = value;
            this.next = next;
        }
    }
}
