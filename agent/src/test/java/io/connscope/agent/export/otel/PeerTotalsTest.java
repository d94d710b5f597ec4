package io.connscope.agent.export.otel;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionRegistry;
import io.connscope.agent.core.KeepAliveSettings;
import io.connscope.agent.core.SocketInspector;
import org.junit.jupiter.api.Test;

import java.io.FileDescriptor;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerTotalsTest {

    private static final KeepAliveSettings OS = new KeepAliveSettings(false, 7200, 75, 9, KeepAliveSettings.Source.OS_DEFAULT);

    private final List<ConnectionRecord> finished = new ArrayList<>();
    private final ConnectionRegistry registry = new ConnectionRegistry(100, SocketInspector.NONE, OS, finished::add);

    private FileDescriptor open(int port, int bytesSent) {
        FileDescriptor fd = new FileDescriptor();
        registry.onConnectStart(fd, new InetSocketAddress("127.0.0.1", port));
        registry.onConnectEnd(fd, true, null);
        registry.onWrite(fd, 0L, 0, bytesSent, null);
        return fd;
    }

    private static long[] only(Map<PeerTotals.Peer, long[]> totals, int port) {
        return totals.entrySet().stream().filter(e -> e.getKey().serverPort == port).findFirst()
                .orElseThrow(() -> new AssertionError("no peer :" + port + " in " + totals.keySet())).getValue();
    }

    @Test
    void openConnectionsCountWhileTheyLiveAndFinishedOnesForGood() {
        PeerTotals totals = new PeerTotals(10);
        FileDescriptor a = open(80, 100);
        long[] live = only(totals.snapshot(registry.openConnections(false)), 80);
        assertEquals(1, live[PeerTotals.OPENED]);
        assertEquals(100, live[PeerTotals.BYTES_SENT]);

        registry.onWrite(a, 0L, 0, 50, null);
        registry.onClose(a);
        totals.addFinished(finished.get(0));
        long[] after = only(totals.snapshot(registry.openConnections(false)), 80);
        assertEquals(1, after[PeerTotals.OPENED], "counted once, not as open and finished");
        assertEquals(150, after[PeerTotals.BYTES_SENT]);
    }

    @Test
    void aConnectionBetweenTableAndReportNeverMakesATotalGoDown() {
        PeerTotals totals = new PeerTotals(10);
        FileDescriptor a = open(80, 100);
        assertEquals(1, only(totals.snapshot(registry.openConnections(false)), 80)[PeerTotals.OPENED]);
        // Closed, so no longer open, and not yet reported finished: the totals hold.
        registry.onClose(a);
        long[] gap = only(totals.snapshot(registry.openConnections(false)), 80);
        assertEquals(1, gap[PeerTotals.OPENED]);
        assertEquals(100, gap[PeerTotals.BYTES_SENT]);
        totals.addFinished(finished.get(0));
        assertEquals(1, only(totals.snapshot(registry.openConnections(false)), 80)[PeerTotals.OPENED]);
    }

    @Test
    void failedConnectsAndKeepAliveAreCountedApart() {
        PeerTotals totals = new PeerTotals(10);
        FileDescriptor f = new FileDescriptor();
        registry.onConnectStart(f, new InetSocketAddress("127.0.0.1", 81));
        registry.onConnectEnd(f, false, new ConnectException("Connection refused"));
        totals.addFinished(finished.get(0));
        FileDescriptor a = open(81, 1);
        registry.onClose(a);
        totals.addFinished(finished.get(1));
        long[] c = only(totals.snapshot(List.of()), 81);
        assertEquals(1, c[PeerTotals.FAILED]);
        assertEquals(1, c[PeerTotals.OPENED]);
        assertEquals(1, c[PeerTotals.KEEPALIVE_OFF]);
        assertEquals(0, c[PeerTotals.KEEPALIVE_ON]);
    }

    @Test
    void peersBeyondTheLimitShareOneOverflowSeries() {
        PeerTotals totals = new PeerTotals(2);
        for (int port = 1000; port < 1005; port++) {
            registry.onClose(open(port, 1));
        }
        finished.forEach(totals::addFinished);
        Map<PeerTotals.Peer, long[]> snapshot = totals.snapshot(List.of());
        assertTrue(snapshot.size() <= 3, snapshot.keySet().toString());
        long overflow = snapshot.entrySet().stream().filter(e -> e.getKey().overflow)
                .mapToLong(e -> e.getValue()[PeerTotals.OPENED]).sum();
        long all = snapshot.values().stream().mapToLong(v -> v[PeerTotals.OPENED]).sum();
        assertEquals(5, all, "nothing lost");
        assertEquals(3, overflow);
    }
}
