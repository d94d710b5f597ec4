package io.connscope.agent.core;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionTableTest {

    @Test
    void mapsByIdentityNotEquality() {
        ConnectionTable<String> table = new ConnectionTable<>(100);
        String a = new String("key");
        String b = new String("key");
        assertEquals("A", table.putIfAbsent(a, "A"));
        assertNull(table.get(b), "an equal but different key must not match");
        assertEquals("A", table.get(a));
        assertEquals("A", table.putIfAbsent(a, "other"), "putIfAbsent keeps the existing value");
        assertEquals(1, table.size());
    }

    @Test
    void removeReturnsTheValueOnce() {
        ConnectionTable<String> table = new ConnectionTable<>(100);
        Object key = new Object();
        table.putIfAbsent(key, "v");
        assertEquals("v", table.remove(key));
        assertNull(table.remove(key));
        assertNull(table.get(key));
        assertEquals(0, table.size());
    }

    @Test
    void refusesEntriesBeyondCapacity() {
        ConnectionTable<Integer> table = new ConnectionTable<>(16);
        List<Object> keys = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Object k = new Object();
            keys.add(k);
            assertEquals(i, table.putIfAbsent(k, i));
        }
        assertNull(table.putIfAbsent(new Object(), 99), "the 17th entry is refused");
        assertEquals(16, table.size());
        table.remove(keys.get(0));
        assertEquals(100, table.putIfAbsent(new Object(), 100), "room again after a removal");
    }

    @Test
    void manyKeysInFewBucketsStayReachableThroughRemovals() {
        ConnectionTable<Integer> table = new ConnectionTable<>(10_000);
        List<Object> keys = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            Object k = new Object();
            keys.add(k);
            table.putIfAbsent(k, i);
        }
        for (int i = 0; i < keys.size(); i += 2) {
            assertEquals(i, table.remove(keys.get(i)));
        }
        for (int i = 0; i < keys.size(); i++) {
            if (i % 2 == 0) {
                assertNull(table.get(keys.get(i)));
            } else {
                assertEquals(i, table.get(keys.get(i)));
            }
        }
        assertEquals(2_500, table.size());
    }

    @Test
    void forgetsKeysThatWereGarbageCollected() throws InterruptedException {
        ConnectionTable<String> table = new ConnectionTable<>(1_000);
        Object kept = new Object();
        table.putIfAbsent(kept, "kept");
        for (int i = 0; i < 100; i++) {
            table.putIfAbsent(new Object(), "leaked-" + i);
        }
        List<String> collected = collectAndExpunge(table, 100);
        assertTrue(collected.stream().allMatch(v -> v.startsWith("leaked-")));
        assertEquals(1, table.size());
        assertEquals("kept", table.get(kept));
    }

    @Test
    void getDoesNotAllocate() {
        Object[] keys = new Object[500];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = new Object();
        }
        assertLookupsDoNotAllocate(new ConnectionTable<>(1_000), keys, new Object());
    }

    @Test
    void readersSeeEntriesWhileOtherThreadsInsertAndRemove() throws Exception {
        Object[] stable = new Object[200];
        for (int i = 0; i < stable.length; i++) {
            stable[i] = new Object();
        }
        assertReadersSeeStableKeys(new ConnectionTable<>(100_000), stable, random -> new Object());
    }

    // -- the index by number (a socket descriptor's) --

    /** A key with a number, as a FileDescriptor has: set when opened, -1 once closed. */
    private static final class Numbered {
        volatile int number;

        Numbered(int number) {
            this.number = number;
        }
    }

    private static <V> ConnectionTable<V> numbered(int capacity) {
        return new ConnectionTable<>(capacity, k -> k instanceof Numbered ? ((Numbered) k).number : -1);
    }

    @Test
    void aNumberTheKernelReusedFindsEachKeyByIdentity() {
        ConnectionTable<String> table = numbered(100);
        Numbered first = new Numbered(5);
        Numbered second = new Numbered(5); // the first's close went unseen and the kernel gave out 5 again
        table.putIfAbsent(first, "first");
        table.putIfAbsent(second, "second");
        assertEquals("first", table.get(first), "the displaced entry is still found, in the buckets");
        assertEquals("second", table.get(second));
        assertEquals("second", table.remove(second));
        assertEquals("first", table.get(first), "the slot is empty now, but an entry without one remains");
        assertNull(table.get(second));
        assertEquals("first", table.remove(first));
        assertNull(table.get(first));
        Numbered third = new Numbered(5);
        assertNull(table.get(third));
        table.putIfAbsent(third, "third");
        assertEquals("third", table.get(third));
        assertNull(table.get(first), "a key is matched by identity, not by its number");
        assertEquals(1, table.size());
    }

    @Test
    void keysWithoutANumberOrBeyondTheIndexAreInTheBuckets() {
        ConnectionTable<String> table = numbered(100);
        Numbered none = new Numbered(-1);
        Numbered far = new Numbered(ConnectionTable.MAX_SLOTS + 5);
        Numbered closing = new Numbered(3);
        Numbered near = new Numbered(4);
        table.putIfAbsent(none, "none");
        table.putIfAbsent(far, "far");
        table.putIfAbsent(closing, "closing");
        table.putIfAbsent(near, "near");
        closing.number = -1; // the JDK clears a descriptor's number when it closes it
        assertEquals("none", table.get(none));
        assertEquals("far", table.get(far));
        assertEquals("closing", table.get(closing), "found by identity once its number is gone");
        assertEquals("near", table.get(near));
        assertEquals("closing", table.remove(closing));
        assertEquals("none", table.remove(none));
        assertEquals("far", table.remove(far));
        assertNull(table.get(new Numbered(3)), "3's slot was emptied with its entry");
        assertEquals("near", table.get(near));
        assertEquals(1, table.size());
    }

    @Test
    void aClosedKeyIsFoundByTheNumberItHad() {
        ConnectionTable<String> table = numbered(100);
        Numbered closed = new Numbered(9);
        Numbered other = new Numbered(10);
        table.putIfAbsent(closed, "closed");
        table.putIfAbsent(other, "other");
        closed.number = -1;
        assertEquals("closed", table.get(closed, 9));
        assertNull(table.get(closed, 10), "another key's number does not find it");
        assertNull(table.get(new Numbered(-1), 9), "nor does its number find another key");
        assertEquals("closed", table.remove(closed, 9));
        assertNull(table.get(closed, 9));
        assertNull(table.get(new Numbered(9)), "its slot is empty");
        assertEquals("other", table.get(other));
        assertEquals(1, table.size());
    }

    @Test
    void theIndexGrowsAndForgetsWithItsEntries() {
        ConnectionTable<Integer> table = numbered(10_000);
        List<Numbered> keys = new ArrayList<>();
        for (int n = 0; n < 5_000; n += 3) {
            Numbered k = new Numbered(n);
            keys.add(k);
            assertEquals(n, table.putIfAbsent(k, n));
        }
        for (int i = 0; i < keys.size(); i += 2) {
            assertEquals(keys.get(i).number, table.remove(keys.get(i)));
        }
        for (int i = 0; i < keys.size(); i++) {
            Numbered k = keys.get(i);
            assertEquals(i % 2 == 0 ? null : (Integer) k.number, table.get(k), "key numbered " + k.number);
            assertNull(table.get(new Numbered(k.number)), "another key with number " + k.number);
        }
    }

    @Test
    void forgetsNumberedKeysThatWereGarbageCollected() throws InterruptedException {
        ConnectionTable<String> table = numbered(1_000);
        Numbered kept = new Numbered(7);
        table.putIfAbsent(kept, "kept");
        for (int i = 0; i < 50; i++) {
            table.putIfAbsent(new Numbered(10 + i), "leaked-" + i);
            table.putIfAbsent(new Numbered(7), "displacing-" + i);
        }
        collectAndExpunge(table, 100);
        assertEquals("kept", table.get(kept));
        assertNull(table.get(new Numbered(12)), "a new key with a collected key's number finds nothing");
        assertEquals(1, table.size());
    }

    /** Collects garbage until {@code dropped} entries were expunged (or 50 tries); returns their values. */
    private static List<String> collectAndExpunge(ConnectionTable<String> table, int dropped)
            throws InterruptedException {
        List<String> collected = new ArrayList<>();
        for (int attempt = 0; attempt < 50 && collected.size() < dropped; attempt++) {
            System.gc();
            Thread.sleep(20);
            collected.addAll(table.expungeCollected());
        }
        assertEquals(dropped, collected.size(), "every dropped key is reported once");
        return collected;
    }

    @Test
    void numberedGetDoesNotAllocate() {
        Object[] keys = new Object[500];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = new Numbered(i);
        }
        assertLookupsDoNotAllocate(numbered(1_000), keys, new Numbered(600));
    }

    private static void assertLookupsDoNotAllocate(ConnectionTable<String> table, Object[] keys, Object missing) {
        for (Object key : keys) {
            table.putIfAbsent(key, "v");
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int warm = 0; warm < 20_000; warm++) {
            sink += table.get(keys[warm % keys.length]) != null ? 1 : 0;
            sink += table.get(missing) == null ? 1 : 0;
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000_000; i++) {
            sink += table.get(keys[i % keys.length]) != null ? 1 : 0;
            sink += table.get(missing) == null ? 1 : 0;
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(sink > 0);
        // Two million lookups: anything per lookup would be megabytes. The allowance covers the MXBean call itself.
        assertTrue(allocated < 10_000, "lookups allocated " + allocated + " bytes");
    }

    @Test
    void readersFindNumberedEntriesWhileOthersTakeTheirNumbers() throws Exception {
        Object[] stable = new Object[200];
        for (int i = 0; i < stable.length; i++) {
            stable[i] = new Numbered(i);
        }
        // Sometimes a stable key's own number (its close unseen), mostly numbers past them, and past the slots'
        // first size, so that they grow meanwhile.
        assertReadersSeeStableKeys(numbered(100_000), stable, random -> new Numbered(
                random.nextInt(10) == 0 ? random.nextInt(200) : 200 + random.nextInt(400)));
    }

    /** Two threads put and remove keys made by {@code churnKey} while this one reads the stable keys' values. */
    private static void assertReadersSeeStableKeys(ConnectionTable<Integer> table, Object[] stable,
                                                   Function<Random, Object> churnKey) throws Exception {
        for (int i = 0; i < stable.length; i++) {
            table.putIfAbsent(stable[i], i);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(2);
        Runnable churn = () -> {
            try {
                Random random = new Random();
                for (int round = 0; round < 20_000 && !stop.get(); round++) {
                    Object k = churnKey.apply(random);
                    table.putIfAbsent(k, -1);
                    table.remove(k);
                }
            } finally {
                done.countDown();
            }
        };
        new Thread(churn).start();
        new Thread(churn).start();
        while (done.getCount() > 0) {
            for (int i = 0; i < stable.length; i++) {
                Integer v = table.get(stable[i]);
                if (v == null || v != i) {
                    failure.set("stable key " + i + " read as " + v);
                    stop.set(true);
                }
            }
        }
        assertNull(failure.get());
        assertEquals(stable.length, table.size());
        for (int i = 0; i < stable.length; i++) {
            assertEquals(i, table.get(stable[i]));
        }
    }
}
