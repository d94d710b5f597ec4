package io.connscope.agent.core.tls;

import io.connscope.agent.core.http.ByteSource;

/**
 * Whether a TLS client's handshake resumed a session, read from the server's first bytes on the wire, byte by
 * byte, however the reads split them (the JDK's SSLSocket reads a record's 5-byte header on its own):
 * <ul>
 *   <li>TLS 1.3 (the ServerHello's {@code supported_versions} says 0x0304): resumed when the ServerHello accepts a
 *   pre-shared key (its {@code pre_shared_key} extension);</li>
 *   <li>TLS 1.2 and older: resumed when the ServerHello is followed by a NewSessionTicket or a ChangeCipherSpec
 *   (the abbreviated handshake), not when by a Certificate or a key exchange (a full one).</li>
 * </ul>
 * Anything else (a HelloRetryRequest, an alert, bytes that are no ServerHello) leaves it unknown. One instance per
 * outbound TLS connection, fed its reads until it decides; no allocation while fed.
 */
public final class ServerHelloScan {

    public static final int UNDECIDED = 0;
    public static final int FULL = 1;
    public static final int RESUMED = 2;
    public static final int UNKNOWN = 3;

    /** The first bytes of a HelloRetryRequest's random (RFC 8446, 4.1.3): enough to tell it from a real one. */
    private static final int[] HELLO_RETRY_RANDOM = {0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11};

    /** Gives up after this many bytes: a ServerHello comes first and is small. */
    private static final int MAX_BYTES = 16_384;

    private int seen;
    private int result = UNDECIDED;
    // The current record: its header bytes read so far, its type, the bytes of its body left.
    private int recordHeaderRead;
    private int recordType;
    private int recordLeft;
    // The current handshake message: its header bytes read so far, its type, its length, the body bytes read.
    private int messageHeaderRead;
    private int messageType;
    private int messageLength;
    private int messagePos;
    private boolean serverHelloDone;
    private boolean tls13;
    private boolean psk;
    // Inside the ServerHello's body: where its extensions start, and the current extension.
    private boolean retryMatch;
    private int extensionAt;
    private int extensionType;
    private int extensionLength;

    public int result() {
        return result;
    }

    /** Feeds server-to-client bytes; returns the result so far. */
    public int feed(ByteSource bytes, long address, int length) {
        for (int i = 0; i < length && result == UNDECIDED; i++) {
            if (++seen > MAX_BYTES) {
                result = UNKNOWN;
                break;
            }
            take(bytes.byteAt(address + i));
        }
        return result;
    }

    private void take(int b) {
        if (recordLeft == 0) {
            recordHeader(b);
            return;
        }
        recordLeft--;
        if (recordType != 0x16) {
            return;
        }
        if (messageHeaderRead < 4) {
            messageHeader(b);
        } else {
            messageByte(b);
        }
    }

    private void recordHeader(int b) {
        switch (recordHeaderRead++) {
            case 0:
                recordType = b;
                if (b == 0x14 && serverHelloDone) {
                    result = RESUMED; // ChangeCipherSpec right after the ServerHello: TLS 1.2 abbreviated
                } else if (b != 0x16) {
                    result = UNKNOWN;
                }
                break;
            case 3:
                recordLeft = b << 8;
                break;
            case 4:
                recordLeft |= b;
                recordHeaderRead = 0;
                if (recordLeft == 0) {
                    result = UNKNOWN;
                }
                break;
            default:
                break;
        }
    }

    private void messageHeader(int b) {
        switch (messageHeaderRead++) {
            case 0:
                messageType = b;
                if (serverHelloDone) {
                    // TLS 1.2: what follows the ServerHello tells.
                    result = b == 0x04 ? RESUMED : FULL;
                } else if (b != 0x02) {
                    result = UNKNOWN;
                }
                messageLength = 0;
                messagePos = 0;
                break;
            default:
                messageLength = (messageLength << 8) | b;
                break;
        }
    }

    /** A byte of the ServerHello's body (the only message read whole). */
    private void messageByte(int b) {
        int pos = messagePos++;
        if (pos >= 2 && pos < 2 + HELLO_RETRY_RANDOM.length) {
            // A HelloRetryRequest is a ServerHello with this random: another ClientHello and ServerHello follow.
            retryMatch = (pos == 2 || retryMatch) && b == HELLO_RETRY_RANDOM[pos - 2];
            if (retryMatch && pos == 1 + HELLO_RETRY_RANDOM.length) {
                result = UNKNOWN;
                return;
            }
        } else if (pos == 34) {
            // Session id, cipher suite, compression, the extensions' length: then the extensions.
            extensionAt = 35 + b + 2 + 1 + 2;
        } else if (extensionAt > 0 && pos >= extensionAt) {
            int at = pos - extensionAt;
            if (at == 0) {
                extensionType = b << 8;
            } else if (at == 1) {
                extensionType |= b;
            } else if (at == 2) {
                extensionLength = b << 8;
            } else if (at == 3) {
                extensionLength |= b;
                psk |= extensionType == 0x0029;
            } else if (extensionType == 0x002b && at == 4) {
                tls13 = b == 0x03;
            } else if (extensionType == 0x002b && at == 5) {
                tls13 &= b == 0x04;
            }
            if (at >= 3 && at == 3 + extensionLength) {
                extensionAt = pos + 1;
            }
        }
        if (messagePos == messageLength) {
            // The ServerHello is complete.
            messageHeaderRead = 0;
            serverHelloDone = true;
            if (tls13) {
                result = psk ? RESUMED : FULL;
            }
        }
    }
}
