package io.connscope.agent.core.http2;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.connscope.agent.core.http.TraceHeaders;
import io.connscope.agent.fuzz.FuzzBudget;
import io.connscope.agent.fuzz.Traffic;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HPACK decoder on its own, on fuzzed header blocks: each client segment of the input is one block (its
 * fragments the reads the fuzzer cut), each server segment a SETTINGS_HEADER_TABLE_SIZE (its first four bytes) the
 * encoder now has. The dynamic table never exceeds its limit, and the same blocks split differently decode alike.
 * Seeds: {@code HpackDecoderFuzzTestInputs/blocks/}.
 */
class HpackDecoderFuzzTest {

    @FuzzTest(maxDuration = FuzzBudget.CI)
    void blocks(byte[] input) {
        Traffic traffic = Traffic.conversation(input);
        assertEquals(run(traffic, false), run(traffic, true), "the same blocks in other fragments");
    }

    static String run(Traffic traffic, boolean split) {
        HpackDecoder decoder = new HpackDecoder();
        List<String> blocks = new ArrayList<>();
        Traffic.Segment[] current = {null};
        traffic.feed(split, (fromClient, bytes, address, length) -> {
            if (fromClient) {
                decoder.feed(bytes, address, length);
            }
            checkTable(decoder);
        }, (segment, first) -> {
            if (current[0] != null && current[0].fromClient) {
                blocks.add(endBlock(decoder));
            }
            current[0] = segment;
            if (segment.fromClient) {
                decoder.beginBlock();
            } else {
                long size = 0;
                for (int i = 0; i < Math.min(4, segment.bytes.length); i++) {
                    size = size << 8 | segment.bytes[i] & 0xff;
                }
                decoder.maxTableSize(size);
                checkTable(decoder);
            }
        });
        if (current[0] != null && current[0].fromClient) {
            blocks.add(endBlock(decoder));
        }
        return blocks + " broken=" + decoder.broken() + " table=" + decoder.tableCount() + "/" + decoder.tableSize();
    }

    private static String endBlock(HpackDecoder decoder) {
        boolean complete = decoder.endBlock();
        checkTable(decoder);
        TraceHeaders trace = decoder.traceContext();
        String context = trace == null ? "-" : trace.found() + "," + trace.hasIds() + "," + trace.traceIdHigh() + ","
                + trace.traceIdLow() + "," + trace.spanId() + "," + trace.sampled() + "," + trace.malformed();
        if (trace != null) {
            assertTrue(trace.malformed() >= 0 && trace.malformed() <= TraceHeaders.NAMES.length + 1,
                    "malformed " + trace.malformed());
        }
        assertTrue(decoder.status() >= -1 && decoder.status() <= 999, "status " + decoder.status());
        assertTrue(decoder.grpcStatus() >= -1, "grpc-status " + decoder.grpcStatus());
        return complete + ":" + decoder.status() + ":" + decoder.grpcStatus() + ":" + context;
    }

    /** The dynamic table within its limit, the limit within the cap, and its counts sane. */
    static void checkTable(HpackDecoder decoder) {
        long size = decoder.tableSize();
        int count = decoder.tableCount();
        long max = decoder.tableMaxSize();
        assertTrue(size >= 0 && size <= max, "table size " + size + " over its limit " + max);
        assertTrue(max <= HpackDecoder.TABLE_SIZE_CAP, "table limit " + max + " over the cap");
        assertTrue(count >= 0 && (long) count * HpackDynamicTable.ENTRY_OVERHEAD <= size, "entries " + count);
    }
}
