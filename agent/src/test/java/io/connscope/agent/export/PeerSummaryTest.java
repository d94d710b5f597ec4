package io.connscope.agent.export;

import io.connscope.agent.core.CloseInitiator;
import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.Direction;
import io.connscope.agent.core.TestRecords;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PeerSummaryTest {

    private static InetSocketAddress at(String address, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(address), port);
    }

    /**
     * Consecutive closes of one peer in a direction reuse that direction's last row; closes that differ from it in
     * address, port, direction or address family each land in their own row, counted as if every key were built.
     */
    @Test
    void everyConnectionIsCountedInItsPeersRowWhateverTheOrder() throws Exception {
        List<ConnectionRecord> closes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            closes.add(TestRecords.open(at("127.0.0.1", 40_000 + i), at("127.0.0.1", 8080), Direction.OUTBOUND));
        }
        closes.add(TestRecords.open(at("127.0.0.1", 40_010), at("127.0.0.2", 8080), Direction.OUTBOUND));
        closes.add(TestRecords.open(at("127.0.0.1", 40_011), at("127.0.0.1", 8081), Direction.OUTBOUND));
        closes.add(TestRecords.open(at("127.0.0.1", 40_012), at("127.0.0.1", 8080), Direction.OUTBOUND));
        // Inbound: the key is the client's address and our port; the client's port does not matter.
        closes.add(TestRecords.open(at("127.0.0.1", 8080), at("127.0.0.1", 50_000), Direction.INBOUND));
        closes.add(TestRecords.open(at("127.0.0.1", 8080), at("127.0.0.1", 50_001), Direction.INBOUND));
        closes.add(TestRecords.open(at("127.0.0.1", 9090), at("127.0.0.1", 50_002), Direction.INBOUND));
        // A proxy's closes: inbound and outbound interleaved, the same address and port on both sides.
        for (int i = 0; i < 2; i++) {
            closes.add(TestRecords.open(at("127.0.0.1", 40_030 + i), at("127.0.0.1", 8080), Direction.OUTBOUND));
            closes.add(TestRecords.open(at("127.0.0.1", 8080), at("127.0.0.1", 50_010 + i), Direction.INBOUND));
        }
        closes.add(TestRecords.open(at("127.0.0.1", 9090), at("127.0.0.1", 50_020), Direction.INBOUND));
        closes.add(TestRecords.open(at("127.0.0.1", 40_040), at("127.0.0.1", 8081), Direction.OUTBOUND));
        closes.add(TestRecords.open(at("::1", 40_020), at("::1", 8080), Direction.OUTBOUND));
        closes.add(TestRecords.open(at("::1", 40_021), at("::1", 8080), Direction.OUTBOUND));
        closes.add(TestRecords.open(at("127.0.0.1", 40_013), at("127.0.0.1", 8080), Direction.OUTBOUND));

        PeerSummary summary = new PeerSummary();
        Map<String, Integer> expected = new TreeMap<>();
        for (ConnectionRecord r : closes) {
            summary.addFinished(TestRecords.closedBy(r, CloseInitiator.REMOTE));
            expected.merge(PeerSummary.peerKey(r), 1, Integer::sum);
        }
        assertEquals(Map.of("127.0.0.1:8080", 7, "127.0.0.2:8080", 1, "127.0.0.1:8081", 2,
                "127.0.0.1 -> :8080", 4, "127.0.0.1 -> :9090", 2, "[0:0:0:0:0:0:0:1]:8080", 2), expected);

        Map<String, Integer> counted = new TreeMap<>();
        for (String line : summary.render(List.of()).split("\n")) {
            // PEER (which may hold " -> "), DIR, CONNS, ...
            String[] cells = line.trim().split("\\s{2,}");
            if (cells.length > 3 && !cells[0].equals("PEER") && !line.startsWith("pool ")) {
                counted.put(cells[0], Integer.parseInt(cells[2]));
            }
        }
        assertEquals(expected, counted);
    }

    /** Close reasons are counted per peer, each reason once in sorted order, and keep counting after a render. */
    @Test
    void closeReasonsAreCountedPerPeer() throws Exception {
        PeerSummary summary = new PeerSummary();
        String[] reasons = {"pool_idle_timeout", "pool_full", "pool_idle_timeout", null, "pool_idle_timeout"};
        for (int i = 0; i < reasons.length; i++) {
            summary.addFinished(TestRecords.closedFor(TestRecords.open(at("127.0.0.1", 40_000 + i),
                    at("127.0.0.1", 8080), Direction.OUTBOUND), CloseInitiator.LOCAL, reasons[i]));
        }
        assertEquals("pool_full=1,pool_idle_timeout=3", reasonsOf(summary.render(List.of()), "127.0.0.1:8080"));
        summary.addFinished(TestRecords.closedFor(TestRecords.open(at("127.0.0.1", 40_100), at("127.0.0.1", 8080),
                Direction.OUTBOUND), CloseInitiator.LOCAL, "pool_full"));
        summary.addFinished(TestRecords.closedFor(TestRecords.open(at("127.0.0.1", 40_101), at("127.0.0.1", 9090),
                Direction.OUTBOUND), CloseInitiator.LOCAL, "pool_full"));
        String table = summary.render(List.of());
        assertEquals("pool_full=2,pool_idle_timeout=3", reasonsOf(table, "127.0.0.1:8080"));
        assertEquals("pool_full=1", reasonsOf(table, "127.0.0.1:9090"));
    }

    private static String reasonsOf(String table, String peer) {
        for (String line : table.split("\n")) {
            String[] cells = line.trim().split("\\s{2,}");
            if (cells[0].equals(peer)) {
                return cells[cells.length - 1];
            }
        }
        throw new AssertionError(peer + " not in\n" + table);
    }
}
