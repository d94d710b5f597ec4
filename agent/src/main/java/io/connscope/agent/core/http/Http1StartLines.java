package io.connscope.agent.core.http;

/**
 * What an HTTP/1.x message's first bytes say: a request line (a method), a status line ({@code HTTP/1.}). Used to
 * tell a stream's protocol from its first bytes, and a pipelined request or response from the bytes after the one
 * before it.
 */
public final class Http1StartLines {

    private Http1StartLines() {
    }

    private static final long FOUR_BYTES = Words.mask(4);
    private static final long FIVE_BYTES = Words.mask(5);
    private static final long SIX_BYTES = Words.mask(6);
    private static final long SEVEN_BYTES = Words.mask(7);
    private static final long GET = Words.of("GET ");
    private static final long POST = Words.of("POST ");
    private static final long PUT = Words.of("PUT ");
    private static final long HEAD = Words.of("HEAD ");
    private static final long DELETE = Words.of("DELETE ");
    private static final long PATCH = Words.of("PATCH ");
    private static final long OPTIONS = Words.of("OPTIONS ");

    /** Methods that make a request line recognisable on their own (RFC 9110, PATCH, WebDAV). */
    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE",
        "CONNECT", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH"};

    /**
     * Whether bytes that open a message on a client-to-server stream are an HTTP/1.x request line: a known
     * method and a space, or any upper-case token whose line ends in {@code HTTP/1.x}. (A bare upper-case word
     * is not enough: SMTP's {@code EHLO x} would pass.)
     */
    public static boolean looksLikeRequest(ByteSource bytes, long address, int length) {
        if (length >= 8) {
            // The common methods with their space, against constants: what the loop below decides for them.
            long w = bytes.longAt(address);
            long four = w & FOUR_BYTES;
            long five = w & FIVE_BYTES;
            if (four == GET || five == POST || four == PUT || five == HEAD || (w & SEVEN_BYTES) == DELETE
                    || (w & SIX_BYTES) == PATCH || w == OPTIONS) {
                return true;
            }
        }
        int token = 0;
        while (token < length && token < 12) {
            int b = bytes.byteAt(address + token);
            if (b == ' ') {
                break;
            }
            if (b < 'A' || b > 'Z') {
                return false;
            }
            token++;
        }
        if (token == 0 || token == 12) {
            return false;
        }
        boolean known = false;
        for (String m : METHODS) {
            if (m.length() >= token && matches(bytes, address, m, token)) {
                if (m.length() == token) {
                    known = true;
                    break;
                }
                if (token == length) {
                    // A known method split across writes: its letters so far are all the evidence there is.
                    return true;
                }
            }
        }
        if (known) {
            // A whole method name, with or without the space yet: "GET" alone is a write split after the method.
            return true;
        }
        if (token == length) {
            return false;
        }
        // An unknown method: accept it when its request line ends in "HTTP/1.x".
        int limit = Math.min(length, 2048);
        for (int i = token + 1; i < limit; i++) {
            int b = bytes.byteAt(address + i);
            if (b == '\r' || b == '\n') {
                return i >= 8 && matches(bytes, address + i - 8, "HTTP/1.", 7);
            }
        }
        return false;
    }

    private static boolean matches(ByteSource bytes, long address, String text, int count) {
        for (int i = 0; i < count; i++) {
            if (bytes.byteAt(address + i) != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether bytes that open a server-to-client stream are an HTTP/1.x status line: a response seen before the
     * request it answers, when the write of the request is reported after the read of its response.
     */
    public static boolean looksLikeResponse(ByteSource bytes, long address, int length) {
        return length >= 8 && startsWithHttp(bytes, address, length);
    }

    /** A pipelined request's method is read up to a word long (all but WebDAV's PROPPATCH, never seen pipelined). */
    static final int LONGEST_METHOD = 8;
    static final long HEAD_WORD = Words.of("HEAD");

    /** {@link #METHODS} as words ({@link Words}), for a pipelined request's method read byte by byte. */
    private static final long[] METHOD_WORDS = new long[METHODS.length];

    static {
        for (int k = 0; k < METHODS.length; k++) {
            METHOD_WORDS[k] = METHODS[k].length() <= LONGEST_METHOD ? Words.of(METHODS[k]) : 0;
        }
    }

    /** Whether the {@code length} bytes of {@code word} begin a known method of at most a word. */
    static boolean methodPrefix(long word, int length) {
        long mask = Words.mask(length);
        for (int k = 0; k < METHODS.length; k++) {
            if (METHODS[k].length() >= length && METHODS[k].length() <= LONGEST_METHOD
                    && (METHOD_WORDS[k] & mask) == word) {
                return true;
            }
        }
        return false;
    }

    /** Whether the {@code length} bytes of {@code word} are a known method. */
    static boolean knownMethod(long word, int length) {
        for (int k = 0; k < METHODS.length; k++) {
            if (METHODS[k].length() == length && METHOD_WORDS[k] == word) {
                return true;
            }
        }
        return false;
    }

    /** Whether the bytes start with "HTTP/1." (as far as there are bytes). */
    static boolean startsWithHttp(ByteSource bytes, long address, int length) {
        if (length >= 8) {
            return HttpHeaderScanner.startsWithHttp1(bytes.longAt(address));
        }
        for (int i = 0; i < 7 && i < length; i++) {
            if (bytes.byteAt(address + i) != Words.byteOf(HttpHeaderScanner.HTTP_1, i)) {
                return false;
            }
        }
        return true;
    }
}
