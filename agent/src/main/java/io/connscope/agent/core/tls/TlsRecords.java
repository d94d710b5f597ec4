package io.connscope.agent.core.tls;

import io.connscope.agent.core.http.ByteSource;

/** What a stream's first bytes say about TLS: a handshake record, from a client or a server. */
public final class TlsRecords {

    private TlsRecords() {
    }

    /** Whether bytes that open a server-to-client stream are a TLS handshake record (a ServerHello, or its header). */
    public static boolean looksLikeServerHandshake(ByteSource bytes, long address, int length) {
        return length >= 3 && bytes.byteAt(address) == 0x16 && bytes.byteAt(address + 1) == 0x03
                && bytes.byteAt(address + 2) <= 0x04 && (length < 6 || bytes.byteAt(address + 5) == 0x02);
    }

    /** Whether bytes that open a client-to-server stream are a TLS ClientHello record (or its record header). */
    public static boolean looksLikeClientHello(ByteSource bytes, long address, int length) {
        if (length < 3 || bytes.byteAt(address) != 0x16 || bytes.byteAt(address + 1) != 0x03
                || bytes.byteAt(address + 2) > 0x04) {
            return false;
        }
        // A handshake record of TLS 1.0 to 1.3. A server may read only its 5-byte header first; when the
        // handshake type is there, it must be ClientHello.
        return length < 6 || bytes.byteAt(address + 5) == 0x01;
    }
}
