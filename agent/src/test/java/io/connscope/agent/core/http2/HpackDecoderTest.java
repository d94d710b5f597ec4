package io.connscope.agent.core.http2;

import io.connscope.agent.core.http.ByteSource;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HpackDecoderTest {

    /** One RFC 7541 Appendix C sequence: its blocks, and after each the :status and the dynamic table. */
    private static final class Example {
        final int tableSize;
        final byte[][] blocks;
        final int[] statuses;
        final int[] tableCounts;
        final long[] tableSizes;

        Example(int tableSize, String[] blocks, int[] statuses, int[] tableCounts, long[] tableSizes) {
            this.tableSize = tableSize;
            this.blocks = Arrays.stream(blocks).map(HpackDecoderTest::hex).toArray(byte[][]::new);
            this.statuses = statuses;
            this.tableCounts = tableCounts;
            this.tableSizes = tableSizes;
        }
    }

    private static final int[] NO_STATUS = {-1, -1, -1};
    private static final int[] RESPONSES = {302, 307, 200};

    private static final Example C3 = new Example(4096, new String[] {
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    }, NO_STATUS, new int[] {1, 2, 3}, new long[] {57, 110, 164});

    private static final Example C4 = new Example(4096, new String[] {
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    }, NO_STATUS, new int[] {1, 2, 3}, new long[] {57, 110, 164});

    private static final Example C5 = new Example(256, new String[] {
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32"
                + " 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970"
                + " 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178"
                + " 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
    }, RESPONSES, new int[] {4, 4, 3}, new long[] {222, 222, 215});

    private static final Example C6 = new Example(256, new String[] {
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad"
                + " 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2"
                + " e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50"
                + " 07",
    }, RESPONSES, new int[] {4, 4, 3}, new long[] {222, 222, 215});

    @Test
    void rfc7541RequestsWithoutHuffman() {
        checkWholeSplitAndByteByByte(C3);
    }

    @Test
    void rfc7541RequestsWithHuffman() {
        checkWholeSplitAndByteByByte(C4);
    }

    @Test
    void rfc7541ResponsesWithoutHuffmanEvictAsTheRfcDoes() {
        checkWholeSplitAndByteByByte(C5);
    }

    @Test
    void rfc7541ResponsesWithHuffmanEvictAsTheRfcDoes() {
        checkWholeSplitAndByteByByte(C6);
    }

    /** The sequence fed whole, then with every block cut at every position, then one byte at a time. */
    private static void checkWholeSplitAndByteByByte(Example example) {
        check(example, Integer.MAX_VALUE, Integer.MAX_VALUE);
        int longest = Arrays.stream(example.blocks).mapToInt(b -> b.length).max().getAsInt();
        for (int cut = 0; cut <= longest; cut++) {
            check(example, cut, Integer.MAX_VALUE);
        }
        check(example, Integer.MAX_VALUE, 1);
    }

    private static void check(Example example, int cut, int piece) {
        HpackDecoder decoder = new HpackDecoder();
        decoder.maxTableSize(example.tableSize);
        for (int i = 0; i < example.blocks.length; i++) {
            byte[] block = example.blocks[i];
            decoder.beginBlock();
            int at = Math.min(cut, block.length);
            feedInPieces(decoder, block, 0, at, piece);
            feedInPieces(decoder, block, at, block.length, piece);
            String where = "block " + (i + 1) + ", cut at " + cut + ", pieces of " + piece;
            assertTrue(decoder.endBlock(), where);
            assertEquals(example.statuses[i], decoder.status(), where);
            assertEquals(-1, decoder.grpcStatus(), where);
            assertEquals(example.tableCounts[i], decoder.tableCount(), where);
            assertEquals(example.tableSizes[i], decoder.tableSize(), where);
        }
    }

    private static void feedInPieces(HpackDecoder decoder, byte[] block, int from, int to, int piece) {
        ByteSource source = ByteSource.of(block);
        for (int i = from; i < to; ) {
            int n = Math.min(piece, to - i);
            decoder.feed(source, i, n);
            i += n;
        }
    }

    @Test
    void followsNettysEncoderThroughRandomBlocksAndSplits() throws Exception {
        Random random = new Random(7541);
        int[] tableSizes = {0, 100, 256, 1024, 4096, 8192, 16384, 65536};
        int indexedBlocks = 0;
        for (int connection = 0; connection < 60; connection++) {
            // 0: every string Huffman-coded where that is shorter; 512: Netty's default, raw below 512 bytes.
            int huffmanThreshold = random.nextBoolean() ? 0 : 512;
            DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder(
                    (name, value) -> value.length() % 5 == 1, true, 16, huffmanThreshold);
            HpackDecoder decoder = new HpackDecoder();
            for (int block = 0; block < 300; block++) {
                if (random.nextInt(25) == 0) {
                    int size = tableSizes[random.nextInt(tableSizes.length)];
                    decoder.maxTableSize(size);
                    encoder.configuration().maxHeaderTableSize(size);
                }
                Http2Headers headers = randomHeaders(random);
                byte[] bytes = encode(encoder, headers);
                decoder.beginBlock();
                feedInRandomPieces(decoder, bytes, random);
                String where = "connection " + connection + ", block " + block + ": " + headers;
                assertTrue(decoder.endBlock(), where);
                assertFalse(decoder.broken(), where);
                assertEquals(expected(headers, ":status"), decoder.status(), where);
                assertEquals(expected(headers, "grpc-status"), decoder.grpcStatus(), where);
                // A table larger than the encoder's still resolves every index it sends: compare sizes too.
                assertEquals(EncoderTable.length(encoder), decoder.tableCount(), where);
                assertEquals(EncoderTable.size(encoder), decoder.tableSize(), where);
                indexedBlocks += decoder.tableCount() > 0 ? 1 : 0;
            }
        }
        assertTrue(indexedBlocks > 5_000, "the dynamic table was in use: " + indexedBlocks);
    }

    /** The encoder's own dynamic table, which Netty keeps to itself: its entry count and size (§4.1). */
    private static final class EncoderTable {
        private static final Field HPACK_ENCODER;
        private static final Method LENGTH;
        private static final Method SIZE;

        static {
            try {
                HPACK_ENCODER = DefaultHttp2HeadersEncoder.class.getDeclaredField("hpackEncoder");
                HPACK_ENCODER.setAccessible(true);
                LENGTH = HPACK_ENCODER.getType().getDeclaredMethod("length");
                LENGTH.setAccessible(true);
                SIZE = HPACK_ENCODER.getType().getDeclaredMethod("size");
                SIZE.setAccessible(true);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static int length(DefaultHttp2HeadersEncoder encoder) throws ReflectiveOperationException {
            return (int) LENGTH.invoke(HPACK_ENCODER.get(encoder));
        }

        static long size(DefaultHttp2HeadersEncoder encoder) throws ReflectiveOperationException {
            return (long) SIZE.invoke(HPACK_ENCODER.get(encoder));
        }
    }

    private static final String[] STATUSES = {
        "200", "204", "206", "304", "400", "404", "500", "302", "307", "503", "418", "100", "599", "999",
        "099", "20", "2000", "abc", "", "2 0", "20x",
    };
    private static final String[] GRPC_STATUSES = {
        "0", "1", "2", "4", "13", "14", "16", "007", "999999999", "1234567890", "", "-1", "1a", " 0",
    };
    private static final String[] NAMES = {
        "content-type", "grpc-message", "grpc-encoding", "x-request-id", "grpc-statu", "grpc-statuss",
        "grpc-Status", ":statu", "status", "authorization", "cookie", "set-cookie", "grpc-status-details-bin",
        ":path", ":authority", "b3", "traceparent",
    };

    private static Http2Headers randomHeaders(Random random) {
        Http2Headers headers = new DefaultHttp2Headers(false);
        int shape = random.nextInt(5);
        if (shape != 0) {
            // Mostly a few common values, so the encoder indexes them and refers back to its table.
            headers.status(random.nextInt(3) == 0 ? STATUSES[random.nextInt(STATUSES.length)]
                    : STATUSES[random.nextInt(3) + 7]);
            if (random.nextInt(20) == 0) {
                headers.add(":status", STATUSES[random.nextInt(STATUSES.length)]);
            }
        }
        for (int n = random.nextInt(6); n > 0; n--) {
            headers.add(randomName(random), randomValue(random));
        }
        if (shape <= 1 || random.nextInt(6) == 0) {
            headers.add("grpc-status", random.nextInt(3) == 0
                    ? Integer.toString(random.nextInt(1_000_000_000))
                    : GRPC_STATUSES[random.nextInt(GRPC_STATUSES.length)]);
        }
        return headers;
    }

    private static CharSequence randomName(Random random) {
        if (random.nextInt(3) != 0) {
            return NAMES[random.nextInt(NAMES.length)];
        }
        char[] name = new char[1 + random.nextInt(20)];
        for (int i = 0; i < name.length; i++) {
            name[i] = "abcdefghijklmnopqrstuvwxyz0123456789-_".charAt(random.nextInt(38));
        }
        return new String(name);
    }

    private static CharSequence randomValue(Random random) {
        int kind = random.nextInt(10);
        if (kind < 4) {
            return "value-" + random.nextInt(8);
        }
        int length = kind == 9 ? 200 + random.nextInt(3000) : random.nextInt(40);
        byte[] value = new byte[length];
        for (int i = 0; i < length; i++) {
            // Mostly text (Huffman-coded when that is shorter), at times any byte (long codes, up to 30 bits).
            value[i] = (byte) (kind == 8 ? random.nextInt(256) : ' ' + random.nextInt(95));
        }
        return new AsciiString(value);
    }

    /** What the decoder should record for {@code name}: its last value, parsed by the same rules. */
    private static int expected(Http2Headers headers, String name) {
        int result = -1;
        for (Map.Entry<CharSequence, CharSequence> header : headers) {
            if (AsciiString.contentEquals(header.getKey(), name)) {
                result = parse(header.getValue(), name.equals(":status") ? 3 : 1, name.equals(":status") ? 3 : 9);
                if (name.equals(":status") && result < 100) {
                    result = -1;
                }
            }
        }
        return result;
    }

    private static int parse(CharSequence value, int minDigits, int maxDigits) {
        if (value.length() < minDigits || value.length() > maxDigits) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + c - '0';
        }
        return n;
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

    /** Feeds the block from inside a larger array (addresses are not from 0), in random pieces, some empty. */
    private static void feedInRandomPieces(HpackDecoder decoder, byte[] block, Random random) {
        int offset = random.nextInt(8);
        byte[] memory = new byte[offset + block.length + 8];
        random.nextBytes(memory);
        System.arraycopy(block, 0, memory, offset, block.length);
        ByteSource source = ByteSource.of(memory);
        int at = 0;
        while (at < block.length) {
            int n = random.nextInt(4) == 0 ? random.nextInt(2) : random.nextInt(block.length - at + 1);
            decoder.feed(source, offset + at, n);
            at += n;
        }
    }

    @Test
    void aTableSizeBeyondTheCapBreaksTheDecoder() throws Exception {
        DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
        HpackDecoder decoder = new HpackDecoder();
        decoder.maxTableSize(100_000);
        encoder.configuration().maxHeaderTableSize(100_000);
        byte[] bytes = encode(encoder, new DefaultHttp2Headers().status("200"));
        decoder.beginBlock();
        decoder.feed(ByteSource.of(bytes), 0, bytes.length);
        assertTrue(decoder.broken());
        assertFalse(decoder.endBlock());
        assertEquals(-1, decoder.status());
    }

    @Test
    void theCapItselfIsAllowed() throws Exception {
        DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
        HpackDecoder decoder = new HpackDecoder();
        decoder.maxTableSize(65_536);
        encoder.configuration().maxHeaderTableSize(65_536);
        for (int i = 0; i < 3_000; i++) {
            byte[] bytes = encode(encoder, new DefaultHttp2Headers().status(Integer.toString(100 + i % 900))
                    .add("x-n", Integer.toString(i)));
            decoder.beginBlock();
            decoder.feed(ByteSource.of(bytes), 0, bytes.length);
            assertTrue(decoder.endBlock());
            assertEquals(100 + i % 900, decoder.status());
        }
        assertTrue(decoder.tableCount() > 1024, "more entries than a 4096-byte table holds");
    }

    @Test
    void everyHuffmanSymbolDecodesToOneByte() throws Exception {
        // A rare symbol among many 'a's (5 bits each) keeps the Huffman form shorter, so the encoder uses it; the
        // table's size then shows the decoded length.
        for (int symbol = 0; symbol < 256; symbol++) {
            DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder(
                    (name, value) -> false, true, 16, 0);
            byte[] value = new byte[81];
            Arrays.fill(value, (byte) 'a');
            value[40] = (byte) symbol;
            byte[] bytes = encode(encoder, new DefaultHttp2Headers(false).add("x-sym", new AsciiString(value)));
            assertTrue(bytes.length < 1 + 1 + 5 + 1 + value.length, "Huffman-coded");
            HpackDecoder decoder = new HpackDecoder();
            decoder.beginBlock();
            feedInPieces(decoder, bytes, 0, bytes.length, 1);
            assertTrue(decoder.endBlock(), "symbol " + symbol);
            assertEquals(1, decoder.tableCount());
            assertEquals(5 + 81 + 32, decoder.tableSize(), "symbol " + symbol);
        }
    }

    @Test
    void huffmanCodesAreAppendixBs() throws Exception {
        Class<?> nettys = Class.forName("io.grpc.netty.shaded.io.netty.handler.codec.http2.HpackUtil");
        Field codes = nettys.getDeclaredField("HUFFMAN_CODES");
        Field lengths = nettys.getDeclaredField("HUFFMAN_CODE_LENGTHS");
        codes.setAccessible(true);
        lengths.setAccessible(true);
        assertArrayEquals((int[]) codes.get(null), HpackHuffman.codes());
        byte[] nettyLengths = (byte[]) lengths.get(null);
        for (int symbol = 0; symbol <= 256; symbol++) {
            assertEquals(nettyLengths[symbol], HpackHuffman.length(symbol), "symbol " + symbol);
        }
    }

    @Test
    void aGrpcTrailerIsReadFromALiteralWithANewName() {
        // grpc-status: 14, literal with incremental indexing, then the same field by its dynamic index.
        HpackDecoder decoder = decode("40 0b 67 72 70 63 2d 73 74 61 74 75 73 02 31 34");
        assertEquals(14, decoder.grpcStatus());
        assertEquals(-1, decoder.status());
        assertEquals(11 + 2 + 32, decoder.tableSize());
        decoder.beginBlock();
        decoder.feed(ByteSource.of(hex("be 88")), 0, 2);
        assertTrue(decoder.endBlock());
        assertEquals(14, decoder.grpcStatus());
        assertEquals(200, decoder.status());
    }

    @Test
    void anEntryAsLargeAsTheTableFillsItAndALargerOneEmptiesIt() {
        HpackDecoder decoder = new HpackDecoder();
        decoder.maxTableSize(64);
        // 16-byte name, 16-byte value: 64 bytes with the overhead.
        String sixteen = "10 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61";
        decode(decoder, "40 " + sixteen + " " + sixteen);
        assertEquals(1, decoder.tableCount());
        assertEquals(64, decoder.tableSize());
        decode(decoder, "48 03 33 30 31");
        assertEquals(1, decoder.tableCount(), "the first entry evicted for :status 301");
        decode(decoder, "40 " + sixteen + " 11 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61");
        assertEquals(0, decoder.tableCount(), "65 bytes empty a 64-byte table");
        assertEquals(0, decoder.tableSize());
    }

    @Test
    void aLargerTableKeepsTheEntriesInOrder() {
        HpackDecoder decoder = new HpackDecoder();
        // 200 entries of :status 100..299 (42 bytes each): the last 97 stay, and the 128-slot ring has wrapped.
        StringBuilder block = new StringBuilder();
        for (int status = 100; status < 300; status++) {
            block.append(" 48 03 3").append(status / 100).append(" 3").append(status / 10 % 10)
                    .append(" 3").append(status % 10);
        }
        decode(decoder, block.toString());
        assertEquals(97, decoder.tableCount());
        decoder.maxTableSize(65_536);
        // A size update to 65536, then the oldest entry (dynamic 97, index 158).
        assertEquals(203, decode(decoder, "3f e1 ff 03 ff 1f").status());
        assertEquals(299, decode(decoder, "be").status());
        assertEquals(234, decode(decoder, "ff 00").status(), "index 127, dynamic 66");
    }

    @Test
    void aKeptValueThatIsNotANumberIsRecordedAsMinusOne() {
        assertEquals(-1, decode("08 03 32 30 78").status(), "20x, literal without indexing of :status");
        assertEquals(-1, decode("08 04 32 30 30 30").status(), "2000");
        assertEquals(-1, decode("08 00").status(), "empty");
        assertEquals(-1, decode("00 0b 67 72 70 63 2d 73 74 61 74 75 73 0a 31 32 33 34 35 36 37 38 39 30")
                .grpcStatus(), "ten digits");
        assertEquals(999_999_999, decode("10 0b 67 72 70 63 2d 73 74 61 74 75 73 09 39 39 39 39 39 39 39 39 39")
                .grpcStatus(), "nine digits, never indexed");
    }

    @Test
    void malformedInputBreaksTheDecoderWithoutThrowing() {
        assertBroken("80", "index 0");
        assertBroken("be", "index 62 with an empty dynamic table");
        assertBroken("7f 00 00", "a literal naming index 63");
        assertBroken("ff ff ff ff ff 0f", "an index beyond 2^31");
        assertBroken("ff 80 80 80 80 80 00", "an integer of six continuation bytes");
        assertBroken("40 81 00 01 61", "a Huffman name padded with zeros");
        assertBroken("40 82 07 ff 01 61", "a Huffman name padded with 11 ones");
        assertBroken("40 84 ff ff ff ff 01 61", "EOS in a Huffman name");
        assertBroken("08 81 00", "a Huffman :status padded with zeros");
        assertBroken("3f e1 3f", "a size update to 8192 over the setting of 4096");
        assertBroken("40 05 61", "a block that ends inside a name");
        assertBroken("82 ff", "a block that ends inside an integer");
    }

    private static void assertBroken(String block, String what) {
        HpackDecoder decoder = new HpackDecoder();
        decoder.beginBlock();
        byte[] bytes = hex(block);
        decoder.feed(ByteSource.of(bytes), 0, bytes.length);
        assertFalse(decoder.endBlock(), what);
        assertTrue(decoder.broken(), what);
        assertEquals(-1, decoder.status(), what);
        // Broken for good: a valid block changes nothing.
        decoder.beginBlock();
        decoder.feed(ByteSource.of(hex("88")), 0, 1);
        assertFalse(decoder.endBlock(), what);
        assertEquals(-1, decoder.status(), what);
    }

    private static HpackDecoder decode(String block) {
        return decode(new HpackDecoder(), block);
    }

    private static HpackDecoder decode(HpackDecoder decoder, String block) {
        decoder.beginBlock();
        byte[] bytes = hex(block);
        decoder.feed(ByteSource.of(bytes), 0, bytes.length);
        assertTrue(decoder.endBlock());
        return decoder;
    }

    @Test
    void decodingAllocatesNothing() throws Exception {
        // 20,000 blocks from one encoder, in one array; decoded by a warm-up decoder, then by a measured one.
        Random random = new Random(11);
        DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder((name, value) -> false, true, 16, 0);
        int blocks = 20_000;
        byte[][] encoded = new byte[blocks][];
        int[] statuses = new int[blocks];
        int[] grpcStatuses = new int[blocks];
        int total = 0;
        for (int i = 0; i < blocks; i++) {
            Http2Headers headers = randomHeaders(random);
            encoded[i] = encode(encoder, headers);
            statuses[i] = expected(headers, ":status");
            grpcStatuses[i] = expected(headers, "grpc-status");
            total += encoded[i].length;
        }
        byte[] memory = new byte[total];
        int[] starts = new int[blocks + 1];
        for (int i = 0; i < blocks; i++) {
            System.arraycopy(encoded[i], 0, memory, starts[i], encoded[i].length);
            starts[i + 1] = starts[i] + encoded[i].length;
        }
        ByteSource source = ByteSource.of(memory);
        assertEquals(0, decodeAll(new HpackDecoder(), source, starts, statuses, grpcStatuses));

        HpackDecoder decoder = new HpackDecoder();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        int wrong = decodeAll(decoder, source, starts, statuses, grpcStatuses);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(0, wrong);
        assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes decoding " + blocks + " blocks");
    }

    /** Each block in two pieces; returns how many blocks decoded to other values than expected. */
    private static int decodeAll(HpackDecoder decoder, ByteSource source, int[] starts, int[] statuses,
            int[] grpcStatuses) {
        int wrong = 0;
        for (int i = 0; i + 1 < starts.length; i++) {
            int length = starts[i + 1] - starts[i];
            int half = length / 2;
            decoder.beginBlock();
            decoder.feed(source, starts[i], half);
            decoder.feed(source, starts[i] + half, length - half);
            if (!decoder.endBlock() || decoder.status() != statuses[i] || decoder.grpcStatus() != grpcStatuses[i]) {
                wrong++;
            }
        }
        return wrong;
    }

    private static byte[] hex(String text) {
        String digits = text.replace(" ", "");
        byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }
}
