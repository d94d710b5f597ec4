package io.connscope.agent.core.http;

/**
 * Reads one HTTP/1.x message head (start line and headers) as it streams by, chunk after chunk, and keeps only
 * what connection management needs: the HTTP version, the status code, and the values of {@code Connection},
 * {@code Keep-Alive}; and of a request, its trace context (the trace headers' values go byte by byte into
 * {@link TraceHeaders}, which keeps only the ids and the sampled flag). Every other header ({@code tracestate} and
 * {@code baggage} too), the request target (and so any query string) and the body are skipped without being stored.
 *
 * <p>Allocation-free per message: the buffers are allocated once per connection, each when first needed (the value
 * buffers when their header first appears, the line and name buffers when a line comes split across reads, which
 * many connections never see), and reused for every message.
 */
final class HttpHeaderScanner {

    static final int VALUE_CAPACITY = 64;
    /**
     * Enough for "keep-alive", "connection" and every trace header's name. Taken from {@link TraceHeaders} so that
     * its class is loaded with this one: left to the first request that needs it, the class was loaded from inside
     * compiled code of the head scan, on the application's thread, and its loading allocated some 25 KB there.
     */
    private static final int NAME_CAPACITY = Math.max(17, TraceHeaders.LONGEST_NAME);
    private static final int LINE_WINDOW = 12;

    /** "HTTP/1.", with which every HTTP/1.x version starts (see {@link Words}). */
    static final long HTTP_1 = Words.of("HTTP/1.");
    private static final long SEVEN_BYTES = Words.mask(7);

    /** The kept headers' names with their colon, as a word of bytes 0-7 and one of bytes 3-10, and their case folds. */
    private static final long CONNECTION_HEAD = Words.of("connecti");
    private static final long CONNECTION_TAIL = Words.of("nection:");
    private static final long KEEP_ALIVE_HEAD = Words.of("keep-ali");
    private static final long KEEP_ALIVE_TAIL = Words.of("p-alive:");
    /** "content-length:" in two words (bytes 0-7, 7-14), "transfer-encoding:" in three (0-7, 8-15, 10-17). */
    private static final long CONTENT_LENGTH_HEAD = Words.of("content-");
    private static final long CONTENT_LENGTH_TAIL = Words.of("-length:");
    private static final long CONTENT_LENGTH_HEAD_FOLD = Words.caseFold("content-");
    private static final long CONTENT_LENGTH_TAIL_FOLD = Words.caseFold("-length:");
    private static final long TRANSFER_ENCODING_HEAD = Words.of("transfer");
    private static final long TRANSFER_ENCODING_MIDDLE = Words.of("-encodin");
    private static final long TRANSFER_ENCODING_TAIL = Words.of("ncoding:");
    private static final long TRANSFER_ENCODING_HEAD_FOLD = Words.caseFold("transfer");
    private static final long TRANSFER_ENCODING_MIDDLE_FOLD = Words.caseFold("-encodin");
    private static final long TRANSFER_ENCODING_TAIL_FOLD = Words.caseFold("ncoding:");
    private static final long CONNECTION_HEAD_FOLD = Words.caseFold("connecti");
    private static final long CONNECTION_TAIL_FOLD = Words.caseFold("nection:");
    private static final long KEEP_ALIVE_HEAD_FOLD = Words.caseFold("keep-ali");
    private static final long KEEP_ALIVE_TAIL_FOLD = Words.caseFold("p-alive:");
    /** The trace headers' first bytes: "tracepar", "x-b3-" and "b3:", for the skip test of other headers. */
    private static final long TRACEPARENT_HEAD = Words.of("tracepar");
    private static final long TRACEPARENT_HEAD_FOLD = Words.caseFold("tracepar");
    private static final long X_B3 = Words.of("x-b3-");
    private static final long X_B3_FOLD = Words.caseFold("x-b3-");
    private static final long B3 = Words.of("b3:");
    private static final long B3_FOLD = Words.caseFold("b3:");
    private static final long FIVE_BYTES = Words.mask(5);
    private static final long HEAD_METHOD = Words.of("HEAD ");
    private static final long THREE_BYTES = Words.mask(3);

