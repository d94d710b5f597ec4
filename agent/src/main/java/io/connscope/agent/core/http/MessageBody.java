package io.connscope.agent.core.http;

/**
 * Skips one HTTP/1.x message body as it streams by, by its framing (RFC 9112, section 6): a length, chunked
 * transfer coding, or none; or it cannot tell (a response delimited by the connection's close, a length that does
 * not parse), and then the body is taken to run to the end of what is seen. Only the framing is read: chunk sizes,
 * and the line ends around them; never what the body says.
 *
 * <p>Used to find where the next message of a pipelined connection begins, so that requests sent before the first
 * response, and their responses written back to back, count one by one. Linear in the bytes, no allocation, state
 * bounded (a chunk size past 2^59 is taken as unknown framing).
 */
final class MessageBody {

    private static final int DONE = 0;
    private static final int LENGTH = 1;
    /** Chunked: in the hex digits of a chunk's size. */
    private static final int CHUNK_SIZE = 2;
    /** Chunked: after the size, up to the line's end (a chunk extension, or the '\r'). */
    private static final int CHUNK_SIZE_LINE = 3;
    private static final int CHUNK_DATA = 4;
    /** Chunked: the CRLF after a chunk's data. */
    private static final int CHUNK_DATA_END = 5;
    /** Chunked: at the start of a trailer line, or of the empty line that ends the body. */
    private static final int TRAILER_START = 6;
    private static final int TRAILER_LINE = 7;
    /** The framing is not known: everything from here on is taken as body. */
    private static final int UNKNOWN = 8;

    private static final long MAX_CHUNK_SIZE = 1L << 59;

    private int state = DONE;
    private long remaining;
    private boolean sizeDigits;

    /** A body of {@code length} bytes (0: none). */
    void length(long length) {
        remaining = length;
        state = length > 0 ? LENGTH : DONE;
    }

    /** A chunked body: chunks until the one of size 0, then trailers and an empty line. */
    void chunked() {
        remaining = 0;
        sizeDigits = false;
        state = CHUNK_SIZE;
    }

    /** A body whose end cannot be told from its bytes. */
    void unknown() {
        state = UNKNOWN;
    }

    /** Whether the body has ended (every byte after it belongs to the next message). */
    boolean done() {
        return state == DONE;
    }

    /**
     * Skips body bytes: returns how many of the {@code length} at {@code address} belong to this body, all of them
     * when it goes on past them (or its framing is unknown).
     */
    int skip(ByteSource bytes, long address, int length) {
        int i = 0;
        while (i < length) {
            switch (state) {
                case DONE:
                    return i;
                case LENGTH:
                case CHUNK_DATA: {
                    long take = Math.min(remaining, length - i);
                    i += (int) take;
                    remaining -= take;
                    if (remaining == 0) {
                        state = state == LENGTH ? DONE : CHUNK_DATA_END;
                    }
                    break;
                }
                case CHUNK_SIZE: {
                    int b = bytes.byteAt(address + i++);
                    int digit = hexDigit(b);
                    if (digit >= 0) {
                        if (remaining >= MAX_CHUNK_SIZE) {
                            state = UNKNOWN;
                            return length;
                        }
                        remaining = (remaining << 4) | digit;
                        sizeDigits = true;
                    } else if (b == '\n') {
                        sizeLineEnded();
                    } else if (sizeDigits && (b == '\r' || b == ';' || b == ' ' || b == '\t')) {
                        state = CHUNK_SIZE_LINE;
                    } else {
                        state = UNKNOWN;
                        return length;
                    }
                    break;
                }
                case CHUNK_SIZE_LINE:
                    if (bytes.byteAt(address + i++) == '\n') {
                        sizeLineEnded();
                    }
                    break;
                case CHUNK_DATA_END: {
                    int b = bytes.byteAt(address + i++);
                    if (b == '\n') {
                        remaining = 0;
                        sizeDigits = false;
                        state = CHUNK_SIZE;
                    } else if (b != '\r') {
                        state = UNKNOWN;
                        return length;
                    }
                    break;
                }
                case TRAILER_START: {
                    int b = bytes.byteAt(address + i++);
                    if (b == '\n') {
                        state = DONE;
                    } else if (b != '\r') {
                        state = TRAILER_LINE;
                    }
                    break;
                }
                case TRAILER_LINE:
                    if (bytes.byteAt(address + i++) == '\n') {
                        state = TRAILER_START;
                    }
                    break;
                default:
                    return length;
            }
        }
        return length;
    }

    private void sizeLineEnded() {
        if (!sizeDigits) {
            state = UNKNOWN;
        } else {
            state = remaining == 0 ? TRAILER_START : CHUNK_DATA;
        }
    }

    private static int hexDigit(int b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int lower = b | 0x20;
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }
}
