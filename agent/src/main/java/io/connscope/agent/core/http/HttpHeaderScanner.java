package io.connscope.agent.core.http;

/**
 * Reads one HTTP/1.x message head (start line and headers) as it streams by, chunk after chunk, and keeps only
 * what connection management needs: the HTTP version, the status code, and the values of {@code Connection},
 * {@code Keep-Alive}. Every other header, the request target (and so any query string) and the body are
 * skipped without being stored.
 *
 * <p>Allocation-free: the buffers are allocated once per connection and reused for every message.
 */
final class HttpHeaderScanner {

    static final int VALUE_CAPACITY = 64;
    private static final int NAME_CAPACITY = 16;
    private static final int LINE_WINDOW = 12;

    private static final byte[] HTTP_1 = {'H', 'T', 'T', 'P', '/', '1', '.'};

    private static final int START_LINE = 0;
    private static final int NAME = 1;
    private static final int VALUE = 2;
    private static final int DONE = 3;

    private static final int TARGET_NONE = 0;
    private static final int TARGET_CONNECTION = 1;
    private static final int TARGET_KEEP_ALIVE = 2;

    private int phase = DONE;
    private boolean request;

    /** Start line: its first and last bytes, enough for "HTTP/1.1 200" and "... HTTP/1.1". */
    private final byte[] lineHead = new byte[LINE_WINDOW];
    private int lineHeadLength;
    private final byte[] lineTail = new byte[LINE_WINDOW];
    private int lineLength;

    private final byte[] name = new byte[NAME_CAPACITY];
    private int nameLength;
    private boolean nameOverflow;
    private int target;
    private boolean valueStarted;

    final byte[] connection = new byte[VALUE_CAPACITY];
    int connectionLength = -1;
    final byte[] keepAlive = new byte[VALUE_CAPACITY];
    int keepAliveLength = -1;

    /** 10 for HTTP/1.0, 11 for HTTP/1.1, 0 unknown. */
    int version;
    /** The response status, 0 for requests or when unknown. */
    int status;

    /** Starts a new message head; {@code request} says which start line to expect. */
    void begin(boolean request) {
        this.request = request;
        phase = START_LINE;
        lineHeadLength = 0;
        lineLength = 0;
        nameLength = 0;
        nameOverflow = false;
        target = TARGET_NONE;
        connectionLength = -1;
        keepAliveLength = -1;
        version = 0;
        status = 0;
    }

    boolean inHead() {
        return phase != DONE;
    }

    /**
     * Feeds bytes; returns how many were consumed by the head (the rest, if any, is body), or {@code length}
     * when the head is not complete yet.
     */
    int feed(ByteSource bytes, long address, int length) {
        for (int i = 0; i < length; i++) {
            if (phase == DONE) {
                return i;
            }
            if (phase == VALUE && target == TARGET_NONE) {
                // The value of a header nobody keeps (most of a head's bytes): only its end matters.
                while (i < length && bytes.byteAt(address + i) != '\n') {
                    i++;
                }
                if (i == length) {
                    return length;
                }
            }
            step((byte) bytes.byteAt(address + i));
        }
        return length;
    }

