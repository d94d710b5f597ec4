package io.connscope.agent.core;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
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
        List<String> collected = new ArrayList<>();
        for (int attempt = 0; attempt < 50 && collected.size() < 100; attempt++) {
            System.gc();
            Thread.sleep(20);
            collected.addAll(table.expungeCollected());
        }
        assertEquals(100, collected.size(), "every dropped key is reported once");
        assertTrue(collected.stream().allMatch(v -> v.startsWith("leaked-")));
        assertEquals(1, table.size());
        assertEquals("kept", table.get(kept));
    }

    @Test
    void getDoesNotAllocate() {
        ConnectionTable<String> table = new ConnectionTable<>(1_000);
        Object[] keys = new Object[500];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = new Object();
            table.putIfAbsent(keys[i], "v");
        }
        Object missing = new Object();
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
    void readersSeeEntriesWhileOtherThreadsInsertAndRemove() throws Exception {
        ConnectionTable<Integer> table = new ConnectionTable<>(100_000);
        Object[] stable = new Object[200];
        for (int i = 0; i < stable.length; i++) {
            stable[i] = new Object();
            table.putIfAbsent(stable[i], i);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(2);
        Runnable churn = () -> {
            try {
                for (int round = 0; round < 20_000 && !stop.get(); round++) {
                    Object k = new Object();
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
        assertSame(5, table.get(stable[5]));
    }
}
