package io.connscope.agent.core.http2;

/**
 * The dynamic table of RFC 7541 §2.3.2 and §4 without its headers: per entry only its name and value lengths (the
 * size rule and a later literal naming it need them), its {@link HeaderKind} and the value recorded for that kind.
 *
 * <p>A ring, newest entry at {@code newest}. Every entry takes at least 32 bytes of the table's size, so a table of
 * {@code maxSize} bytes holds at most {@code maxSize / 32} entries: the ring is made for that many (a power of two)
 * and grows only when a larger size comes in force.
 */
final class HpackDynamicTable {

    /** The 32 bytes RFC 7541 §4.1 adds to every entry's name and value lengths. */
    static final int ENTRY_OVERHEAD = 32;

    /** Name length in the high 16 bits, value length in the low; an entry that fits any allowed table fits here. */
    private int[] lengths;
    private byte[] kinds;
    private int[] values;
    /** A trace header's ids per entry ({@link HeaderKind#trace}); made when the first such entry is added. */
    private long[] traceHighs;
    private long[] traceLows;
    private long[] spanIds;
    private int newest = -1;
    private int count;
    private long size;
    private long maxSize;

    HpackDynamicTable(int maxSize) {
        this.maxSize = maxSize;
        allocate(capacityFor(maxSize));
    }

    int count() {
        return count;
    }

    /** The most {@link #size()} may be, the last size update's (§4.2). */
    long maxSize() {
        return maxSize;
    }

    /** The sum of the entries' sizes, as §4.1 counts it. */
    long size() {
        return size;
    }

    /** {@code d} is 1 for the newest entry, up to {@link #count()}. */
    int nameLength(int d) {
        return lengths[slot(d)] >>> 16;
    }

    int kind(int d) {
        return kinds[slot(d)];
    }

    int value(int d) {
        return values[slot(d)];
    }

    long traceHigh(int d) {
        return traceHighs == null ? 0 : traceHighs[slot(d)];
    }

    long traceLow(int d) {
        return traceLows == null ? 0 : traceLows[slot(d)];
    }

    long spanId(int d) {
        return spanIds == null ? 0 : spanIds[slot(d)];
    }

    /** Adds an entry, evicting the oldest as §4.4 says; one larger than the table empties it and is not added. */
    void add(long nameLength, long valueLength, int kind, int value) {
        add(nameLength, valueLength, kind, value, 0, 0, 0);
    }

    /** {@link #add(long, long, int, int)} for a trace header, with the ids its value held. */
    void add(long nameLength, long valueLength, int kind, int value, long traceHigh, long traceLow, long spanId) {
        long entrySize = nameLength + valueLength + ENTRY_OVERHEAD;
        if (entrySize > maxSize) {
            count = 0;
            size = 0;
            return;
        }
        while (size + entrySize > maxSize) {
            evictOldest();
        }
        newest = (newest + 1) & (lengths.length - 1);
        lengths[newest] = (int) (nameLength << 16 | valueLength);
        kinds[newest] = (byte) kind;
        values[newest] = value;
        if (traceHighs == null && (traceHigh | traceLow | spanId) != 0) {
            traceHighs = new long[lengths.length];
            traceLows = new long[lengths.length];
            spanIds = new long[lengths.length];
        }
        if (traceHighs != null) {
            traceHighs[newest] = traceHigh;
            traceLows[newest] = traceLow;
            spanIds[newest] = spanId;
        }
        count++;
        size += entrySize;
    }

    /** A dynamic table size update (§6.3): evicts down to {@code bytes}, and makes room for more entries if need be. */
    void maxSize(int bytes) {
        maxSize = bytes;
        while (size > maxSize) {
            evictOldest();
        }
        int capacity = capacityFor(bytes);
        if (capacity > lengths.length) {
            grow(capacity);
        }
    }

    private void evictOldest() {
        int oldest = slot(count);
        size -= (lengths[oldest] >>> 16) + (lengths[oldest] & 0xffff) + ENTRY_OVERHEAD;
        count--;
    }

    private int slot(int d) {
        return (newest - d + 1) & (lengths.length - 1);
    }

    private static int capacityFor(int maxSize) {
        int entries = Math.max(1, maxSize / ENTRY_OVERHEAD);
        return entries == 1 ? 1 : Integer.highestOneBit(entries - 1) << 1;
    }

    private void allocate(int capacity) {
        lengths = new int[capacity];
        kinds = new byte[capacity];
        values = new int[capacity];
    }

    private void grow(int capacity) {
        int[] oldLengths = lengths;
        byte[] oldKinds = kinds;
        int[] oldValues = values;
        long[] oldHighs = traceHighs;
        long[] oldLows = traceLows;
        long[] oldSpans = spanIds;
        int oldMask = oldLengths.length - 1;
        allocate(capacity);
        if (oldHighs != null) {
            traceHighs = new long[capacity];
            traceLows = new long[capacity];
            spanIds = new long[capacity];
        }
        // Oldest first, so the newest ends at count - 1.
        for (int i = 0; i < count; i++) {
            int from = (newest - count + 1 + i) & oldMask;
            lengths[i] = oldLengths[from];
            kinds[i] = oldKinds[from];
            values[i] = oldValues[from];
            if (oldHighs != null) {
                traceHighs[i] = oldHighs[from];
                traceLows[i] = oldLows[from];
                spanIds[i] = oldSpans[from];
            }
        }
        newest = count - 1;
    }
}
