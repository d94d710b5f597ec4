package io.connscope.bootstrap;

import org.junit.jupiter.api.Test;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the bridge passes on from the read and write advice: only calls that moved bytes or ended something. */
class SocketEventsTest {

    @Test
    void readsAndWritesThatMovedNothingAreNotPassedOn() {
        List<String> calls = new ArrayList<>();
        SocketEventSink recording = (SocketEventSink) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SocketEventSink.class}, (proxy, method, args) -> {
                    calls.add(method.getName() + " " + args[3] + (args[4] == null ? "" : " thrown"));
                    return null;
                });
        SocketEventSink before = SocketEvents.sink;
        SocketEvents.sink = recording;
        try {
            FileDescriptor fd = new FileDescriptor();
            IOException reset = new IOException("Connection reset");
            for (long n : new long[] {64, 0, -1, -2, -3}) {
                SocketEvents.read(fd, 0, 0, n, null);
                SocketEvents.write(fd, 0, 0, n, null);
            }
            SocketEvents.read(fd, 0, 0, -2, reset);
            SocketEvents.write(fd, 0, 0, 0, reset);
        } finally {
            SocketEvents.sink = before;
        }
        assertEquals(List.of("onRead 64", "onWrite 64", "onRead -1", "onRead -2 thrown", "onWrite 0 thrown"), calls);
    }

    /** A non-blocking channel's close looks at the socket only once a read in flight on another thread is done. */
    @Test
    void aCloseWaitsForTheReadInFlightBeforeItsLook() throws Exception {
        CountDownLatch closeSeen = new CountDownLatch(1);
        SocketEventSink recording = (SocketEventSink) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SocketEventSink.class}, (proxy, method, args) -> {
                    if (method.getName().equals("onClose")) {
                        closeSeen.countDown();
                    }
                    return null;
                });
        SocketEventSink before = SocketEvents.sink;
        SocketEvents.sink = recording;
        ReentrantLock readLock = new ReentrantLock();
        try {
            readLock.lock();
            Thread closer = new Thread(() -> SocketEvents.channelClose(new FileDescriptor(), readLock, false));
            closer.start();
            assertFalse(closeSeen.await(200, TimeUnit.MILLISECONDS), "looked while the read was in flight");
            readLock.unlock();
            assertTrue(closeSeen.await(10, TimeUnit.SECONDS), "never looked after the read");
            closer.join(10_000);
            assertFalse(readLock.isLocked(), "the close left the read lock held");
        } finally {
            SocketEvents.sink = before;
        }
    }
}
