package io.connscope.agent.core.http2;

import io.connscope.agent.core.http.ByteSource;
import io.connscope.agent.core.http.TraceHeaders;

/**
 * Decodes the header blocks one side of an HTTP/2 connection sends, keeping only what connscope records: the
 * {@code :status} and {@code grpc-status} of each block, and its trace context (the values of {@code traceparent},
 * {@code b3} and {@code x-b3-*} go symbol by symbol into {@link TraceHeaders}; {@code tracestate}, {@code baggage}
 * and every other header are skipped like any other).
 *
 * <p>Every representation of RFC 7541 is followed, so the dynamic table stays in step with the sender's encoder,
 * but no header name or value is stored: a name is compared with the kept names as its bytes (or Huffman symbols)
 * arrive, a kept value's digits are summed as they arrive, and everything else is skipped. Blocks may be split at
 * any byte, across CONTINUATION frames and socket reads; all state between two bytes is a handful of ints.
 *
 * <p>A Huffman-coded string is decoded when its symbols matter: a name (it may be a kept one), a kept value, or
 * any string of a field added to the table (its decoded length is the entry's size). The rest, such as the value of
 * a field sent without indexing, is skipped undecoded, so a bad padding there goes unnoticed: it changes nothing
 * recorded, and the receiver's own decoder fails the connection for it.
 *
 * <p>Nothing is allocated while decoding, except the dynamic table's ring when a size update makes it larger than
 * ever before (at most once per doubling, up to {@link #TABLE_SIZE_CAP}). Not thread-safe: the caller serializes
 * the bytes of one direction.
 */
public final class HpackDecoder {

    /** The largest dynamic table followed; a larger one breaks the decoder rather than costing the host memory. */
    static final int TABLE_SIZE_CAP = 64 * 1024;
    /** SETTINGS_HEADER_TABLE_SIZE's initial value (RFC 9113 §6.5.2), which is also the encoder's starting size. */
    private static final int DEFAULT_TABLE_SIZE = 4096;

    /** What the next byte is: a representation's first byte, an integer's continuation, a string's first byte, ... */
    private static final int REPRESENTATION = 0;
    private static final int INTEGER = 1;
    private static final int STRING_START = 2;
    /** ... or one of a string's octets. */
    private static final int STRING = 3;

    /** What the integer being read is. */
    private static final int FIELD_INDEX = 0;
    private static final int NAME_INDEX = 1;
    private static final int TABLE_SIZE = 2;
    private static final int STRING_LENGTH = 3;

    private final HpackDynamicTable table = new HpackDynamicTable(DEFAULT_TABLE_SIZE);
    private long maxTableSize = DEFAULT_TABLE_SIZE;
    private boolean broken;
    private int status = -1;
    private int grpcStatus = -1;
    /** The block's trace headers; made when the first one comes (most connections carry none). */
    private TraceHeaders trace;
    /** Whether the current block had a trace header. */
    private boolean traced;

    private int state = REPRESENTATION;
    private int integerOf;
    private long integer;
    private int shift;

    /** The field being read: whether it goes into the dynamic table, its kind and name length once known. */
    private boolean indexing;
    private int kind;
    private long nameLength;

    /** The string being read: the name's or the value's. */
    private boolean inValue;
    private boolean huffman;
    /** Whether its Huffman symbols are needed (its decoded length or its content); if not, it is skipped unread. */
    private boolean decode;
    private int huffmanState;
    private long stringLength;
    private int remaining;
    private long symbols;
    /** A name's kinds still matching after {@link #matched} symbols. */
    private int candidates;
    private int matched;
    /** Whether the value being read is a trace header's, fed to {@link #trace}. */
    private boolean tracing;
    /** A kept value's number so far, while it is still a valid one. */
    private boolean numeric;
    private int number;
    private int digits;

    /** A decoder at the start of a connection: empty dynamic table, default table size. */
    public HpackDecoder() {
    }

    /**
     * The receiver's SETTINGS_HEADER_TABLE_SIZE (default 4096): the most the sender's encoder may use. A dynamic
     * table size update above it, or above the internal cap of 64 KiB, makes the decoder broken.
     *
     * <p>A setting below the table's current size shrinks the table at once, since the encoder may use no more
     * (RFC 7541 §4.2); a larger one takes effect with the size update the encoder sends to use it. Call this when
     * the sender has the setting (it acknowledged the SETTINGS frame).
     */
    public void maxTableSize(long bytes) {
        maxTableSize = Math.max(0, bytes);
        if (maxTableSize < table.maxSize()) {
            table.maxSize((int) maxTableSize);
        }
    }

    /**
     * A new header block begins (first fragment of a HEADERS or PUSH_PROMISE). status()/grpcStatus() go back to -1.
     * If the previous block stopped mid-representation without {@link #endBlock()}, the decoder becomes broken.
     */
    public void beginBlock() {
        if (state != REPRESENTATION) {
            // The last block was left mid-representation: whether it added an entry is unknown.
            breakDown();
        }
        status = -1;
        grpcStatus = -1;
        traced = false;
        if (trace != null) {
            trace.begin();
        }
    }

