package io.connscope.agent.core;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.connscope.agent.core.http.ByteSource;
import io.connscope.agent.core.http2.Http2Summary;
import io.connscope.agent.fuzz.FuzzBudget;
import io.connscope.agent.fuzz.Traffic;

import java.io.FileDescriptor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole connection on fuzzed traffic, through the registry's onWrite and onRead as the socket advice calls them:
 * the protocol decided from the first bytes (HTTP/1.x, the HTTP/2 preface or a server's SETTINGS, a TLS ClientHello,
 * anything else), the ClientHello's random read for the SSLEngine rendezvous, h2c after a 101, the trackers. Reads
 * are bounded to their bytes: the registry reads native memory at these addresses, so reading outside one is a read
 * of someone else's memory. Seeds: {@code ConnectionProtocolsFuzzTestInputs/connection/}.
 */
class ConnectionProtocolsFuzzTest {

    private static final KeepAliveSettings OS =
            new KeepAliveSettings(false, 7200, 75, 9, KeepAliveSettings.Source.OS_DEFAULT);
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 8080);

    /** The memory the registry reads: the current read's bytes, swapped in before each call. */
    private static final class Memory implements ByteSource {
        ByteSource read;

        @Override
        public int byteAt(long address) {
            return read.byteAt(address);
        }

        @Override
        public long longAt(long address) {
            return read.longAt(address);
        }
    }

    @FuzzTest(maxDuration = FuzzBudget.CI)
    void connection(byte[] input) {
        Traffic traffic = Traffic.conversation(input);
        for (boolean split : new boolean[] {false, true}) {
            List<ConnectionRecord> finished = new CopyOnWriteArrayList<>();
            Memory memory = new Memory();
            ConnectionRegistry registry = new ConnectionRegistry(16, new ConnectionRegistryTest.ScriptedKernel(), OS,
                    finished::add, memory);
            FileDescriptor fd = new FileDescriptor();
            registry.onConnectStart(fd, SERVER);
            registry.onConnectEnd(fd, true, null);
            traffic.feed(split, (fromClient, bytes, address, length) -> {
                memory.read = bytes;
                // This side is the client: it writes the client's bytes and reads the server's.
                if (fromClient) {
                    registry.onWrite(fd, address, 0, length, null);
                } else {
                    registry.onRead(fd, address, 0, length, null);
                }
                memory.read = null;
            });
            registry.onRead(fd, 0, 0, -1, null);
            registry.onClose(fd);
            assertEquals(1, finished.size());
            ConnectionRecord r = finished.get(0);
            assertTrue(r.requests() == null || r.requests() >= 0, "requests " + r.requests());
            assertTrue(r.tlsHandshakes() >= 0 && r.tlsHandshakes() <= 1, "handshakes " + r.tlsHandshakes());
            Http2Summary h2 = r.http2();
            if (h2 != null) {
                assertTrue(h2.clientStreams >= 0 && h2.serverStreams >= 0 && h2.untrackedStreams >= 0, "h2 streams");
            }
        }
    }
}
