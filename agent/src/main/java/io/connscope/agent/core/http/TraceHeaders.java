package io.connscope.agent.core.http;

/**
 * The trace context one request head carries, read from its trace headers as their value bytes stream by: W3C
 * {@code traceparent}, B3's single {@code b3}, and B3's {@code X-B3-TraceId}, {@code X-B3-SpanId},
 * {@code X-B3-Sampled} and {@code X-B3-Flags}. No other header reaches it; {@code tracestate}, {@code baggage} and
 * the rest are never read, since the callers only hand over the values of the names in {@link #NAMES}.
 *
 * <p>A value is parsed as it arrives, one byte at a time ({@link #valueByte}), so a value split across reads, or
 * decoded symbol by symbol from HPACK's Huffman code, needs no buffer: hex digits go straight into primitives
 * (a trace id as two longs, a span id as a long). Per header the outcome is kept (valid, malformed, or absent) and
 * {@link #resolve} picks the trace context by precedence: a valid {@code traceparent}, else a valid {@code b3},
 * else the {@code X-B3-*} headers. A malformed header is ignored and counted ({@link #malformed}), never thrown.
 *
 * <p>Rules, from the W3C Trace Context Recommendation and openzipkin/b3-propagation:
 * <ul>
 *   <li>{@code traceparent}: {@code version-traceid-spanid-flags}, 2, 32, 16 and 2 lowercase hex digits. Version
 *   {@code ff} is invalid; version {@code 00} is exactly 55 characters; a later version may go on after them only
 *   with a {@code -}, and what follows is ignored. All-zero trace or span ids are invalid. Sampled is flag bit 0.</li>
 *   <li>{@code b3}: {@code traceid-spanid[-sampled[-parentspanid]]}, a trace id of 16 or 32 lowercase hex digits,
 *   span ids of 16, sampled {@code 1}, {@code 0} or {@code d} (debug, which is sampled); or the sampling state
 *   alone ({@code b3: 0}), which carries no ids.</li>
 *   <li>{@code X-B3-TraceId} (16 or 32 digits) and {@code X-B3-SpanId} (16) come as a pair; {@code X-B3-Sampled}
 *   {@code 1}/{@code 0} (or {@code true}/{@code false}); {@code X-B3-Flags: 1} is debug, so sampled.</li>
 * </ul>
 * A 16-digit trace id reads as a 32-digit one with leading zeros. A header given twice in one head is malformed (the
 * spec does not say which would win). Spaces and tabs around a value are allowed (HTTP/1.x optional whitespace).
 *
 * <p>Allocation-free after construction; one per request-head reader, reused for every head. Not thread-safe.
 */
public final class TraceHeaders {

    /** The headers read, by index; lowercase as HTTP/2 sends them (HTTP/1.x names compare case-insensitively). */
    public static final int TRACEPARENT = 0;
    public static final int B3 = 1;
    public static final int X_B3_TRACE_ID = 2;
    public static final int X_B3_SPAN_ID = 3;
    public static final int X_B3_SAMPLED = 4;
    public static final int X_B3_FLAGS = 5;
    public static final String[] NAMES = {"traceparent", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled",
        "x-b3-flags"};
    /** The longest of {@link #NAMES}. */
    static final int LONGEST_NAME = longest(NAMES);

    /**
     * A header's outcome, as {@link #lastOutcome} gives it (a small int, so HPACK's dynamic table can keep it in
     * place of the value): its state in the low bits, and what it said about sampling above them.
     */
    static final int ABSENT = 0;
    static final int VALID = 1;
    static final int MALFORMED = 2;
    private static final int STATE_MASK = 3;
    /** Sampling, as the outcome's bits 2-3: none said, not sampled, sampled. */
    private static final int SAMPLING_SHIFT = 2;
    private static final int SAMPLING_NONE = 0;
    private static final int SAMPLING_NO = 1;
    private static final int SAMPLING_YES = 2;
    /** The outcome carries ids (a b3 header of the sampling state alone has none). */
    private static final int HAS_IDS = 16;

    private static final int FIELDS = 4;
    private static final long WORD_1 = Words.of("1");
    private static final long WORD_0 = Words.of("0");
    private static final long WORD_TRUE = Words.of("true");
    private static final long WORD_FALSE = Words.of("false");

