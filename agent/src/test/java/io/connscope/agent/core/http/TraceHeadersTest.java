package io.connscope.agent.core.http;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trace-context rules of W3C Trace Context (Level 1 and 2) and B3 propagation, one value at a time: each case is
 * a head's trace headers and what connscope must make of them, written as
 * {@code trace=ID span=ID sampled=X malformed=N} (ids null when not named, sampled null when not said).
 */
class TraceHeadersTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";
    private static final String TRACE_16 = "a3ce929d0e0e4736";

    private final TraceHeaders trace = new TraceHeaders();

    /** The head's headers as name, value pairs (name an index in {@link TraceHeaders#NAMES}). */
    private String read(Object... headerValues) {
        trace.begin();
        for (int i = 0; i < headerValues.length; i += 2) {
            trace.beginValue((Integer) headerValues[i]);
            String value = (String) headerValues[i + 1];
            for (int k = 0; k < value.length(); k++) {
                trace.valueByte(value.charAt(k));
            }
            trace.endValue();
        }
        boolean found = trace.resolve();
        String ids = trace.hasIds()
                ? "trace=" + TraceHeaders.traceIdHex(trace.traceIdHigh(), trace.traceIdLow()) + " span="
                + TraceHeaders.spanIdHex(trace.spanId()) : "trace=null span=null";
        assertEquals(found, trace.hasIds() || trace.sampled() >= 0);
        return ids + " sampled=" + (trace.sampled() < 0 ? "null" : trace.sampled() == 1) + " malformed="
                + trace.malformed();
    }

    private static String ok(String traceId, String spanId, Boolean sampled) {
        return "trace=" + traceId + " span=" + spanId + " sampled=" + sampled + " malformed=0";
    }

    private static String none(int malformed) {
        return "trace=null span=null sampled=null malformed=" + malformed;
    }

    private static String traceparent(String version, String traceId, String spanId, String flags) {
        return version + "-" + traceId + "-" + spanId + "-" + flags;
    }

    @Test
    void aValidTraceparentGivesItsIdsAndTheSampledFlag() {
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.TRACEPARENT, traceparent("00", TRACE, SPAN, "01")));
        assertEquals(ok(TRACE, SPAN, false), read(TraceHeaders.TRACEPARENT, traceparent("00", TRACE, SPAN, "00")));
        // Level 2's random flag (02) beside sampled; other bits are reserved, the sampled bit still reads.
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.TRACEPARENT, traceparent("00", TRACE, SPAN, "03")));
        assertEquals(ok(TRACE, SPAN, false), read(TraceHeaders.TRACEPARENT, traceparent("00", TRACE, SPAN, "fe")));
        assertEquals(ok("00000000000000000000000000000001", "0000000000000001", true),
                read(TraceHeaders.TRACEPARENT, traceparent("00", "0".repeat(31) + "1", "0".repeat(15) + "1", "01")));
        assertEquals(ok("ffffffffffffffffffffffffffffffff", "ffffffffffffffff", true),
                read(TraceHeaders.TRACEPARENT, traceparent("00", "f".repeat(32), "f".repeat(16), "01")));
        // Optional whitespace around an HTTP/1.x value.
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.TRACEPARENT,
                " \t" + traceparent("00", TRACE, SPAN, "01") + " \t"));
    }

    @Test
    void anInvalidTraceparentIsIgnoredAndCounted() {
        String[] invalid = {
            traceparent("00", "0".repeat(32), SPAN, "01"), // all-zero trace id
            traceparent("00", TRACE, "0".repeat(16), "01"), // all-zero span id
            traceparent("00", TRACE.toUpperCase(), SPAN, "01"), // uppercase hex
            traceparent("00", TRACE, "00F067AA0BA902B7", "01"),
            traceparent("00", TRACE, SPAN, "0A"),
            traceparent("ff", TRACE, SPAN, "01"), // version ff
            traceparent("0", TRACE, SPAN, "01"), // wrong lengths
            traceparent("000", TRACE, SPAN, "01"),
            traceparent("00", TRACE.substring(1), SPAN, "01"),
            traceparent("00", TRACE + "0", SPAN, "01"),
            traceparent("00", TRACE, SPAN.substring(1), "01"),
            traceparent("00", TRACE, SPAN + "0", "01"),
            traceparent("00", TRACE, SPAN, "1"),
            traceparent("00", TRACE, SPAN, "011"),
            traceparent("00", TRACE, SPAN, "01") + "-", // version 00 is exactly 55 long
            traceparent("00", TRACE, SPAN, "01") + "-what",
            traceparent("00", TRACE, SPAN, "01") + "x",
            "00_" + TRACE + "-" + SPAN + "-01", // wrong delimiters
            "00-" + TRACE + "-" + SPAN + "01",
            "00-" + TRACE + "--" + SPAN + "-01",
            traceparent("0g", TRACE, SPAN, "01"),
            traceparent("00", TRACE.replace('4', 'g'), SPAN, "01"),
            traceparent("00", TRACE, SPAN, "01").replace('-', ' '),
            "00-" + TRACE + " -" + SPAN + "-01", // a space inside
            "",
            "-",
            "00",
            TRACE,
        };
        for (String value : invalid) {
            assertEquals(none(1), read(TraceHeaders.TRACEPARENT, value), value);
        }
    }

    @Test
    void aLaterVersionIsReadFromItsFirst55CharactersWhenADashOrNothingFollows() {
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.TRACEPARENT, traceparent("01", TRACE, SPAN, "01")));
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.TRACEPARENT,
                traceparent("cc", TRACE, SPAN, "01") + "-what-ever comes NEXT"));
        assertEquals(ok(TRACE, SPAN, false),
                read(TraceHeaders.TRACEPARENT, traceparent("fe", TRACE, SPAN, "00") + "-"));
        // ... but not when anything else follows them, nor when it is shorter.
        assertEquals(none(1), read(TraceHeaders.TRACEPARENT, traceparent("01", TRACE, SPAN, "01") + "x-y"));
        assertEquals(none(1), read(TraceHeaders.TRACEPARENT, traceparent("01", TRACE, SPAN, "0")));
        assertEquals(none(1), read(TraceHeaders.TRACEPARENT, traceparent("01", TRACE, SPAN.substring(2), "01")));
        assertEquals(none(1), read(TraceHeaders.TRACEPARENT, traceparent("01", "0".repeat(32), SPAN, "01") + "-x"));
    }

    @Test
    void b3SingleHeader() {
        assertEquals(ok(TRACE, SPAN, null), read(TraceHeaders.B3, TRACE + "-" + SPAN));
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.B3, TRACE + "-" + SPAN + "-1"));
        assertEquals(ok(TRACE, SPAN, false), read(TraceHeaders.B3, TRACE + "-" + SPAN + "-0"));
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.B3, TRACE + "-" + SPAN + "-d"), "debug is sampled");
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.B3, TRACE + "-" + SPAN + "-1-05e3ac9a4f6e3b90"));
        // A 64-bit trace id, padded to 128 bits with leading zeros.
        assertEquals(ok("0000000000000000" + TRACE_16, SPAN, true),
                read(TraceHeaders.B3, TRACE_16 + "-" + SPAN + "-1"));
        // The sampling state alone: a decision, no ids.
        assertEquals("trace=null span=null sampled=false malformed=0", read(TraceHeaders.B3, "0"));
        assertEquals("trace=null span=null sampled=true malformed=0", read(TraceHeaders.B3, "1"));
        assertEquals("trace=null span=null sampled=true malformed=0", read(TraceHeaders.B3, "d"));

        String[] invalid = {
            "2", "00", "x", TRACE, TRACE + "-", TRACE + "-" + SPAN + "-", TRACE + "-" + SPAN + "-2",
            TRACE + "-" + SPAN + "-11", TRACE + "-" + SPAN + "-1-", TRACE + "-" + SPAN + "-1-05e3ac9a4f6e3b9",
            TRACE + "-" + SPAN + "-1-05e3ac9a4f6e3b90-x", TRACE.toUpperCase() + "-" + SPAN,
            TRACE + "-" + SPAN.toUpperCase(), TRACE.substring(1) + "-" + SPAN, TRACE_16 + "0-" + SPAN,
            TRACE + "-" + SPAN.substring(1), "0".repeat(32) + "-" + SPAN, TRACE + "-" + "0".repeat(16),
            "0".repeat(16) + "-" + SPAN + "-1", TRACE + "-" + SPAN + "-1-" + "0".repeat(16), "-" + SPAN,
        };
        for (String value : invalid) {
            assertEquals(none(1), read(TraceHeaders.B3, value), value);
        }
    }

    @Test
    void b3MultipleHeaders() {
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.X_B3_TRACE_ID, TRACE, TraceHeaders.X_B3_SPAN_ID, SPAN,
                TraceHeaders.X_B3_SAMPLED, "1"));
        assertEquals(ok(TRACE, SPAN, false), read(TraceHeaders.X_B3_SAMPLED, "0", TraceHeaders.X_B3_SPAN_ID, SPAN,
                TraceHeaders.X_B3_TRACE_ID, TRACE));
        assertEquals(ok(TRACE, SPAN, null), read(TraceHeaders.X_B3_TRACE_ID, TRACE, TraceHeaders.X_B3_SPAN_ID, SPAN));
        assertEquals(ok("0000000000000000" + TRACE_16, SPAN, true), read(TraceHeaders.X_B3_TRACE_ID, TRACE_16,
                TraceHeaders.X_B3_SPAN_ID, SPAN, TraceHeaders.X_B3_SAMPLED, "true"));
        assertEquals(ok(TRACE, SPAN, false), read(TraceHeaders.X_B3_TRACE_ID, TRACE, TraceHeaders.X_B3_SPAN_ID, SPAN,
                TraceHeaders.X_B3_SAMPLED, "false"));
        // Flags 1 is debug, which is sampled, whatever X-B3-Sampled says.
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.X_B3_TRACE_ID, TRACE, TraceHeaders.X_B3_SPAN_ID, SPAN,
                TraceHeaders.X_B3_FLAGS, "1"));
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.X_B3_TRACE_ID, TRACE, TraceHeaders.X_B3_SPAN_ID, SPAN,
                TraceHeaders.X_B3_SAMPLED, "0", TraceHeaders.X_B3_FLAGS, "1"));
        // A sampling decision alone.
        assertEquals("trace=null span=null sampled=false malformed=0", read(TraceHeaders.X_B3_SAMPLED, "0"));

        // One id without the other: counted, not used.
        assertEquals(none(1), read(TraceHeaders.X_B3_TRACE_ID, TRACE));
        assertEquals(none(1), read(TraceHeaders.X_B3_SPAN_ID, SPAN));
        assertEquals(none(1), read(TraceHeaders.X_B3_TRACE_ID, TRACE.toUpperCase(), TraceHeaders.X_B3_SPAN_ID, SPAN));
        assertEquals(none(1), read(TraceHeaders.X_B3_TRACE_ID, TRACE, TraceHeaders.X_B3_SPAN_ID, SPAN + "0"));
        assertEquals(none(1), read(TraceHeaders.X_B3_TRACE_ID, TRACE + "-", TraceHeaders.X_B3_SPAN_ID, SPAN));
        assertEquals(none(1), read(TraceHeaders.X_B3_TRACE_ID, "0".repeat(16), TraceHeaders.X_B3_SPAN_ID, SPAN));
        assertEquals("trace=" + TRACE + " span=" + SPAN + " sampled=null malformed=1", read(TraceHeaders.X_B3_TRACE_ID,
                TRACE, TraceHeaders.X_B3_SPAN_ID, SPAN, TraceHeaders.X_B3_SAMPLED, "yes"));
        assertEquals("trace=" + TRACE + " span=" + SPAN + " sampled=null malformed=1", read(TraceHeaders.X_B3_TRACE_ID,
                TRACE, TraceHeaders.X_B3_SPAN_ID, SPAN, TraceHeaders.X_B3_FLAGS, "2"));
    }

    @Test
    void traceparentWinsOverB3WhichWinsOverTheMultipleHeaders() {
        String other = "0af7651916cd43dd8448eb211c80319c";
        String otherSpan = "b7ad6b7169203331";
        String otherToo = "11111111111111111111111111111111";
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.X_B3_TRACE_ID, otherToo, TraceHeaders.X_B3_SPAN_ID,
                otherSpan, TraceHeaders.B3, other + "-" + otherSpan + "-0",
                TraceHeaders.TRACEPARENT, traceparent("00", TRACE, SPAN, "01")));
        assertEquals(ok(other, otherSpan, false), read(TraceHeaders.X_B3_TRACE_ID, otherToo, TraceHeaders.X_B3_SPAN_ID,
                otherSpan, TraceHeaders.B3, other + "-" + otherSpan + "-0"));
        // A malformed traceparent is counted and the next header in line decides.
        assertEquals("trace=" + other + " span=" + otherSpan + " sampled=false malformed=1",
                read(TraceHeaders.B3, other + "-" + otherSpan + "-0",
                        TraceHeaders.TRACEPARENT, traceparent("00", "0".repeat(32), SPAN, "01")));
        assertEquals("trace=" + otherToo + " span=" + otherSpan + " sampled=null malformed=2",
                read(TraceHeaders.B3, "bogus", TraceHeaders.TRACEPARENT, "bogus", TraceHeaders.X_B3_TRACE_ID, otherToo,
                        TraceHeaders.X_B3_SPAN_ID, otherSpan));
    }

    @Test
    void aHeaderGivenTwiceInOneHeadIsMalformed() {
        assertEquals(none(1), read(TraceHeaders.TRACEPARENT, traceparent("00", TRACE, SPAN, "01"),
                TraceHeaders.TRACEPARENT, traceparent("00", TRACE, SPAN, "01")));
        // ... and the next head starts afresh.
        assertEquals(ok(TRACE, SPAN, true), read(TraceHeaders.TRACEPARENT, traceparent("00", TRACE, SPAN, "01")));
        assertEquals(none(0), read());
    }

    @Test
    void headerNamesAreKnownOnlyInLowerCaseAndExactly() {
        for (int h = 0; h < TraceHeaders.NAMES.length; h++) {
            byte[] name = TraceHeaders.NAMES[h].getBytes();
            assertEquals(h, TraceHeaders.headerOf(name, name.length));
        }
        for (String other : new String[] {"tracestate", "baggage", "b3x", "x-b3-parentspanid", "traceparen", ""}) {
            byte[] name = other.getBytes();
            assertEquals(-1, TraceHeaders.headerOf(name, name.length), other);
        }
    }

    @Test
    void readingAllocatesNothing() {
        String[][] heads = {
            {"0", traceparent("00", TRACE, SPAN, "01")},
            {"1", TRACE_16 + "-" + SPAN + "-d-05e3ac9a4f6e3b90"},
            {"2", TRACE, "3", SPAN, "4", "true", "5", "1"},
            {"0", "garbage that is not a traceparent"},
        };
        byte[][][] bytes = new byte[heads.length][][];
        for (int i = 0; i < heads.length; i++) {
            bytes[i] = new byte[heads[i].length][];
            for (int k = 0; k < heads[i].length; k++) {
                bytes[i][k] = heads[i][k].getBytes();
            }
        }
        long sum = readAll(bytes, 20_000);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        sum += readAll(bytes, 200_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(sum != 0);
        assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes reading 800,000 heads");
    }

    private long readAll(byte[][][] heads, int rounds) {
        long sum = 0;
        for (int r = 0; r < rounds; r++) {
            for (byte[][] head : heads) {
                trace.begin();
                for (int k = 0; k < head.length; k += 2) {
                    trace.beginValue(head[k][0] - '0');
                    for (byte b : head[k + 1]) {
                        trace.valueByte(b);
                    }
                    trace.endValue();
                }
                trace.resolve();
                sum += trace.spanId() + trace.traceIdLow() + trace.sampled() + trace.malformed();
            }
        }
        return sum;
    }
}