    /**
     * The trace context of the last complete block, resolved ({@link TraceHeaders#resolve}), or null when the block
     * had no trace header (or the decoder is broken).
     */
    public TraceHeaders traceContext() {
        if (!traced || broken) {
            return null;
        }
        trace.resolve();
        return trace;
    }

    /**
     * The next fragment bytes of the current block: {@code src.byteAt(address)} .. {@code address + length - 1}.
     * Blocks may be split at any byte. Once {@link #broken()}, this does nothing.
     */
    public void feed(ByteSource src, long address, int length) {
        int i = 0;
        while (i < length && !broken) {
            if (state == STRING) {
                int n = Math.min(remaining, length - i);
                stringBytes(src, address + i, n);
                i += n;
                remaining -= n;
                if (remaining == 0 && !broken) {
                    endString();
                }
                continue;
            }
            int b = src.byteAt(address + i++);
            if (state == REPRESENTATION) {
                representation(b);
            } else if (state == INTEGER) {
                integerByte(b);
            } else {
                huffman = b >= 0x80;
                startInteger(b, 7, STRING_LENGTH);
            }
        }
    }

    /**
     * END_HEADERS: the block is complete. Returns false if the block ended mid-representation or was malformed; the
     * decoder is then broken, since its table may no longer match the sender's.
     */
    public boolean endBlock() {
        if (state != REPRESENTATION) {
            breakDown();
        }
        return !broken;
    }

    /** {@code :status} of the last complete block (e.g. 200), -1 when it had none or not a valid 3-digit number. */
    public int status() {
        return status;
    }

    /** {@code grpc-status} of the last complete block: a non-negative number of up to 9 digits, else -1. */
    public int grpcStatus() {
        return grpcStatus;
    }

    /**
     * Whether decoding gave up for good on this connection (bad encoding, table beyond the cap, index out of
     * range): the caller counts that and stops feeding. Once broken, {@link #feed} is a no-op.
     */
    public boolean broken() {
        return broken;
    }

    /** Dynamic table entries, for tests. */
    int tableCount() {
        return table.count();
    }

    /** Dynamic table size as RFC 7541 §4.1 counts it, for tests. */
    long tableSize() {
        return table.size();
    }

    /** The dynamic table's limit now (the last size update's), for tests. */
    long tableMaxSize() {
        return table.maxSize();
    }

    /** The first byte of a representation (RFC 7541 §6): its pattern says the kind and the prefix of its integer. */
    private void representation(int b) {
        if (b >= 0x80) {
            startInteger(b, 7, FIELD_INDEX);
        } else if (b >= 0x40) {
            indexing = true;
            startInteger(b, 6, NAME_INDEX);
        } else if (b >= 0x20) {
            startInteger(b, 5, TABLE_SIZE);
        } else {
            // Without indexing (0000) and never indexed (0001) read alike; neither touches the table.
            indexing = false;
            startInteger(b, 4, NAME_INDEX);
        }
    }

    /** An integer's first byte (RFC 7541 §5.1): done unless its prefix is all ones. */
    private void startInteger(int b, int prefixBits, int of) {
        int max = (1 << prefixBits) - 1;
        int value = b & max;
        integerOf = of;
        if (value < max) {
            integerDone(value);
        } else {
            integer = value;
            shift = 0;
            state = INTEGER;
        }
    }

    private void integerByte(int b) {
        integer += (long) (b & 0x7f) << shift;
        shift += 7;
        if (integer > Integer.MAX_VALUE) {
            breakDown();
        } else if (b < 0x80) {
            integerDone((int) integer);
        } else if (shift >= 35) {
            // Five continuation bytes hold any int; a sixth is padding with zeros at best.
            breakDown();
        }
    }

    private void integerDone(int value) {
        switch (integerOf) {
            case FIELD_INDEX:
                indexedField(value);
                break;
            case NAME_INDEX:
                fieldName(value);
                break;
            case TABLE_SIZE:
                tableSizeUpdate(value);
                break;
            default:
                startString(value);
                break;
        }
    }

    private boolean inRange(int index) {
        return index >= 1 && index <= HpackStaticTable.LENGTH + table.count();
    }

    private void indexedField(int index) {
        if (!inRange(index)) {
            breakDown();
            return;
        }
        if (index <= HpackStaticTable.LENGTH) {
            record(HpackStaticTable.kind(index), HpackStaticTable.value(index));
        } else {
            int d = index - HpackStaticTable.LENGTH;
            int entryKind = table.kind(d);
            if (HeaderKind.trace(entryKind)) {
                // The same trace header again (a retry, say): what its value held when it was added.
                traceHeaders().replay(entryKind - HeaderKind.TRACE, table.value(d), table.traceHigh(d),
                        table.traceLow(d), table.spanId(d));
                traced = true;
            } else {
                record(entryKind, table.value(d));
            }
        }
        state = REPRESENTATION;
    }