    /** Per header, the outcome in this head and what it held. */
    private final int[] outcomes = new int[NAMES.length];
    private final long[] highs = new long[NAMES.length];
    private final long[] lows = new long[NAMES.length];
    private final long[] spans = new long[NAMES.length];

    /** The last value read on its own, before a repeat in its head made it malformed (HPACK's table keeps it). */
    private int valueOutcome;
    private long valueHigh;
    private long valueLow;
    private long valueSpan;

    /** The value being read: whose it is, and the hex fields between its dashes. */
    private int header = -1;
    private int length;
    private boolean bad;
    private boolean trailingSpace;
    /** A later traceparent version went on after its four fields: the rest is ignored. */
    private boolean tail;
    private long word;
    private int field;
    private int digits;
    private long accHigh;
    private long accLow;
    private final long[] fieldHigh = new long[FIELDS];
    private final long[] fieldLow = new long[FIELDS];
    private final int[] fieldDigits = new int[FIELDS];

    /** What {@link #resolve} found. */
    private boolean found;
    private boolean hasIds;
    private long traceIdHigh;
    private long traceIdLow;
    private long spanId;
    private int sampled = -1;
    private int malformed;

    private static int longest(String[] names) {
        int longest = 0;
        for (String n : names) {
            longest = Math.max(longest, n.length());
        }
        return longest;
    }

    /** The index in {@link #NAMES} of a lowercase header name held in {@code name[0..length)}, or -1. */
    public static int headerOf(byte[] name, int length) {
        for (int h = 0; h < NAMES.length; h++) {
            String n = NAMES[h];
            if (n.length() == length) {
                int i = 0;
                while (i < length && name[i] == n.charAt(i)) {
                    i++;
                }
                if (i == length) {
                    return h;
                }
            }
        }
        return -1;
    }

    /** A new head: nothing seen. */
    public void begin() {
        for (int h = 0; h < NAMES.length; h++) {
            outcomes[h] = ABSENT;
        }
        header = -1;
        found = false;
    }

    /** The value of header {@code header} (an index in {@link #NAMES}) starts. */
    public void beginValue(int header) {
        this.header = header;
        length = 0;
        bad = false;
        trailingSpace = false;
        tail = false;
        word = 0;
        field = 0;
        digits = 0;
        accHigh = 0;
        accLow = 0;
    }

    /** Whether a value is being read (between {@link #beginValue} and {@link #endValue}). */
    public boolean inValue() {
        return header >= 0;
    }

    /** The value's next byte (or decoded HPACK symbol). */
    public void valueByte(int c) {
        if (bad || tail) {
            return;
        }
        if (c == ' ' || c == '\t') {
            trailingSpace = length > 0;
            return;
        }
        if (trailingSpace) {
            bad = true; // a space inside the value
            return;
        }
        if (length < 8) {
            word |= (long) (c & 0xff) << (8 * length);
        }
        length++;
        if (header == X_B3_SAMPLED || header == X_B3_FLAGS) {
            bad = length > 8;
            return;
        }
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c == '-' ? -1 : -2;
        if (d >= 0) {
            if (digits == 32) {
                bad = true;
                return;
            }
            accHigh = accHigh << 4 | accLow >>> 60;
            accLow = accLow << 4 | d;
            digits++;
        } else if (d == -1) {
            if (field == FIELDS) {
                bad = true;
            } else {
                endField();
                if (field == FIELDS) {
                    if (header == TRACEPARENT) {
                        tail = true;
                    } else {
                        bad = true;
                    }
                }
            }
        } else {
            bad = true; // uppercase hex, or any other character
        }
    }

    private void endField() {
        fieldHigh[field] = accHigh;
        fieldLow[field] = accLow;
        fieldDigits[field] = digits;
        field++;
        accHigh = 0;
        accLow = 0;
        digits = 0;
    }

