package io.connscope.agent.core.tls;

import io.connscope.agent.core.http.ByteSource;

/**
 * The 32-byte random of a TLS ClientHello: what an {@code SSLEngine} produced (or consumed) and what its TCP
 * socket carried have it in common, so it ties an engine, which knows no socket, to its connection.
 */
public final class ClientHelloKey {

    private final long a;
    private final long b;
    private final long c;
    private final long d;

    private ClientHelloKey(long a, long b, long c, long d) {
        this.a = a;
        this.b = b;
        this.c = c;
        this.d = d;
    }

    /**
     * The key of a ClientHello record (5-byte record header, 4-byte handshake header, 2-byte version, then the
     * random), or null when the bytes are not one or are too short.
     */
    public static ClientHelloKey ofRecord(ByteSource bytes, long address, int length) {
        if (length < 43 || bytes.byteAt(address) != 0x16 || bytes.byteAt(address + 1) != 0x03
                || bytes.byteAt(address + 5) != 0x01) {
            return null;
        }
        return read(bytes, address + 11);
    }

    /**
     * Whether a read of a connection's first bytes is a ClientHello's 5-byte record header and nothing more: a server
     * that reads the header on its own reads the message, random first, next ({@link #ofMessage}). A first read cut
     * anywhere else leaves the next one in the middle of the message, where no random can be told.
     */
    public static boolean isRecordHeaderAlone(ByteSource bytes, long address, int length) {
        return length == 5 && bytes.byteAt(address) == 0x16 && bytes.byteAt(address + 1) == 0x03;
    }

    /**
     * The key of a ClientHello handshake message without its record header (what a server reads after reading
     * the 5-byte header on its own), or null.
     */
    public static ClientHelloKey ofMessage(ByteSource bytes, long address, int length) {
        if (length < 38 || bytes.byteAt(address) != 0x01 || bytes.byteAt(address + 4) != 0x03) {
            return null;
        }
        return read(bytes, address + 6);
    }

    private static ClientHelloKey read(ByteSource bytes, long at) {
        return new ClientHelloKey(word(bytes, at), word(bytes, at + 8), word(bytes, at + 16), word(bytes, at + 24));
    }

    private static long word(ByteSource bytes, long at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | bytes.byteAt(at + i);
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ClientHelloKey)) {
            return false;
        }
        ClientHelloKey k = (ClientHelloKey) o;
        return a == k.a && b == k.b && c == k.c && d == k.d;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(a * 31 + b) * 31 + Long.hashCode(c * 31 + d);
    }
}
