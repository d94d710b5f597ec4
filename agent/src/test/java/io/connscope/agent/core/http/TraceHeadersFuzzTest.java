package io.connscope.agent.core.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.connscope.agent.fuzz.FuzzBudget;
import io.connscope.agent.fuzz.Traffic;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trace-context reader on fuzzed values: the input's first byte picks the header ({@link TraceHeaders#NAMES}),
 * the rest is its value. Read directly, byte by byte as HPACK hands it over, and inside an HTTP/1.x request head
 * split where the fuzzer chooses, the value must give the same trace context. Seeds:
 * {@code TraceHeadersFuzzTestInputs/value/} (the header index, then the value).
 */
class TraceHeadersFuzzTest {

    @FuzzTest(maxDuration = FuzzBudget.CI)
    void value(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int header = (input[0] & 0xff) % TraceHeaders.NAMES.length;
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        for (int i = 1; i < input.length; i++) {
            // A line break ends a value in HTTP/1.x (and HPACK carries none): not part of one.
            if (input[i] != '\r' && input[i] != '\n') {
                value.write(input[i]);
            }
        }
        byte[] v = value.toByteArray();

        TraceHeaders direct = new TraceHeaders();
        direct.begin();
        direct.beginValue(header);
        for (byte b : v) {
            direct.valueByte(b & 0xff);
        }
        direct.endValue();
        boolean found = direct.resolve();
        assertTrue(direct.malformed() >= 0 && direct.malformed() <= 2, "malformed " + direct.malformed());
        assertTrue(!direct.hasIds() || (direct.traceIdHigh() | direct.traceIdLow()) != 0 && direct.spanId() != 0,
                "ids all zero");
        assertTrue(direct.sampled() >= -1 && direct.sampled() <= 1, "sampled " + direct.sampled());
        String expected = found && direct.hasIds()
                ? TraceHeaders.traceIdHex(direct.traceIdHigh(), direct.traceIdLow()) + " "
                + TraceHeaders.spanIdHex(direct.spanId()) : "null null";
        expected += " " + (found ? HttpExchange.sampled(direct.sampled()) : null) + " " + direct.malformed();

        // The same value in a request head, cut into reads by the cuts of the input.
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        head.writeBytes(("GET / HTTP/1.1\r\n" + TraceHeaders.NAMES[header] + ": ").getBytes(StandardCharsets.US_ASCII));
        head.writeBytes(v);
        head.writeBytes("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] cuts = new byte[Math.min(input.length, 1 + 2 * Traffic.MAX_CUTS)];
        System.arraycopy(input, 0, cuts, 0, cuts.length);
        ByteArrayOutputStream oneWay = new ByteArrayOutputStream();
        oneWay.writeBytes(cuts);
        oneWay.writeBytes(head.toByteArray());
        Traffic traffic = Traffic.oneWay(oneWay.toByteArray());
        if (traffic.segments.get(0).bytes.length != head.size()) {
            return; // the cuts took bytes of the head: another input will cover it
        }
        for (boolean split : new boolean[] {false, true}) {
            List<HttpExchange> exchanges = new ArrayList<>();
            HttpConnectionTracker tracker = new HttpConnectionTracker(exchanges::add);
            traffic.feed(split, (fromClient, bytes, address, length) ->
                    tracker.onRequestBytes(bytes, address, length, 0));
            tracker.onClose(true, false, false, false);
            assertEquals(1, exchanges.size());
            HttpExchange e = exchanges.get(0);
            assertEquals(expected, e.traceId + " " + e.spanId + " " + e.sampled + " " + tracker.traceContextMalformed(),
                    "read in a head, split=" + split);
        }
    }
}