    /** The value ended: its outcome is kept for {@link #resolve}. */
    public void endValue() {
        int h = header;
        if (h < 0) {
            return;
        }
        header = -1;
        if (!bad && !tail && field < FIELDS && (length > 0)) {
            endField();
        }
        long high = 0;
        long low = 0;
        long span = 0;
        int outcome = bad || length == 0 ? MALFORMED : parsed(h);
        if ((outcome & STATE_MASK) == VALID) {
            high = fieldHigh[0];
            low = fieldLow[0];
            span = h == X_B3_SPAN_ID ? fieldLow[0] : fieldLow[1];
            if (h == TRACEPARENT || h == B3) {
                high = fieldHigh[h == TRACEPARENT ? 1 : 0];
                low = fieldLow[h == TRACEPARENT ? 1 : 0];
                span = fieldLow[h == TRACEPARENT ? 2 : 1];
            }
        }
        valueOutcome = outcome;
        valueHigh = high;
        valueLow = low;
        valueSpan = span;
        store(h, outcome, high, low, span);
    }

    /** The outcome of a value read without fault, by its header's rules. */
    private int parsed(int h) {
        switch (h) {
            case TRACEPARENT: {
                long version = fieldLow[0];
                boolean shape = field == FIELDS && fieldDigits[0] == 2 && fieldDigits[1] == 32
                        && fieldDigits[2] == 16 && fieldDigits[3] == 2;
                if (!shape || version == 0xff || (version == 0 && tail)
                        || (fieldHigh[1] | fieldLow[1]) == 0 || fieldLow[2] == 0) {
                    return MALFORMED;
                }
                int sampling = (fieldLow[3] & 1) != 0 ? SAMPLING_YES : SAMPLING_NO;
                return VALID | HAS_IDS | sampling << SAMPLING_SHIFT;
            }
            case B3: {
                if (field == 1) {
                    // The sampling state alone.
                    int sampling = fieldDigits[0] == 1 ? b3Sampling(fieldLow[0]) : -1;
                    return sampling < 0 ? MALFORMED : VALID | sampling << SAMPLING_SHIFT;
                }
                if (!traceId(0) || fieldDigits[1] != 16 || fieldLow[1] == 0) {
                    return MALFORMED;
                }
                int sampling = SAMPLING_NONE;
                if (field >= 3) {
                    sampling = fieldDigits[2] == 1 ? b3Sampling(fieldLow[2]) : -1;
                    if (sampling < 0 || (field == 4 && (fieldDigits[3] != 16 || fieldLow[3] == 0))) {
                        return MALFORMED;
                    }
                }
                return VALID | HAS_IDS | sampling << SAMPLING_SHIFT;
            }
            case X_B3_TRACE_ID:
                return field == 1 && traceId(0) ? VALID | HAS_IDS : MALFORMED;
            case X_B3_SPAN_ID:
                return field == 1 && fieldDigits[0] == 16 && fieldLow[0] != 0 ? VALID | HAS_IDS : MALFORMED;
            case X_B3_SAMPLED:
                return word == WORD_1 || word == WORD_TRUE ? VALID | SAMPLING_YES << SAMPLING_SHIFT
                        : word == WORD_0 || word == WORD_FALSE ? VALID | SAMPLING_NO << SAMPLING_SHIFT : MALFORMED;
            default: // X_B3_FLAGS: 1 is debug, which means sampled
                return word == WORD_1 ? VALID | SAMPLING_YES << SAMPLING_SHIFT
                        : word == WORD_0 ? VALID : MALFORMED;
        }
    }

    /** Whether field {@code f} is a valid trace id: 16 or 32 digits, not all zero. */
    private boolean traceId(int f) {
        return (fieldDigits[f] == 16 || fieldDigits[f] == 32) && (fieldHigh[f] | fieldLow[f]) != 0;
    }

    /** A b3 sampling state digit (0, 1 or d) as sampling bits, or -1. */
    private static int b3Sampling(long digit) {
        return digit == 0 ? SAMPLING_NO : digit == 1 || digit == 0xd ? SAMPLING_YES : -1;
    }

    private void store(int h, int outcome, long high, long low, long span) {
        if (outcomes[h] != ABSENT) {
            // Given twice in one head: which one the receiver follows is not defined.
            outcome = MALFORMED;
        }
        outcomes[h] = outcome;
        highs[h] = high;
        lows[h] = low;
        spans[h] = span;
    }

    /**
     * The outcome of the value that last ended, on its own: what HPACK's dynamic table keeps for its entry (a repeat
     * of its header in the same block makes the block's header malformed, not the value).
     */
    public int lastValueOutcome() {
        return valueOutcome;
    }