    /** A literal's name: 0 when a string follows, else the index of an entry whose name it takes. */
    private void fieldName(int index) {
        if (index == 0) {
            inValue = false;
            state = STRING_START;
            return;
        }
        if (!inRange(index)) {
            breakDown();
            return;
        }
        if (index <= HpackStaticTable.LENGTH) {
            kind = HpackStaticTable.kind(index);
            nameLength = HpackStaticTable.nameLength(index);
        } else {
            kind = table.kind(index - HpackStaticTable.LENGTH);
            nameLength = table.nameLength(index - HpackStaticTable.LENGTH);
        }
        inValue = true;
        state = STRING_START;
    }

    private void tableSizeUpdate(int bytes) {
        if (bytes > maxTableSize || bytes > TABLE_SIZE_CAP) {
            breakDown();
            return;
        }
        table.maxSize(bytes);
        state = REPRESENTATION;
    }

    private void startString(int length) {
        stringLength = length;
        remaining = length;
        symbols = 0;
        huffmanState = HpackHuffman.START;
        if (inValue) {
            numeric = HeaderKind.numeric(kind);
            number = 0;
            digits = 0;
            tracing = HeaderKind.trace(kind);
            if (tracing) {
                traceHeaders().beginValue(kind - HeaderKind.TRACE);
                traced = true;
            }
        } else {
            // A raw name's length rules out most kept names before its first byte.
            candidates = huffman ? HeaderKind.ALL : HeaderKind.withLength(length);
            matched = 0;
        }
        // A Huffman string's decoded length is its size in the table, so it is decoded whenever the field is added.
        decode = huffman && (indexing || tracking());
        if (length == 0) {
            endString();
        } else {
            state = STRING;
        }
    }

    /** Whether the string's content still matters: a name that may be a kept one, a kept value still a number. */
    private boolean tracking() {
        return inValue ? numeric || tracing : candidates != 0;
    }

    private void stringBytes(ByteSource src, long address, int n) {
        if (huffman) {
            if (decode) {
                huffmanBytes(src, address, n);
            }
            return;
        }
        for (int k = 0; k < n && tracking(); k++) {
            symbol(src.byteAt(address + k));
        }
    }

    private void huffmanBytes(ByteSource src, long address, int n) {
        int t = huffmanState;
        for (int k = 0; k < n; k++) {
            int b = src.byteAt(address + k);
            t = HpackHuffman.next(t, b >>> 4);
            if ((t & (HpackHuffman.EMIT | HpackHuffman.FAIL)) != 0 && !emitted(t)) {
                return;
            }
            t = HpackHuffman.next(t, b & 0xf);
            if ((t & (HpackHuffman.EMIT | HpackHuffman.FAIL)) != 0 && !emitted(t)) {
                return;
            }
        }
        huffmanState = t;
    }

    /** A Huffman transition that completed a symbol or spelled EOS; false (and broken) for EOS. */
    private boolean emitted(int transition) {
        if ((transition & HpackHuffman.FAIL) != 0) {
            breakDown();
            return false;
        }
        symbols++;
        if (tracking()) {
            symbol(transition & 0xff);
        }
        return true;
    }

    private void symbol(int c) {
        if (!inValue) {
            candidates = HeaderKind.narrow(candidates, matched++, c);
        } else if (tracing) {
            trace.valueByte(c);
        } else if (c < '0' || c > '9' || digits == HeaderKind.maxDigits(kind)) {
            numeric = false;
        } else {
            number = number * 10 + c - '0';
            digits++;
        }
    }

    private void endString() {
        if (decode && !HpackHuffman.accepts(huffmanState)) {
            // A partial symbol, or padding that is not 1 to 7 ones (RFC 7541 §5.2).
            breakDown();
            return;
        }
        long length = huffman ? symbols : stringLength;
        if (!inValue) {
            kind = HeaderKind.matched(candidates, length);
            nameLength = length;
            inValue = true;
            state = STRING_START;
            return;
        }
        if (tracing) {
            tracing = false;
            trace.endValue();
            if (indexing) {
                table.add(nameLength, length, kind, trace.lastValueOutcome(), trace.lastValueHigh(),
                        trace.lastValueLow(), trace.lastValueSpan());
            }
            state = REPRESENTATION;
            return;
        }
        int value = numeric ? HeaderKind.number(kind, number, digits) : -1;
        record(kind, value);
        if (indexing) {
            table.add(nameLength, length, kind, value);
        }
        state = REPRESENTATION;
    }

    private void record(int kind, int value) {
        if (kind == HeaderKind.STATUS) {
            status = value;
        } else if (kind == HeaderKind.GRPC_STATUS) {
            grpcStatus = value;
        }
    }

    private TraceHeaders traceHeaders() {
        if (trace == null) {
            trace = new TraceHeaders();
            trace.begin();
        }
        return trace;
    }

    private void breakDown() {
        broken = true;
        tracing = false;
        status = -1;
        grpcStatus = -1;
    }
}
