package io.connscope.agent.kernel;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rows as Linux 6.18 printed them (tcp4_seq_show / tcp6_seq_show), parsed field by field. */
class TcpRowTest {

    private static TcpRow parse(String line) {
        TcpRow row = new TcpRow();
        byte[] b = line.getBytes(StandardCharsets.US_ASCII);
        assertTrue(row.parse(b, 0, b.length), line);
        return row;
    }

    private static Endpoints tuple(String local, int localPort, String remote, int remotePort) {
        return Endpoints.of(new InetSocketAddress(local, localPort), new InetSocketAddress(remote, remotePort));
    }

    @Test
    void anEstablishedIpv4RowWithItsKeepAliveTimer() {
        TcpRow r = parse("   1: 0100007F:D564 0100007F:C505 01 00000000:00000000 02:0000001C 00000000     0        0 "
                + "808304 3 00000000dca0c042 20 0 0 10 -1                    ");
        assertEquals(TcpRow.ESTABLISHED, r.state());
        assertEquals(TcpRow.TIMER_KEEPALIVE, r.timer());
        assertEquals(0x1C, r.timerTicks());
        assertEquals(0, r.retransmits());
        assertEquals(0, r.probesOut());
        assertEquals(tuple("127.0.0.1", 0xD564, "127.0.0.1", 0xC505), r.endpoints());
    }

    @Test
    void theTimeoutColumnIsTheUnansweredProbeCount() {
        // uid 1000, icsk_probes_out 3, icsk_retransmits 0: a peer that no longer answers keep-alive probes.
        TcpRow r = parse("   7: 0100007F:D564 0100007F:C505 01 00000000:00000000 02:00000064 00000000  1000        3 "
                + "808304 2 00000000dca0c042 20 0 0 10 -1");
        assertEquals(3, r.probesOut());
        assertEquals(0, r.retransmits());
        assertEquals(TcpRow.TIMER_KEEPALIVE, r.timer());
    }

    @Test
    void aTimeWaitRow() {
        TcpRow r = parse("   1: 020200C0:EBE4 507100CB:0050 06 00000000:00000000 03:00000D76 00000000     0        0 0 "
                + "3 000000008ea86b08");
        assertEquals(TcpRow.TIME_WAIT, r.state());
        assertEquals(3, r.timer());
        assertEquals(tuple("192.0.2.2", 60388, "203.0.113.80", 80), r.endpoints());
    }

    @Test
    void anIpv4MappedRowOfTcp6IsTheSameTupleAsItsIpv4Spelling() {
        TcpRow r = parse("   0: 0000000000000000FFFF00000100007F:9C40 0000000000000000FFFF00000100007F:B1F2 01 "
                + "00000000:00000000 02:000004A1 00000005  1000        0 12345 1 0000000000000000 20 4 30 10 -1");
        assertEquals(tuple("127.0.0.1", 40000, "127.0.0.1", 45554), r.endpoints());
        assertEquals(5, r.retransmits());
    }

    @Test
    void ipv6Loopback() {
        TcpRow r = parse("   3: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:C350 06 "
                + "00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000");
        assertEquals(tuple("::1", 8080, "::1", 50000), r.endpoints());
        assertEquals(TcpRow.TIME_WAIT, r.state());
    }

    @Test
    void theHeaderAndGarbageAreNotRows() {
        TcpRow row = new TcpRow();
        for (String line : new String[] {
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "", "   1: 0100007F", "   1: 0100007G:D564 0100007F:C505 01 00000000:00000000 02:0000001C 00000000 0 0 1"}) {
            byte[] b = line.getBytes(StandardCharsets.US_ASCII);
            assertFalse(row.parse(b, 0, b.length), line);
        }
    }

    /** Found by fuzzing (TcpRowFuzzTestInputs/rows/regression-probes-past-an-int): the count went negative. */
    @Test
    void aProbeCountPastAnIntIsNoRow() {
        byte[] line = ("   4: 0100007F:B1C1 0100007F:B920 06 00000000:00000000 03:000011E9 00000000     0 "
                + "222222222222222222 0 3 00000000adc0d7fb").getBytes(StandardCharsets.US_ASCII);
        assertFalse(new TcpRow().parse(line, 0, line.length));
    }
}
