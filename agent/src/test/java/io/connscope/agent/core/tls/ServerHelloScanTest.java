package io.connscope.agent.core.tls;

import io.connscope.agent.core.http.ByteSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Resumed or full, from the server's first flight, however it is split. */
public class ServerHelloScanTest {

    private static final int[] SUPPORTED_TLS13 = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    private static final int[] PSK = {0x00, 0x29, 0x00, 0x02, 0x00, 0x00};
    private static final int[] KEY_SHARE = {0x00, 0x33, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x00};

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /** A ServerHello handshake message with these extensions (each an int[]), and a random starting with r0. */
    private static byte[] serverHello(int r0, int[]... extensions) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(3);
        body.write(3);
        for (int i = 0; i < 32; i++) {
            body.write(i == 0 ? r0 : 0x42);
        }
        body.write(32);
        for (int i = 0; i < 32; i++) {
            body.write(0x11);
        }
        body.writeBytes(bytes(0x13, 0x01, 0x00));
        int extLength = 0;
        for (int[] e : extensions) {
            extLength += e.length;
        }
        body.write(extLength >> 8);
        body.write(extLength & 0xff);
        for (int[] e : extensions) {
            body.writeBytes(bytes(e));
        }
        byte[] b = body.toByteArray();
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.writeBytes(bytes(0x02, 0, b.length >> 8, b.length & 0xff));
        m.writeBytes(b);
        return m.toByteArray();
    }

    private static byte[] record(int type, byte[]... messages) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            body.writeBytes(m);
        }
        byte[] b = body.toByteArray();
        ByteArrayOutputStream r = new ByteArrayOutputStream();
        r.writeBytes(bytes(type, 0x03, 0x03, b.length >> 8, b.length & 0xff));
        r.writeBytes(b);
        return r.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The result fed whole, byte by byte, and as the JDK's SSLSocket reads (a 5-byte header, then the rest). */
    private static void assertScan(int expected, byte[] flight) {
        ServerHelloScan whole = new ServerHelloScan();
        assertEquals(expected, whole.feed(ByteSource.of(flight), 0, flight.length), "whole");
        ServerHelloScan single = new ServerHelloScan();
        for (int i = 0; i < flight.length; i++) {
            single.feed(ByteSource.of(flight), i, 1);
        }
        assertEquals(expected, single.result(), "byte by byte");
        ServerHelloScan split = new ServerHelloScan();
        split.feed(ByteSource.of(flight), 0, 5);
        split.feed(ByteSource.of(flight), 5, flight.length - 5);
        assertEquals(expected, split.result(), "header apart");
    }

    /** A TLS 1.3 server's first flight that accepts a pre-shared key: a resumed handshake. */
    public static byte[] tls13ResumedFlight() {
        return concat(record(0x16, serverHello(0x10, SUPPORTED_TLS13, KEY_SHARE, PSK)), record(0x14, bytes(1)),
                record(0x17, bytes(0, 0, 0)));
    }

    @Test
    void tls13WithAPreSharedKeyResumed() {
        assertScan(ServerHelloScan.RESUMED, tls13ResumedFlight());
    }

    @Test
    void tls13WithoutOneDidAFullHandshake() {
        assertScan(ServerHelloScan.FULL, concat(record(0x16, serverHello(0x10, KEY_SHARE, SUPPORTED_TLS13)),
                record(0x14, bytes(1))));
    }

    @Test
    void tls12ResumedWhenTheServerGoesStraightToChangeCipherSpecOrATicket() {
        assertScan(ServerHelloScan.RESUMED, concat(record(0x16, serverHello(0x10)), record(0x14, bytes(1))));
        assertScan(ServerHelloScan.RESUMED, record(0x16, serverHello(0x10), bytes(0x04, 0, 0, 1, 0)));
    }

    @Test
    void tls12FullWhenACertificateFollows() {
        assertScan(ServerHelloScan.FULL, concat(record(0x16, serverHello(0x10)), record(0x16, bytes(0x0b, 0, 0, 1, 0))));
        assertScan(ServerHelloScan.FULL, record(0x16, serverHello(0x10), bytes(0x0b, 0, 0, 1, 0)));
    }

    @Test
    void aHelloRetryRequestOrNoServerHelloLeavesItUnknown() {
        byte[] retry = serverHello(0xCF, SUPPORTED_TLS13, KEY_SHARE);
        int[] rest = {0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11};
        for (int i = 0; i < rest.length; i++) {
            retry[4 + 3 + i] = (byte) rest[i];
        }
        assertScan(ServerHelloScan.UNKNOWN, record(0x16, retry));
        assertScan(ServerHelloScan.UNKNOWN, record(0x17, bytes(1, 2, 3)));
        assertScan(ServerHelloScan.UNKNOWN, record(0x15, bytes(2, 40)));
    }
}