    public long lastValueHigh() {
        return valueHigh;
    }

    public long lastValueLow() {
        return valueLow;
    }

    public long lastValueSpan() {
        return valueSpan;
    }

    /** Header {@code h} again, as an earlier value left it: an HPACK indexed field naming a table entry. */
    public void replay(int h, int outcome, long high, long low, long span) {
        store(h, outcome, high, low, span);
    }

    /**
     * The head is complete: picks its trace context by precedence and counts its malformed headers. Returns
     * whether it carried any trace context ({@link #sampled} alone counts, as {@code b3: 0} says).
     */
    public boolean resolve() {
        header = -1;
        malformed = 0;
        for (int h = 0; h < NAMES.length; h++) {
            if ((outcomes[h] & STATE_MASK) == MALFORMED) {
                malformed++;
            }
        }
        found = false;
        hasIds = false;
        traceIdHigh = 0;
        traceIdLow = 0;
        spanId = 0;
        sampled = -1;
        if (valid(TRACEPARENT)) {
            take(TRACEPARENT, TRACEPARENT, outcomes[TRACEPARENT]);
        } else if (valid(B3)) {
            take(B3, B3, outcomes[B3]);
        } else {
            boolean traceId = valid(X_B3_TRACE_ID);
            boolean spanIdValid = valid(X_B3_SPAN_ID);
            if (traceId != spanIdValid && outcomes[traceId ? X_B3_SPAN_ID : X_B3_TRACE_ID] == ABSENT) {
                malformed++; // one id without the other
            }
            int sampling = valid(X_B3_FLAGS) && sampling(outcomes[X_B3_FLAGS]) == SAMPLING_YES ? SAMPLING_YES
                    : valid(X_B3_SAMPLED) ? sampling(outcomes[X_B3_SAMPLED]) : SAMPLING_NONE;
            if (traceId && spanIdValid) {
                found = true;
                hasIds = true;
                traceIdHigh = highs[X_B3_TRACE_ID];
                traceIdLow = lows[X_B3_TRACE_ID];
                spanId = spans[X_B3_SPAN_ID];
            }
            if (sampling != SAMPLING_NONE) {
                found = true;
                sampled = sampling == SAMPLING_YES ? 1 : 0;
            }
        }
        return found;
    }

    private boolean valid(int h) {
        return (outcomes[h] & STATE_MASK) == VALID;
    }

    private static int sampling(int outcome) {
        return outcome >>> SAMPLING_SHIFT & 3;
    }

    private void take(int ids, int samplingFrom, int outcome) {
        found = true;
        hasIds = (outcome & HAS_IDS) != 0;
        if (hasIds) {
            traceIdHigh = highs[ids];
            traceIdLow = lows[ids];
            spanId = spans[ids];
        }
        int s = sampling(outcomes[samplingFrom]);
        sampled = s == SAMPLING_YES ? 1 : s == SAMPLING_NO ? 0 : -1;
    }

    /** After {@link #resolve}: whether the head carried a trace context (ids, or a sampling decision alone). */
    public boolean found() {
        return found;
    }

    /** After {@link #resolve}: whether it named a trace id and a span id. */
    public boolean hasIds() {
        return hasIds;
    }

    public long traceIdHigh() {
        return traceIdHigh;
    }

    public long traceIdLow() {
        return traceIdLow;
    }

    public long spanId() {
        return spanId;
    }

    /** 1 sampled, 0 not sampled, -1 not said. */
    public int sampled() {
        return sampled;
    }

    /** After {@link #resolve}: the malformed trace headers of the head. */
    public int malformed() {
        return malformed;
    }

    /** A trace id as 32 lowercase hex digits. */
    public static String traceIdHex(long high, long low) {
        char[] c = new char[32];
        hex(c, 0, high);
        hex(c, 16, low);
        return new String(c);
    }

    /** A span id as 16 lowercase hex digits. */
    public static String spanIdHex(long id) {
        char[] c = new char[16];
        hex(c, 0, id);
        return new String(c);
    }

    private static void hex(char[] into, int at, long v) {
        for (int i = 15; i >= 0; i--) {
            into[at + i] = Character.forDigit((int) (v & 0xf), 16);
            v >>>= 4;
        }
    }
}