    private void step(byte b) {
        switch (phase) {
            case START_LINE:
                if (b == '\n') {
                    finishStartLine();
                    phase = NAME;
                    nameLength = 0;
                    nameOverflow = false;
                } else if (b != '\r') {
                    if (lineHeadLength < LINE_WINDOW) {
                        lineHead[lineHeadLength++] = b;
                    }
                    lineTail[lineLength % LINE_WINDOW] = b;
                    lineLength++;
                }
                break;
            case NAME:
                if (b == '\n') {
                    // An empty line (or one without a colon) ends the head when nothing was read on it.
                    if (nameLength == 0 && !nameOverflow) {
                        phase = DONE;
                    } else {
                        nameLength = 0;
                        nameOverflow = false;
                    }
                } else if (b == ':') {
                    target = targetOf();
                    valueStarted = false;
                    phase = VALUE;
                    if (target == TARGET_CONNECTION) {
                        connectionLength = Math.max(connectionLength, 0);
                        if (connectionLength > 0 && connectionLength < VALUE_CAPACITY) {
                            // Repeated header: values join with a comma, as RFC 9110 says.
                            connection[connectionLength++] = ',';
                        }
                    } else if (target == TARGET_KEEP_ALIVE) {
                        keepAliveLength = Math.max(keepAliveLength, 0);
                    }
                } else if (b != '\r') {
                    if (nameLength < NAME_CAPACITY) {
                        name[nameLength++] = lower(b);
                    } else {
                        nameOverflow = true;
                    }
                }
                break;
            case VALUE:
                if (b == '\n') {
                    phase = NAME;
                    nameLength = 0;
                    nameOverflow = false;
                    trimTrailingSpace();
                } else if (b != '\r') {
                    if (!valueStarted && (b == ' ' || b == '\t')) {
                        break;
                    }
                    valueStarted = true;
                    if (target == TARGET_CONNECTION && connectionLength < VALUE_CAPACITY) {
                        connection[connectionLength++] = b;
                    } else if (target == TARGET_KEEP_ALIVE && keepAliveLength < VALUE_CAPACITY) {
                        keepAlive[keepAliveLength++] = b;
                    }
                }
                break;
            default:
                break;
        }
    }

    private void trimTrailingSpace() {
        if (target == TARGET_CONNECTION) {
            while (connectionLength > 0 && isSpace(connection[connectionLength - 1])) {
                connectionLength--;
            }
        } else if (target == TARGET_KEEP_ALIVE) {
            while (keepAliveLength > 0 && isSpace(keepAlive[keepAliveLength - 1])) {
                keepAliveLength--;
            }
        }
        target = TARGET_NONE;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t';
    }

    private void finishStartLine() {
        if (request) {
            // "... HTTP/1.1": the version is the line's last 8 bytes.
            if (lineLength >= 8) {
                version = versionAt(lineTail, (lineLength - 8) % LINE_WINDOW, true);
            }
        } else if (lineHeadLength >= 8) {
            version = versionAt(lineHead, 0, false);
            if (lineHeadLength >= 12 && lineHead[8] == ' ') {
                int s = 0;
                for (int i = 9; i < 12; i++) {
                    int d = lineHead[i] - '0';
                    if (d < 0 || d > 9) {
                        s = 0;
                        break;
                    }
                    s = s * 10 + d;
                }
                status = s;
            }
        }
    }

    /** Reads "HTTP/1.x" at {@code start}; the tail buffer is circular. */
    private static int versionAt(byte[] buf, int start, boolean circular) {
        for (int i = 0; i < HTTP_1.length; i++) {
            if (buf[circular ? (start + i) % LINE_WINDOW : start + i] != HTTP_1[i]) {
                return 0;
            }
        }
        byte minor = buf[circular ? (start + 7) % LINE_WINDOW : start + 7];
        return minor == '0' ? 10 : minor == '1' ? 11 : 0;
    }

    private int targetOf() {
        if (nameOverflow) {
            return TARGET_NONE;
        }
        if (nameIs("connection")) {
            return TARGET_CONNECTION;
        }
        if (nameIs("keep-alive")) {
            return TARGET_KEEP_ALIVE;
        }
        return TARGET_NONE;
    }

    private boolean nameIs(String expected) {
        if (nameLength != expected.length()) {
            return false;
        }
        for (int i = 0; i < nameLength; i++) {
            if (name[i] != expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    /** Whether the Connection header holds the token {@code token} (lower case), e.g. "close". */
    boolean connectionHas(String token) {
        return HttpTokens.containsToken(connection, connectionLength, token);
    }

    /** A parameter of the Keep-Alive header ("timeout", "max"), or -1. */
    int keepAliveParameter(String parameter) {
        return HttpTokens.parameter(keepAlive, keepAliveLength, parameter);
    }
}
