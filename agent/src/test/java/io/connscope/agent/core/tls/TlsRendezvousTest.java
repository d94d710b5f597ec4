package io.connscope.agent.core.tls;

import io.connscope.agent.core.http.ByteSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

public class TlsRendezvousTest {

    /** A ClientHello record: header, handshake header, version, then a random made from {@code seed}. */
    public static byte[] clientHello(int seed) {
        byte[] b = new byte[64];
        b[0] = 0x16;
        b[1] = 0x03;
        b[2] = 0x01;
        b[3] = 0x00;
        b[4] = 59;
        b[5] = 0x01;
        b[9] = 0x03;
        b[10] = 0x03;
        for (int i = 0; i < 32; i++) {
            b[11 + i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    @Test
    void theRecordAndTheMessageAloneGiveTheSameKey() {
        byte[] record = clientHello(7);
        ClientHelloKey fromRecord = ClientHelloKey.ofRecord(ByteSource.of(record), 0, record.length);
        ClientHelloKey fromMessage = ClientHelloKey.ofMessage(ByteSource.of(record), 5, record.length - 5);
        assertNotNull(fromRecord);
        assertEquals(fromRecord, fromMessage, "a server that reads the header first finds the same key");
        assertNotEquals(fromRecord, ClientHelloKey.ofRecord(ByteSource.of(clientHello(8)), 0, 64));
    }

    @Test
    void notAClientHelloOrTooShortGivesNoKey() {
        byte[] record = clientHello(1);
        assertNull(ClientHelloKey.ofRecord(ByteSource.of(record), 0, 42));
        record[5] = 0x02; // ServerHello
        assertNull(ClientHelloKey.ofRecord(ByteSource.of(record), 0, record.length));
    }

    @Test
    void whicheverSideComesSecondFindsTheFirst() {
        TlsRendezvous r = new TlsRendezvous(10);
        ClientHelloKey k = ClientHelloKey.ofRecord(ByteSource.of(clientHello(3)), 0, 64);
        Object engine = new Object();
        Object connection = new Object();
        assertNull(r.meet(k, engine));
        assertSame(engine, r.meet(k, connection));
        assertEquals(0, r.waiting(), "met parties leave");
        assertNull(r.meet(k, connection));
        assertNull(r.meet(k, connection), "the same party twice does not meet itself");
    }

    @Test
    void partiesThatNeverMeetAreDroppedOldestFirstAndCounted() {
        TlsRendezvous r = new TlsRendezvous(2);
        for (int i = 0; i < 5; i++) {
            r.meet(ClientHelloKey.ofRecord(ByteSource.of(clientHello(i)), 0, 64), new Object());
        }
        assertEquals(2, r.waiting());
        assertEquals(3, r.dropped());
        r.forget(ClientHelloKey.ofRecord(ByteSource.of(clientHello(4)), 0, 64));
        assertEquals(1, r.waiting());
    }

    /** Found by fuzzing: a first read cut inside the ClientHello left the next read to be taken for its message. */
    @Test
    void onlyARecordHeaderReadAloneAwaitsTheMessageInTheNextRead() {
        byte[] hello = new byte[64];
        hello[0] = 0x16;
        hello[1] = 0x03;
        hello[2] = 0x01;
        hello[5] = 0x01;
        io.connscope.agent.core.http.ByteSource bytes = io.connscope.agent.core.http.ByteSource.of(hello);
        org.junit.jupiter.api.Assertions.assertTrue(ClientHelloKey.isRecordHeaderAlone(bytes, 0, 5));
        org.junit.jupiter.api.Assertions.assertFalse(ClientHelloKey.isRecordHeaderAlone(bytes, 0, 10),
                "the next read starts inside the message: no random there");
        org.junit.jupiter.api.Assertions.assertFalse(ClientHelloKey.isRecordHeaderAlone(bytes, 1, 5));
    }
}
