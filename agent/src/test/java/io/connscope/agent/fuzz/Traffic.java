package io.connscope.agent.fuzz;

import io.connscope.agent.core.http.ByteSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A fuzz input read as the traffic of one connection: what each side sent, in order, and where the reads split it.
 * The fuzzer chooses both, so a parser meets its bytes cut at arbitrary positions, as real reads cut them.
 *
 * <p>Layout of the input (so that a capture turns into a seed by prefixing a few bytes, {@link #seed}):
 * <pre>
 *   n                  1 byte: how many cuts (mod 33)
 *   cut * n            2 bytes each, big-endian: an offset into the concatenated segments (mod their length)
 *   segment ...        1 byte side (even: the client's, odd: the server's), 2 bytes length, then its bytes
 * </pre>
 * For a one-way parser ({@link #oneWay}) the cuts are followed by the bytes themselves, no segment headers.
 *
 * <p>A segment is one message as its sender wrote it. {@link #feed} hands it over whole, or split at the cuts that
 * fall inside it: the same bytes split differently must give the same result.
 */
public final class Traffic {

    /** The most cuts one input makes; enough to split a head in many places, few enough to keep inputs short. */
    public static final int MAX_CUTS = 32;

    /** One side's bytes, as one write. */
    public static final class Segment {
        public final boolean fromClient;
        public final byte[] bytes;

        Segment(boolean fromClient, byte[] bytes) {
            this.fromClient = fromClient;
            this.bytes = bytes;
        }
    }

    /** Receives the reads. {@code bytes} holds exactly the read: reading outside it fails ({@link #bounded}). */
    public interface Reader {
        void read(boolean fromClient, ByteSource bytes, long address, int length);
    }

    /** A check of one read of the split feeding: {@code read} is part of {@code segment}, its start when {@code first}. */
    public interface ReadTest {
        boolean passes(Segment segment, Segment read, boolean first);
    }

    public final List<Segment> segments;
    /** Offsets into the concatenated segments, sorted, distinct. */
    private final int[] cuts;

    private Traffic(List<Segment> segments, int[] cuts) {
        this.segments = segments;
        this.cuts = cuts;
    }

    /** Both sides' segments. */
    public static Traffic conversation(byte[] input) {
        int[] at = {0};
        int[] raw = rawCuts(input, at);
        List<Segment> segments = new ArrayList<>();
        int p = at[0];
        while (p + 3 <= input.length) {
            boolean fromClient = (input[p] & 1) == 0;
            int length = Math.min((input[p + 1] & 0xff) << 8 | input[p + 2] & 0xff, input.length - p - 3);
            segments.add(new Segment(fromClient, Arrays.copyOfRange(input, p + 3, p + 3 + length)));
            p += 3 + length;
        }
        return new Traffic(segments, cuts(raw, total(segments)));
    }

    /** One side's bytes only (the client's). */
    public static Traffic oneWay(byte[] input) {
        int[] at = {0};
        int[] raw = rawCuts(input, at);
        byte[] bytes = Arrays.copyOfRange(input, at[0], input.length);
        List<Segment> segments = List.of(new Segment(true, bytes));
        return new Traffic(segments, cuts(raw, bytes.length));
    }

    private static int[] rawCuts(byte[] input, int[] at) {
        if (input.length == 0) {
            return new int[0];
        }
        int n = (input[0] & 0xff) % (MAX_CUTS + 1);
        n = Math.min(n, (input.length - 1) / 2);
        int[] raw = new int[n];
        for (int i = 0; i < n; i++) {
            raw[i] = (input[1 + 2 * i] & 0xff) << 8 | input[2 + 2 * i] & 0xff;
        }
        at[0] = 1 + 2 * n;
        return raw;
    }

    private static int total(List<Segment> segments) {
        int total = 0;
        for (Segment s : segments) {
            total += s.bytes.length;
        }
        return total;
    }

    private static int[] cuts(int[] raw, int total) {
        if (total <= 1) {
            return new int[0];
        }
        return Arrays.stream(raw).map(c -> 1 + c % (total - 1)).sorted().distinct().toArray();
    }

    /** All the bytes, both sides, in order. */
    public byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Segment s : segments) {
            out.writeBytes(s.bytes);
        }
        return out.toByteArray();
    }

    /**
     * Hands every segment to {@code reader}: each whole, or split at the cuts inside it. Each read is a fresh copy
     * placed at a nonzero address, bounded to exactly its bytes.
     */
    public void feed(boolean split, Reader reader) {
        feed(split, reader, (segment, whole) -> { });
    }

    /** Told when a segment begins, before its reads (an empty segment has none). */
    public interface SegmentStart {
        void begin(Segment segment, boolean whole);
    }

    /** {@link #feed(boolean, Reader)}, telling {@code start} where each segment begins. */
    public void feed(boolean split, Reader reader, SegmentStart start) {
        reads(split, start, (s, from, to) -> {
            // Placed past a guard, so that the parser's addresses are not array indexes by chance.
            int base = 7;
            byte[] copy = new byte[base + (to - from)];
            System.arraycopy(s.bytes, from, copy, base, to - from);
            reader.read(s.fromClient, bounded(copy, base, to - from), base, to - from);
        });
    }

    /** One read: {@code segment.bytes[from, to)}. */
    private interface Read {
        void read(Segment segment, int from, int to);
    }

    private void reads(boolean split, SegmentStart start, Read read) {
        int offset = 0;
        int c = 0;
        for (Segment s : segments) {
            int from = 0;
            int end = s.bytes.length;
            while (c < cuts.length && cuts[c] <= offset) {
                c++;
            }
            start.begin(s, !split);
            if (split) {
                while (c < cuts.length && cuts[c] < offset + end) {
                    int to = cuts[c] - offset;
                    read.read(s, from, to);
                    from = to;
                    c++;
                }
            }
            if (from < end) {
                read.read(s, from, end);
            }
            offset += end;
        }
    }

    /**
     * Whether each read of the split feeding, checked by {@code test} with whether it starts its segment, passes:
     * a tracker that decides from a read's first bytes whether a message starts there can only decide alike when the
     * reads look alike.
     */
    public boolean splitReadsPass(ReadTest test) {
        boolean[] pass = {true};
        reads(true, (segment, whole) -> { }, (s, from, to) -> {
            if (!test.passes(s, new Segment(s.fromClient, Arrays.copyOfRange(s.bytes, from, to)), from == 0)) {
                pass[0] = false;
            }
        });
        return pass[0];
    }

    /**
     * The bytes {@code [base, base + length)} of {@code array} as a source that fails on any other address: in the
     * agent a source is native memory, and a read past the buffer the kernel filled is a read of someone else's.
     */
    public static ByteSource bounded(byte[] array, int base, int length) {
        return new ByteSource() {
            @Override
            public int byteAt(long address) {
                check(address, 1);
                return array[(int) address] & 0xff;
            }

            @Override
            public long longAt(long address) {
                check(address, 8);
                long v = 0;
                for (int i = 7; i >= 0; i--) {
                    v = (v << 8) | (array[(int) address + i] & 0xff);
                }
                return v;
            }

            private void check(long address, int size) {
                if (address < base || address + size > base + length) {
                    throw new AssertionError("read of " + size + " byte(s) at " + (address - base)
                            + " outside the " + length + " bytes of the read");
                }
            }
        };
    }

    // -- seeds --

    /** A seed: the segments as sent (each at most 64 KiB), no cuts. */
    public static byte[] seed(List<Segment> segments) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        for (Segment s : segments) {
            int length = Math.min(s.bytes.length, 0xffff);
            out.write(s.fromClient ? 0 : 1);
            out.write(length >>> 8);
            out.write(length & 0xff);
            out.write(s.bytes, 0, length);
        }
        return out.toByteArray();
    }

    /** A one-way seed: the bytes, no cuts. */
    public static byte[] oneWaySeed(byte[] bytes) {
        byte[] seed = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, seed, 1, bytes.length);
        return seed;
    }

    public static Segment client(byte[] bytes) {
        return new Segment(true, bytes);
    }

    public static Segment server(byte[] bytes) {
        return new Segment(false, bytes);
    }
}
