package io.connscope.agent.core.http2;

import io.connscope.agent.core.http.TraceHeaders;

import java.nio.charset.StandardCharsets;

/**
 * What connscope does with a header, told by its name. A dynamic table entry keeps this small code (and the value
 * parsed for it) in place of the header itself.
 *
 * <p>{@link #OTHER} is every header connscope must not look at: {@code :path}, {@code :authority}, cookies and the
 * rest are skipped, never stored. Each other kind names one header whose value is recorded. The status codes are
 * numbers; the trace headers' values ({@code traceparent}, {@code b3}, {@code x-b3-traceid}, ...) go symbol by
 * symbol to {@link TraceHeaders}, which keeps their ids as numbers. The name matching compares against every name
 * here at once.
 *
 * <p>Candidates for a name are a bit set, bit {@code k} for kind {@code k} (at most 31 kinds).
 */
final class HeaderKind {

    static final int OTHER = 0;
    static final int STATUS = 1;
    static final int GRPC_STATUS = 2;
    /** The trace headers, in the order of {@link TraceHeaders#NAMES}: kind {@code TRACE + h} is header {@code h}. */
    static final int TRACE = 3;

    /** Each kind's name (index = kind), lowercase as HTTP/2 requires. */
    private static final byte[][] NAMES = names();
    /** Decimal values: the fewest and most digits, and the least value, of a valid one; 0 digits means no number. */
    private static final int[] MIN_DIGITS = {0, 3, 1, 0, 0, 0, 0, 0, 0};
    private static final int[] MAX_DIGITS = {0, 3, 9, 0, 0, 0, 0, 0, 0};
    private static final int[] MIN_VALUE = {0, 100, 0, 0, 0, 0, 0, 0, 0};

    /** Every kind but OTHER: where a name whose length is not known yet (Huffman-coded) starts. */
    static final int ALL = (1 << NAMES.length) - 2;

    private HeaderKind() {
    }

    /** The candidates for a name of {@code length} bytes. */
    static int withLength(long length) {
        int candidates = 0;
        for (int kind = 1; kind < NAMES.length; kind++) {
            if (NAMES[kind].length == length) {
                candidates |= 1 << kind;
            }
        }
        return candidates;
    }

    /** The candidates left once the name's byte at {@code position} turned out to be {@code b}. */
    static int narrow(int candidates, int position, int b) {
        for (int rest = candidates; rest != 0; rest &= rest - 1) {
            int kind = Integer.numberOfTrailingZeros(rest);
            byte[] name = NAMES[kind];
            if (position >= name.length || name[position] != b) {
                candidates &= ~(1 << kind);
            }
        }
        return candidates;
    }

    /** The kind of a name of {@code length} bytes that every candidate matched so far, or OTHER. */
    static int matched(int candidates, long length) {
        int exact = candidates & withLength(length);
        return exact == 0 ? OTHER : Integer.numberOfTrailingZeros(exact);
    }

    private static byte[][] names() {
        byte[][] names = new byte[TRACE + TraceHeaders.NAMES.length][];
        names[STATUS] = ascii(":status");
        names[GRPC_STATUS] = ascii("grpc-status");
        for (int h = 0; h < TraceHeaders.NAMES.length; h++) {
            names[TRACE + h] = ascii(TraceHeaders.NAMES[h]);
        }
        return names;
    }

    /** Whether the kind is a trace header, whose value goes to {@link TraceHeaders}. */
    static boolean trace(int kind) {
        return kind >= TRACE;
    }

    /** Whether the kind's value is a decimal number. */
    static boolean numeric(int kind) {
        return MAX_DIGITS[kind] > 0;
    }

    static int maxDigits(int kind) {
        return MAX_DIGITS[kind];
    }

    /** The recorded value of {@code digits} decimal digits worth {@code number}, or -1 when the kind forbids it. */
    static int number(int kind, int number, int digits) {
        return digits >= MIN_DIGITS[kind] && digits <= MAX_DIGITS[kind] && number >= MIN_VALUE[kind] ? number : -1;
    }

    /** The kind of a whole name (the static table's, at class load). */
    static int of(String name) {
        byte[] bytes = ascii(name);
        int candidates = withLength(bytes.length);
        for (int i = 0; i < bytes.length; i++) {
            candidates = narrow(candidates, i, bytes[i]);
        }
        return matched(candidates, bytes.length);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
