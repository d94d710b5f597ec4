package io.connscope.agent.core.http2;

import io.connscope.agent.core.http.ByteSource;
import io.connscope.agent.core.http.HttpExchange;
import io.connscope.agent.core.http.TraceHeaders;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.connscope.agent.core.http2.Http2ConnectionTrackerTest.concat;
import static io.connscope.agent.core.http2.Http2ConnectionTrackerTest.frame;
import static io.connscope.agent.core.http2.Http2ConnectionTrackerTest.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trace context of HTTP/2 requests, read through HPACK: header blocks from Netty's encoder (the one grpc-netty
 * uses), Huffman-coded or raw, added to the dynamic table or not, referred back to by index, split at every byte.
 */
class HpackTraceContextTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";

    /** What the decoder made of its last block, as {@code trace=ID span=ID sampled=X malformed=N}, or "none". */
    private static String context(HpackDecoder decoder) {
        TraceHeaders t = decoder.traceContext();
        if (t == null) {
            return "none";
        }
        String ids = t.hasIds() ? "trace=" + TraceHeaders.traceIdHex(t.traceIdHigh(), t.traceIdLow()) + " span="
                + TraceHeaders.spanIdHex(t.spanId()) : "trace=null span=null";
        return ids + " sampled=" + (t.sampled() < 0 ? "null" : t.sampled() == 1) + " malformed=" + t.malformed();
    }

    private static String expected(String trace, String span, Boolean sampled, int malformed) {
        return "trace=" + trace + " span=" + span + " sampled=" + sampled + " malformed=" + malformed;
    }

    private static Http2Headers request(String... nameValues) {
        Http2Headers h = new DefaultHttp2Headers(false);
        h.method("POST").scheme("http").path("/echo.Echo/Call?q=SECRET").authority("localhost:1234");
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(nameValues[i], nameValues[i + 1]);
        }
        return h;
    }

    private static byte[] encode(DefaultHttp2HeadersEncoder encoder, Http2Headers headers) throws Exception {
        ByteBuf out = Unpooled.buffer();
        try {
            encoder.encodeHeaders(3, headers, out);
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            return bytes;
        } finally {
            out.release();
        }
    }

    /**
     * A sequence of request blocks, each with what it carries: as one encoder sends them on one connection, the
     * later ones refer to the dynamic table the earlier ones filled.
     */
    private static final Object[][] BLOCKS = {
        {request("traceparent", "00-" + TRACE + "-" + SPAN + "-01", "tracestate", "congo=SECRET1",
                "baggage", "user=SECRET2"), expected(TRACE, SPAN, true, 0)},
        // The same traceparent again: an encoder that indexed it sends only the index.
        {request("traceparent", "00-" + TRACE + "-" + SPAN + "-01"), expected(TRACE, SPAN, true, 0)},
        // A new value under the indexed name.
        {request("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"),
                expected("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", false, 0)},
        {request("b3", "a3ce929d0e0e4736-" + SPAN + "-d-05e3ac9a4f6e3b90"),
                expected("0000000000000000a3ce929d0e0e4736", SPAN, true, 0)},
        {request("x-b3-traceid", TRACE, "x-b3-spanid", SPAN, "x-b3-sampled", "0", "x-b3-parentspanid",
                "05e3ac9a4f6e3b90"), expected(TRACE, SPAN, false, 0)},
        {request("x-b3-traceid", TRACE, "x-b3-spanid", SPAN, "x-b3-flags", "1"), expected(TRACE, SPAN, true, 0)},
        {request("b3", "0"), expected("null", "null", false, 0)},
        {request("traceparent", "00-" + TRACE.toUpperCase() + "-" + SPAN + "-01", "b3", TRACE + "-" + SPAN),
                expected(TRACE, SPAN, null, 1)},
        {request("traceparent", "ff-" + TRACE + "-" + SPAN + "-01"), expected("null", "null", null, 1)},
        // The malformed one again, from the table: still malformed, still counted.
        {request("traceparent", "ff-" + TRACE + "-" + SPAN + "-01"), expected("null", "null", null, 1)},
        {request("traceparent", "01-" + TRACE + "-" + SPAN + "-01-and-more-fields-of-version-1"),
                expected(TRACE, SPAN, true, 0)},
        {request("tracestate", "a=SECRET3", "baggage", "b=SECRET4"), "none"},
        {request(), "none"},
    };

    @Test
    void huffmanCodedRawIndexedAndNeverIndexedValuesAreReadWhereverTheBlocksSplit() throws Exception {
        // Huffman threshold 0: every string Huffman-coded where that is shorter; 512: raw. Sensitive: never indexed.
        for (int huffmanThreshold : new int[] {0, 512}) {
            for (boolean sensitive : new boolean[] {false, true}) {
                String how = "threshold " + huffmanThreshold + (sensitive ? ", never indexed" : ", indexed");
                List<byte[]> blocks = new ArrayList<>();
                DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder((name, value) -> sensitive, true,
                        16, huffmanThreshold);
                for (Object[] b : BLOCKS) {
                    blocks.add(encode(encoder, (Http2Headers) b[0]));
                }
                // Whole, one byte at a time, and each block cut at each position.
                check(blocks, -1, how);
                check(blocks, 0, how + ", byte by byte");
                int longest = blocks.stream().mapToInt(b -> b.length).max().orElse(0);
                for (int cut = 1; cut < longest; cut++) {
                    check(blocks, cut, how + ", cut at " + cut);
                }
            }
        }
    }

    /** Decodes the blocks in order on one decoder; {@code cut} -1 whole, 0 byte by byte, else in two pieces. */
    private static void check(List<byte[]> blocks, int cut, String how) {
        HpackDecoder decoder = new HpackDecoder();
        for (int i = 0; i < blocks.size(); i++) {
            byte[] block = blocks.get(i);
            ByteSource src = ByteSource.of(block);
            decoder.beginBlock();
            if (cut < 0) {
                decoder.feed(src, 0, block.length);
            } else if (cut == 0) {
                for (int k = 0; k < block.length; k++) {
                    decoder.feed(src, k, 1);
                }
            } else {
                int c = Math.min(cut, block.length);
                decoder.feed(src, 0, c);
                decoder.feed(src, c, block.length - c);
            }
            assertTrue(decoder.endBlock(), how);
            assertEquals(BLOCKS[i][1], context(decoder), how + ", block " + i + ": " + BLOCKS[i][0]);
        }
    }

    /**
     * Random blocks from one encoder per connection, with table size updates that shrink, evict and grow the
     * dynamic table (its ring and the ids kept beside each trace entry): every block's trace context is what the same
     * headers give {@link TraceHeaders} directly.
     */
    @Test
    void followsTheTableThroughRandomBlocksSizeUpdatesAndEvictions() throws Exception {
        Random random = new Random(2727);
        int[] tableSizes = {0, 64, 256, 1024, 4096, 16384, 65536};
        String[] names = {"traceparent", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-flags",
            "tracestate", "baggage", "content-type"};
        // A small pool of values, so the encoder finds many of them in its table and sends an index.
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String trace = TraceHeaders.traceIdHex(random.nextLong(), random.nextLong() | 1);
            String span = TraceHeaders.spanIdHex(random.nextLong() | 1);
            values.add("00-" + trace + "-" + span + "-0" + random.nextInt(2));
            values.add(trace + "-" + span + "-" + "01d".charAt(random.nextInt(3)));
            values.add(random.nextBoolean() ? trace : trace.substring(16));
            values.add(span);
        }
        values.add("0");
        values.add("1");
        values.add("true");
        values.add("00-" + "0".repeat(32) + "-00f067aa0ba902b7-01");
        values.add("garbage");
        int traced = 0;
        for (int connection = 0; connection < 30; connection++) {
            DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder(
                    (name, value) -> value.length() % 7 == 1, true, 16, random.nextBoolean() ? 0 : 512);
            HpackDecoder decoder = new HpackDecoder();
            for (int block = 0; block < 200; block++) {
                if (random.nextInt(20) == 0) {
                    int size = tableSizes[random.nextInt(tableSizes.length)];
                    decoder.maxTableSize(size);
                    encoder.configuration().maxHeaderTableSize(size);
                }
                Http2Headers headers = new DefaultHttp2Headers(false);
                headers.method("GET").path("/p" + random.nextInt(4));
                List<String[]> trace = new ArrayList<>();
                for (int n = random.nextInt(5); n > 0; n--) {
                    String name = names[random.nextInt(names.length)];
                    String value = values.get(random.nextInt(values.size()));
                    headers.add(name, value);
                    trace.add(new String[] {name, value});
                }
                byte[] bytes = encode(encoder, headers);
                decoder.beginBlock();
                int cut = random.nextInt(bytes.length + 1);
                decoder.feed(ByteSource.of(bytes), 0, cut);
                decoder.feed(ByteSource.of(bytes), cut, bytes.length - cut);
                String where = "connection " + connection + ", block " + block + ": " + headers;
                assertTrue(decoder.endBlock(), where);
                String expected = oracle(trace);
                assertEquals(expected, context(decoder), where);
                traced += expected.equals("none") ? 0 : 1;
            }
        }
        assertTrue(traced > 3000, "blocks with trace headers: " + traced);
    }

    /** The trace context of these headers in this order, fed to a fresh {@link TraceHeaders} as text. */
    private static String oracle(List<String[]> headers) {
        TraceHeaders t = new TraceHeaders();
        t.begin();
        boolean any = false;
        for (String[] h : headers) {
            byte[] name = h[0].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            int kind = TraceHeaders.headerOf(name, name.length);
            if (kind < 0) {
                continue;
            }
            any = true;
            t.beginValue(kind);
            for (int i = 0; i < h[1].length(); i++) {
                t.valueByte(h[1].charAt(i));
            }
            t.endValue();
        }
        if (!any) {
            return "none";
        }
        t.resolve();
        String ids = t.hasIds() ? "trace=" + TraceHeaders.traceIdHex(t.traceIdHigh(), t.traceIdLow()) + " span="
                + TraceHeaders.spanIdHex(t.spanId()) : "trace=null span=null";
        return ids + " sampled=" + (t.sampled() < 0 ? "null" : t.sampled() == 1) + " malformed=" + t.malformed();
    }

    @Test
    void theEncoderReallyUsedHuffmanCodesAndTheTable() throws Exception {
        // So that the test above covers what it says: the traceparent's bytes do not appear raw when Huffman-coded,
        // and the repeat is a single indexed byte.
        DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder((name, value) -> false, true, 16, 0);
        byte[] first = encode(encoder, (Http2Headers) BLOCKS[0][0]);
        byte[] second = encode(encoder, (Http2Headers) BLOCKS[1][0]);
        assertFalse(new String(first, java.nio.charset.StandardCharsets.ISO_8859_1).contains(TRACE));
        // :method, :scheme, :path, :authority and traceparent, each one byte: an index into either table.
        assertEquals(5, second.length, "every field of the repeat is indexed");
    }

    @Test
    void aClientsStreamCarriesTheTraceContextOfItsRequestHeadAcrossContinuationFrames() throws Exception {
        List<HttpExchange> exchanges = new ArrayList<>();
        Http2ConnectionTracker t = new Http2ConnectionTracker(exchanges::add, true, 0, 0);
        DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder((name, value) -> false, true, 16, 0);
        byte[] first = encode(encoder, (Http2Headers) BLOCKS[0][0]);
        byte[] bad = encode(encoder, (Http2Headers) BLOCKS[7][0]);
        byte[] none = encode(encoder, request());
        // The first block in three frames, cut inside the traceparent's value.
        int a = first.length / 3;
        int b = 2 * first.length / 3;
        byte[] frames = concat(Http2FrameReader.PREFACE, Http2ConnectionTrackerTest.settings(),
                frame(Http2FrameReader.HEADERS, Http2FrameReader.FLAG_END_STREAM, 1, Arrays.copyOfRange(first, 0, a)),
                frame(Http2FrameReader.CONTINUATION, 0, 1, Arrays.copyOfRange(first, a, b)),
                frame(Http2FrameReader.CONTINUATION, Http2FrameReader.FLAG_END_HEADERS, 1,
                        Arrays.copyOfRange(first, b, first.length)),
                headers(3, true, bad), headers(5, true, none));
        for (int i = 0; i < frames.length; i++) {
            t.onClientBytes(ByteSource.of(frames), i, 1, 1_000_000L);
        }
        byte[] response = new byte[] {(byte) 0x88};
        byte[] answers = concat(headers(1, true, response), headers(3, true, response), headers(5, true, response));
        t.onServerBytes(ByteSource.of(answers), 0, answers.length, 2_000_000L);
        assertEquals(3, exchanges.size());
        assertEquals(TRACE, exchanges.get(0).traceId);
        assertEquals(SPAN, exchanges.get(0).spanId);
        assertEquals(Boolean.TRUE, exchanges.get(0).sampled);
        assertEquals(TRACE, exchanges.get(1).traceId, "b3, after the malformed traceparent");
        assertNull(exchanges.get(1).sampled);
        assertNull(exchanges.get(2).traceId);
        assertNull(exchanges.get(2).spanId);
        assertNull(exchanges.get(2).sampled);
        assertEquals(1, t.traceContextMalformed());
        assertEquals(200, exchanges.get(0).status);
    }

    @Test
    void decodingTraceHeadersAllocatesNothing() throws Exception {
        // Random trace contexts, so the encoder adds each to its table as new; decoded by a warm-up decoder, then
        // by a measured one.
        Random random = new Random(27);
        DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder((name, value) -> false, true, 16, 0);
        int blocks = 20_000;
        byte[][] encoded = new byte[blocks][];
        long[] spans = new long[blocks];
        for (int i = 0; i < blocks; i++) {
            spans[i] = random.nextLong() | 1;
            String span = TraceHeaders.spanIdHex(spans[i]);
            String trace = TraceHeaders.traceIdHex(random.nextLong(), random.nextLong() | 1);
            Http2Headers h = i % 3 == 0
                    ? request("traceparent", "00-" + trace + "-" + span + "-01", "tracestate", "x=y")
                    : i % 3 == 1 ? request("b3", trace + "-" + span + "-1")
                    : request("x-b3-traceid", trace, "x-b3-spanid", span, "x-b3-sampled", "1");
            encoded[i] = encode(encoder, h);
        }
        // One array for all, as the existing allocation test does: a ByteSource per block would allocate itself.
        int[] starts = new int[blocks + 1];
        for (int i = 0; i < blocks; i++) {
            starts[i + 1] = starts[i] + encoded[i].length;
        }
        byte[] memory = new byte[starts[blocks]];
        for (int i = 0; i < blocks; i++) {
            System.arraycopy(encoded[i], 0, memory, starts[i], encoded[i].length);
        }
        ByteSource source = ByteSource.of(memory);
        assertEquals(0, decodeAll(new HpackDecoder(), source, starts, spans));
        HpackDecoder decoder = new HpackDecoder();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        int wrong = decodeAll(decoder, source, starts, spans);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(0, wrong);
        // The decoder's own TraceHeaders and its table's id arrays, once.
        assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes decoding " + blocks + " blocks");
    }

    private static int decodeAll(HpackDecoder decoder, ByteSource source, int[] starts, long[] spans) {
        int wrong = 0;
        for (int i = 0; i + 1 < starts.length; i++) {
            int length = starts[i + 1] - starts[i];
            int half = length / 2;
            decoder.beginBlock();
            decoder.feed(source, starts[i], half);
            decoder.feed(source, starts[i] + half, length - half);
            TraceHeaders t = decoder.endBlock() ? decoder.traceContext() : null;
            if (t == null || !t.hasIds() || t.spanId() != spans[i] || t.sampled() != 1 || t.malformed() != 0) {
                wrong++;
            }
        }
        return wrong;
    }
}