    /** For {@link #indexOf}: '\n' and '\r' in every byte of a word, and each byte's low and high bit. */
    private static final long NEWLINES = 0x0a0a0a0a0a0a0a0aL;
    private static final long RETURNS = 0x0d0d0d0d0d0d0d0dL;
    private static final long LOW_BITS = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    private static final int START_LINE = 0;
    private static final int NAME = 1;
    private static final int VALUE = 2;
    private static final int DONE = 3;

    private static final int TARGET_NONE = 0;
    private static final int TARGET_CONNECTION = 1;
    private static final int TARGET_KEEP_ALIVE = 2;
    /** A request's trace header, which one in {@link #traceHeader}. */
    private static final int TARGET_TRACE = 3;
    /** The body's framing: how the next message of a pipelined connection is found. */
    private static final int TARGET_CONTENT_LENGTH = 4;
    private static final int TARGET_TRANSFER_ENCODING = 5;
    /** A header line whose name the chunk ends too soon to tell. */
    private static final int UNDECIDED = -1;
    /** "connection:" and "keep-alive:" alike. */
    private static final int NAME_COLON_LENGTH = 11;
    private static final int CONTENT_LENGTH_COLON_LENGTH = 15;
    private static final int TRANSFER_ENCODING_COLON_LENGTH = 18;

    /** {@link #contentLength} when the head had none, and when it had one that does not parse (or two that differ). */
    static final long NO_LENGTH = -1;
    static final long BAD_LENGTH = -2;

    private int phase = DONE;
    private boolean request;

    /**
     * A start line read byte by byte (split across reads): its first and last bytes, enough for "HTTP/1.1 200" and
     * "... HTTP/1.1". Made at the first such line; a whole line is read from the chunk instead.
     */
    private byte[] lineHead;
    private int lineHeadLength;
    private byte[] lineTail;
    private int lineLength;

    private byte[] name;
    private int nameLength;
    private boolean nameOverflow;
    private int target;
    private int traceHeader;
    private boolean valueStarted;

    /** A request's trace context; made when a request first carries a trace header. */
    TraceHeaders trace;

    /** Made when the header is first seen (most connections never see Keep-Alive); its length is -1 until then. */
    byte[] connection;
    int connectionLength = -1;
    byte[] keepAlive;
    int keepAliveLength = -1;

    /**
     * The Content-Length, {@link #NO_LENGTH} or {@link #BAD_LENGTH}; and whether Transfer-Encoding names chunked.
     * Parsed as the value streams by: {@link #lengthDigits} counts the value's digits, -1 once it has ended.
     */
    long contentLength = NO_LENGTH;
    private long lengthValue;
    private int lengthDigits;
    boolean chunked;
    /** The Transfer-Encoding value, made when the header is first seen; its length -1 until then. */
    private byte[] transferEncoding;
    private int transferEncodingLength = -1;

