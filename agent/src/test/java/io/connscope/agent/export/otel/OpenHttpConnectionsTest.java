package io.connscope.agent.export.otel;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionRegistry;
import io.connscope.agent.core.KeepAliveSettings;
import io.connscope.agent.core.SocketInspector;
import io.connscope.agent.core.http.ByteSource;
import org.junit.jupiter.api.Test;

import java.io.FileDescriptor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class OpenHttpConnectionsTest {

    private static final KeepAliveSettings OS = new KeepAliveSettings(false, 7200, 75, 9, KeepAliveSettings.Source.OS_DEFAULT);
    private static final String REQUEST = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    private static final String RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

    /** The "native memory" the registry reads HTTP bytes from: the request at 16, the response after it. */
    private final byte[] memory = new byte[256];
    private final List<ConnectionRecord> finished = new ArrayList<>();
    private final ConnectionRegistry registry;

    OpenHttpConnectionsTest() {
        byte[] request = REQUEST.getBytes(StandardCharsets.US_ASCII);
        byte[] response = RESPONSE.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(request, 0, memory, 16, request.length);
        System.arraycopy(response, 0, memory, 16 + request.length, response.length);
        registry = new ConnectionRegistry(100, POOL_OWNS_DESCRIPTORS, OS, finished::add, ByteSource.of(memory));
    }

    /** No kernel; a pool's "connection object" is the descriptor itself. */
    private static final SocketInspector POOL_OWNS_DESCRIPTORS = new SocketInspector.None() {
        @Override
        public FileDescriptor descriptorOfOwner(Object owner) {
            return owner instanceof FileDescriptor ? (FileDescriptor) owner : null;
        }
    };

    /** An outbound connection to {@code port} that carried one HTTP exchange. */
    private FileDescriptor http(int port) {
        FileDescriptor fd = new FileDescriptor();
        registry.onConnectStart(fd, new InetSocketAddress("127.0.0.1", port));
        registry.onConnectEnd(fd, true, null);
        registry.onWrite(fd, 16, 0, REQUEST.length(), null);
        registry.onRead(fd, 16 + REQUEST.length(), 0, RESPONSE.length(), null);
        return fd;
    }

    private static long[] of(Map<PeerTotals.Peer, long[]> counts, int port) {
        return counts.entrySet().stream().filter(e -> e.getKey().serverPort == port).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    @Test
    void aServerWhoseConnectionsAllClosedReportsZeroNotNothing() {
        OpenHttpConnections open = new OpenHttpConnections(10);
        FileDescriptor a = http(80);
        FileDescriptor b = http(80);
        assertArrayEquals(new long[]{0, 2}, of(open.count(registry.openConnections(false)), 80), "{idle, active}");
        registry.onPooled(b, "SomePool", true);
        assertArrayEquals(new long[]{1, 1}, of(open.count(registry.openConnections(false)), 80));

        registry.onClose(a);
        registry.onClose(b);
        finished.forEach(open::onFinished);
        assertArrayEquals(new long[]{0, 0}, of(open.count(registry.openConnections(false)), 80));
        assertArrayEquals(new long[]{0, 0}, of(open.count(List.of()), 80), "and at every later collection");
    }

    @Test
    void aConnectionThatOpenedAndClosedBetweenCollectionsMakesItsServerKnown() {
        OpenHttpConnections open = new OpenHttpConnections(10);
        registry.onClose(http(81));
        assertNull(of(open.count(registry.openConnections(false)), 81), "not reported yet");
        open.onFinished(finished.get(0));
        assertArrayEquals(new long[]{0, 0}, of(open.count(List.of()), 81));
    }

    @Test
    void connectionsThatAreNotHttpDoNotCount() {
        OpenHttpConnections open = new OpenHttpConnections(10);
        FileDescriptor fd = new FileDescriptor();
        registry.onConnectStart(fd, new InetSocketAddress("127.0.0.1", 82));
        registry.onConnectEnd(fd, true, null);
        assertNull(of(open.count(registry.openConnections(false)), 82));
        registry.onClose(fd);
        open.onFinished(finished.get(0));
        assertEquals(0, open.count(List.of()).size());
    }

    @Test
    void atMostMaxServersAreRememberedFurtherOnesReportOnlyWhileOpen() {
        OpenHttpConnections open = new OpenHttpConnections(2);
        FileDescriptor a = http(90);
        FileDescriptor b = http(91);
        FileDescriptor c = http(92);
        Map<PeerTotals.Peer, long[]> all = open.count(registry.openConnections(false));
        assertEquals(3, all.size(), "every server with open connections is reported: " + all.keySet());
        registry.onClose(a);
        registry.onClose(b);
        registry.onClose(c);
        finished.forEach(open::onFinished);
        Map<PeerTotals.Peer, long[]> after = open.count(registry.openConnections(false));
        // Which two were remembered depends on the table's order; the third has no series once closed.
        assertEquals(2, after.size(), after.keySet().toString());
        after.values().forEach(counts -> assertArrayEquals(new long[]{0, 0}, counts));
    }
}