    /** Whether a request's method is HEAD (its response has no body, whatever its Content-Length says). */
    boolean headMethod;
    /** The method was read before the start line was fed ({@link #beginAfterMethod}): not read from it. */
    private boolean methodGiven;

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
        contentLength = NO_LENGTH;
        chunked = false;
        headMethod = false;
        methodGiven = false;
        transferEncodingLength = -1;
        version = 0;
        status = 0;
        if (trace != null) {
            trace.begin();
        }
    }

    /** Starts a request head whose method (and its space) the caller has read already: the rest of its start line. */
    void beginAfterMethod(boolean head) {
        begin(true);
        methodGiven = true;
        headMethod = head;
    }

    /**
     * The request's trace context, resolved (see {@link TraceHeaders#resolve}), or null when it carried no trace
     * header. A header cut off by the end of the connection is not counted.
     */
    TraceHeaders traceContext() {
        if (trace == null) {
            return null;
        }
        trace.resolve();
        return trace;
    }

    boolean inHead() {
        return phase != DONE;
    }

    /**
     * Feeds bytes; returns how many were consumed by the head (the rest, if any, is body), or {@code length}
     * when the head is not complete yet.
     *
     * <p>This runs on every read and write of an HTTP/1.x connection, so whole lines are taken at once where the
     * chunk holds them: a start line is located by its end, a header line that cannot be Connection or Keep-Alive
     * is skipped to its end, a kept value is copied in one loop. {@link #step} takes the rest byte by byte (lines
     * split across chunks), with the same outcome.
     */
    int feed(ByteSource bytes, long address, int length) {
        int i = 0;
        while (i < length) {
            if (phase == DONE) {
                return i;
            }
            if (phase == START_LINE && lineLength == 0 && lineHeadLength == 0) {
                int end = newline(bytes, address, i, length);
                if (end >= 0 && startLineAtOnce(bytes, address + i, end - i)) {
                    i = end + 1;
                    continue;
                }
            } else if (phase == NAME && nameLength == 0 && !nameOverflow) {
                int first = bytes.byteAt(address + i);
                int kept = first == '\r' || first == '\n' ? UNDECIDED
                        : targetAhead(bytes, address + i, length - i, first, request);
                if (kept == TARGET_NONE) {
                    // A header connscope does not keep: only its end matters.
                    int end = newline(bytes, address, i, length);
                    if (end < 0) {
                        phase = VALUE;
                        target = TARGET_NONE;
                        return length;
                    }
                    i = end + 1;
                    continue;
                }
                if (kept != UNDECIDED) {
                    beginValue(kept);
                    i += kept == TARGET_CONTENT_LENGTH ? CONTENT_LENGTH_COLON_LENGTH
                            : kept == TARGET_TRANSFER_ENCODING ? TRANSFER_ENCODING_COLON_LENGTH : NAME_COLON_LENGTH;
                    continue;
                }
            } else if (phase == VALUE) {
                int end = newline(bytes, address, i, length);
                if (target != TARGET_NONE) {
                    appendValue(bytes, address + i, (end < 0 ? length : end) - i);
                }
                if (end < 0) {
                    return length;
                }
                i = end; // the newline itself ends the value in step
            }
            step((byte) bytes.byteAt(address + i));
            i++;
        }
        return length;
    }

    /** The index of the next '\n' from {@code from}, or -1 when this chunk has none. */
    private static int newline(ByteSource bytes, long address, int from, int length) {
        return indexOf(bytes, address, from, length, NEWLINES);
    }

    /**
     * The index of the next byte equal to every byte of {@code pattern} (one byte repeated) from {@code from}, or
     * -1. Eight bytes at a time where eight remain, never reading past {@code length}: a skipped line (a long
     * cookie, say) takes an eighth of the loads and compares.
     */
    private static int indexOf(ByteSource bytes, long address, int from, int length, long pattern) {
        int i = from;
        for (; i + 8 <= length; i += 8) {
            long x = bytes.longAt(address + i) ^ pattern;
            // A zero byte in x is a match; the lowest flagged byte is exact (a false flag needs a match below it).
            long found = (x - LOW_BITS) & ~x & HIGH_BITS;
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        int b = (int) (pattern & 0xff);
        for (; i < length; i++) {
            if (bytes.byteAt(address + i) == b) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A start line held whole by the chunk ({@code length} bytes before its '\n'): reads the version and status
     * from it as {@link #step} and {@link #finishStartLine} would. Returns false, leaving it to {@link #step}, when
     * it holds a stray '\r'.
     */
    private boolean startLineAtOnce(ByteSource bytes, long address, int length) {
        int len = length > 0 && bytes.byteAt(address + length - 1) == '\r' ? length - 1 : length;
        if (indexOf(bytes, address, 0, len, RETURNS) >= 0) {
            return false;
        }
        // What finishStartLine would find, read straight from the chunk: a request's version at the end of its
        // line, a response's version and status at the start.
        if (len >= 8) {
            if (request) {
                headMethod = methodGiven ? headMethod : (bytes.longAt(address) & FIVE_BYTES) == HEAD_METHOD;
                version = versionOf(bytes.longAt(address + len - 8));
            } else {
                version = versionOf(bytes.longAt(address));
                if (len >= 12 && bytes.byteAt(address + 8) == ' ') {
                    status = status(bytes.byteAt(address + 9), bytes.byteAt(address + 10), bytes.byteAt(address + 11));
                }
            }
        }
        phase = NAME;
        nameLength = 0;
        nameOverflow = false;
        return true;
    }

    /**
     * Which header a line starting here is, from its first {@link #NAME_COLON_LENGTH} bytes: Connection, Keep-Alive,
     * neither, or {@link #UNDECIDED} when the chunk ends too soon to tell, or when it may be a request's trace header
     * (its name is then read byte by byte).
     */
    private static int targetAhead(ByteSource bytes, long address, int remaining, int first, boolean request) {
        int lower = lower((byte) first);
        if (lower == 't' && remaining >= TRANSFER_ENCODING_COLON_LENGTH
                && (bytes.longAt(address) | TRANSFER_ENCODING_HEAD_FOLD) == TRANSFER_ENCODING_HEAD
                && (bytes.longAt(address + 8) | TRANSFER_ENCODING_MIDDLE_FOLD) == TRANSFER_ENCODING_MIDDLE
                && (bytes.longAt(address + 10) | TRANSFER_ENCODING_TAIL_FOLD) == TRANSFER_ENCODING_TAIL) {
            return TARGET_TRANSFER_ENCODING;
        }
        if (lower != 'c' && lower != 'k') {
            if (lower == 't' && remaining < TRANSFER_ENCODING_COLON_LENGTH) {
                return UNDECIDED;
            }
            if (!request || (lower != 't' && lower != 'x' && lower != 'b')) {
                return TARGET_NONE;
            }
            if (remaining < 8) {
                return UNDECIDED;
            }
            // One word tells a trace header from the others that start so (Transfer-Encoding, X-Forwarded-For).
            long head = bytes.longAt(address);
            boolean maybe = lower == 't' ? (head | TRACEPARENT_HEAD_FOLD) == TRACEPARENT_HEAD
                    : lower == 'x' ? ((head | X_B3_FOLD) & FIVE_BYTES) == X_B3
                    : ((head | B3_FOLD) & THREE_BYTES) == B3;
            return maybe ? UNDECIDED : TARGET_NONE;
        }
        if (remaining < (lower == 'c' ? CONTENT_LENGTH_COLON_LENGTH : NAME_COLON_LENGTH)) {
            return UNDECIDED;
        }
        // Two overlapping words cover the 11 bytes; the fold lets either case through, letters only.
        long head = bytes.longAt(address);
        long tail = bytes.longAt(address + NAME_COLON_LENGTH - 8);
        if (lower == 'c') {
            if ((head | CONTENT_LENGTH_HEAD_FOLD) == CONTENT_LENGTH_HEAD) {
                return (bytes.longAt(address + CONTENT_LENGTH_COLON_LENGTH - 8) | CONTENT_LENGTH_TAIL_FOLD)
                        == CONTENT_LENGTH_TAIL ? TARGET_CONTENT_LENGTH : TARGET_NONE;
            }
            return (head | CONNECTION_HEAD_FOLD) == CONNECTION_HEAD && (tail | CONNECTION_TAIL_FOLD) == CONNECTION_TAIL
                    ? TARGET_CONNECTION : TARGET_NONE;
        }
        return (head | KEEP_ALIVE_HEAD_FOLD) == KEEP_ALIVE_HEAD && (tail | KEEP_ALIVE_TAIL_FOLD) == KEEP_ALIVE_TAIL
                ? TARGET_KEEP_ALIVE : TARGET_NONE;
    }

    /** Value bytes of a kept header (no newline among them), as {@link #step} keeps them. */
    private void appendValue(ByteSource bytes, long address, int length) {
        if (target == TARGET_CONTENT_LENGTH) {
            for (int k = 0; k < length; k++) {
                lengthByte(bytes.byteAt(address + k));
            }
            return;
        }
        if (target == TARGET_TRACE) {
            for (int k = 0; k < length; k++) {
                int b = bytes.byteAt(address + k);
                if (b != '\r') {
                    trace.valueByte(b);
                }
            }
            return;
        }
        byte[] into = target == TARGET_CONNECTION ? connection : target == TARGET_KEEP_ALIVE ? keepAlive : transferEncoding;
        int used = target == TARGET_CONNECTION ? connectionLength
                : target == TARGET_KEEP_ALIVE ? keepAliveLength : transferEncodingLength;
        for (int k = 0; k < length; k++) {
            byte b = (byte) bytes.byteAt(address + k);
            if (b == '\r' || (!valueStarted && (b == ' ' || b == '\t'))) {
                continue;
            }
            valueStarted = true;
            if (used < VALUE_CAPACITY) {
                into[used++] = b;
            }
        }
        if (target == TARGET_CONNECTION) {
            connectionLength = used;
        } else if (target == TARGET_KEEP_ALIVE) {
            keepAliveLength = used;
        } else {
            transferEncodingLength = used;
        }
    }

    /** One byte of a Content-Length value: digits, with spaces around them; anything else makes it unusable. */
    private void lengthByte(int b) {
        if (b == '\r' || contentLength == BAD_LENGTH) {
            return;
        }
        if (b == ' ' || b == '\t') {
            if (lengthDigits > 0) {
                lengthDigits = -1; // the value ended; only spaces may follow
            }
            return;
        }
        if (b < '0' || b > '9' || lengthDigits < 0 || lengthValue > (Long.MAX_VALUE - 9) / 10) {
            contentLength = BAD_LENGTH;
            return;
        }
        lengthValue = lengthValue * 10 + (b - '0');
        if (lengthDigits >= 0) {
            lengthDigits++;
        }
    }

    /** A Content-Length value ended: the head's length, unless it had another one that differs. */
    private void endLength() {
        if (contentLength == BAD_LENGTH) {
            return;
        }
        if (lengthDigits == 0 || (contentLength != NO_LENGTH && contentLength != lengthValue)) {
            contentLength = BAD_LENGTH;
        } else {
            contentLength = lengthValue;
        }
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
                    if (lineHead == null) {
                        lineHead = new byte[LINE_WINDOW];
                        lineTail = new byte[LINE_WINDOW];
                    }
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
                    beginValue(targetOf());
                } else if (b == '\r') {
                    // Inside a name (not before its line's '\n'): no name connscope keeps has one, as the whole-line
                    // test in feed finds. Skipped, it made "Co\rnnection:" a Connection header when split there.
                    if (nameLength > 0) {
                        nameOverflow = true;
                    }
                } else {
                    if (nameLength < NAME_CAPACITY) {
                        if (name == null) {
                            name = new byte[NAME_CAPACITY];
                        }
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
                } else if (target == TARGET_CONTENT_LENGTH) {
                    lengthByte(b);
                } else if (b != '\r') {
                    if (!valueStarted && (b == ' ' || b == '\t')) {
                        break;
                    }
                    valueStarted = true;
                    if (target == TARGET_CONNECTION && connectionLength < VALUE_CAPACITY) {
                        connection[connectionLength++] = b;
                    } else if (target == TARGET_KEEP_ALIVE && keepAliveLength < VALUE_CAPACITY) {
                        keepAlive[keepAliveLength++] = b;
                    } else if (target == TARGET_TRANSFER_ENCODING && transferEncodingLength < VALUE_CAPACITY) {
                        transferEncoding[transferEncodingLength++] = b;
                    } else if (target == TARGET_TRACE) {
                        trace.valueByte(b);
                    }
                }
                break;
            default:
                break;
        }
    }

    /** The name before ':' was read: the value that follows is kept for {@code header}, or skipped. */
    private void beginValue(int header) {
        target = header;
        valueStarted = false;
        phase = VALUE;
        if (target == TARGET_CONNECTION) {
            if (connection == null) {
                connection = new byte[VALUE_CAPACITY];
            }
            connectionLength = Math.max(connectionLength, 0);
            if (connectionLength > 0 && connectionLength < VALUE_CAPACITY) {
                // Repeated header: values join with a comma, as RFC 9110 says.
                connection[connectionLength++] = ',';
            }
        } else if (target == TARGET_KEEP_ALIVE) {
            if (keepAlive == null) {
                keepAlive = new byte[VALUE_CAPACITY];
            }
            keepAliveLength = Math.max(keepAliveLength, 0);
        } else if (target == TARGET_CONTENT_LENGTH) {
            lengthValue = 0;
            lengthDigits = 0;
        } else if (target == TARGET_TRANSFER_ENCODING) {
            if (transferEncoding == null) {
                transferEncoding = new byte[VALUE_CAPACITY];
            }
            transferEncodingLength = Math.max(transferEncodingLength, 0);
            if (transferEncodingLength > 0 && transferEncodingLength < VALUE_CAPACITY) {
                transferEncoding[transferEncodingLength++] = ',';
            }
        } else if (target == TARGET_TRACE) {
            if (trace == null) {
                trace = new TraceHeaders();
                trace.begin();
            }
            trace.beginValue(traceHeader);
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
        } else if (target == TARGET_CONTENT_LENGTH) {
            endLength();
        } else if (target == TARGET_TRANSFER_ENCODING) {
            while (transferEncodingLength > 0 && isSpace(transferEncoding[transferEncodingLength - 1])) {
                transferEncodingLength--;
            }
            chunked = HttpTokens.lastTokenIs(transferEncoding, transferEncodingLength, "chunked");
        } else if (target == TARGET_TRACE) {
            trace.endValue();
        }
        target = TARGET_NONE;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t';
    }

    /** The start line read byte by byte (see {@link #startLineAtOnce} for a whole one). */
    private void finishStartLine() {
        if (request) {
            headMethod = methodGiven ? headMethod
                    : lineHeadLength >= 5 && (wordAt(lineHead, 0) & FIVE_BYTES) == HEAD_METHOD;
            // "... HTTP/1.1": the version is the line's last 8 bytes.
            if (lineLength >= 8) {
                version = versionOf(wordAt(lineTail, (lineLength - 8) % LINE_WINDOW));
            }
        } else if (lineHeadLength >= 8) {
            version = versionOf(wordAt(lineHead, 0));
            if (lineHeadLength >= 12 && lineHead[8] == ' ') {
                status = status(lineHead[9], lineHead[10], lineHead[11]);
            }
        }
    }

    /** The 8 bytes from {@code start} of a line window (circular for the tail) as a word. */
    private static long wordAt(byte[] window, int start) {
        long w = 0;
        for (int i = 7; i >= 0; i--) {
            w = (w << 8) | (window[(start + i) % LINE_WINDOW] & 0xff);
        }
        return w;
    }

    /** Whether a word's first seven bytes are "HTTP/1.". */
    static boolean startsWithHttp1(long word) {
        return (word & SEVEN_BYTES) == HTTP_1;
    }

    /** "HTTP/1.0" is 10, "HTTP/1.1" 11, anything else 0. */
    private static int versionOf(long word) {
        if (!startsWithHttp1(word)) {
            return 0;
        }
        int minor = Words.byteOf(word, 7);
        return minor == '0' ? 10 : minor == '1' ? 11 : 0;
    }

    /** Three digits as a status code, or 0 when any is not a digit. */
    private static int status(int hundreds, int tens, int ones) {
        int h = hundreds - '0';
        int t = tens - '0';
        int o = ones - '0';
        if (h < 0 || h > 9 || t < 0 || t > 9 || o < 0 || o > 9) {
            return 0;
        }
        return h * 100 + t * 10 + o;
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
        if (nameIs("content-length")) {
            return TARGET_CONTENT_LENGTH;
        }
        if (nameIs("transfer-encoding")) {
            return TARGET_TRANSFER_ENCODING;
        }
        if (request) {
            traceHeader = TraceHeaders.headerOf(name, nameLength);
            if (traceHeader >= 0) {
                return TARGET_TRACE;
            }
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
