package io.connscope.agent.core.http2;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The open streams of one HTTP/2 connection, in parallel arrays kept compact (a closed stream's slot takes the last
 * one's), found by id through a small open-addressing index (linear probing) beside them: a peer that holds
 * {@link #MAX_TRACKED} streams open no longer makes every HEADERS, END_STREAM and RST_STREAM frame search them all
 * (HostileInputBenchmark's {@code h2-*-1024-open}: a 9-byte frame cost 1024 comparisons). The arrays and the index
 * grow by doubling up to {@link #MAX_TRACKED} (the index twice that, 8 KiB at most); streams opened beyond that are
 * counted but not followed. The places of ids in the index depend on a seed of each connection's, so that a peer
 * cannot pick ids that collide there; if it could, a search would probe at most the open streams.
 * Not thread-safe: the tracker's lock guards it.
 */
final class Http2Streams {

    /** The most open streams followed at once per connection (servers commonly allow 100 to 250). */
    static final int MAX_TRACKED = 1024;

    private static final int CLIENT_ENDED = 1;
    private static final int SERVER_ENDED = 2;
    private static final int BY_CLIENT = 4;
    /** Its exchange was reported already (an upgrade request, as HTTP/1.1). */
    private static final int NOT_REPORTED = 8;
    /** Its request named a trace id and span id ({@link #traceHighs}, ...). */
    private static final int TRACE_IDS = 16;

    private int[] ids = new int[4];
    private int[] indexes = new int[4];
    private int[] flags = new int[4];
    private short[] statuses = new short[4];
    private byte[] grpcStatuses = new byte[4];
    private byte[] resetCodes = new byte[4];
    private long[] startedAtMillis = new long[4];
    private long[] traceHighs = new long[4];
    private long[] traceLows = new long[4];
    private long[] spanIds = new long[4];
    /** 1 sampled, 0 not, -1 not said (or no trace context). */
    private byte[] sampled = new byte[4];
    private int count;
    /** Each open stream's slot + 1 at its id's place (or the next free one after it), 0 where none; half full. */
    private int[] index = new int[8];
    /** Mixed into the ids' places in the index, different on each connection. */
    private final int seed;

    Http2Streams() {
        this(ThreadLocalRandom.current().nextInt());
    }

    /** With a given seed (tests; 0: a peer that knows the code knows the places). */
    Http2Streams(int seed) {
        this.seed = seed;
    }

    /** Written under the tracker's lock, read without it by the reporter. */
    private volatile int clientStreams;
    private int serverStreams;
    private int lastClientStream;
    private long untracked;

    int openCount() {
        return count;
    }

    int clientStreams() {
        return clientStreams;
    }

    int serverStreams() {
        return serverStreams;
    }

    int lastClientStream() {
        return lastClientStream;
    }

    long untracked() {
        return untracked;
    }

    int find(int streamId) {
        int mask = index.length - 1;
        for (int h = home(streamId, mask); ; h = (h + 1) & mask) {
            int e = index[h];
            if (e == 0) {
                return -1;
            }
            if (ids[e - 1] == streamId) {
                return e - 1;
            }
        }
    }

    /**
     * Where an id's entry goes in the index, or starts looking for a free place (ids are mostly consecutive odd). The
     * connection's own seed keeps a peer from picking ids that collide: forced to (HostileInputBenchmark's
     * {@code h2-end-stream-1024-colliding}, without a seed), every search would probe all the open streams.
     */
    int home(int streamId, int mask) {
        int h = (streamId ^ seed) * 0x9e3779b9;
        return (h ^ (h >>> 16)) & mask;
    }

    private void indexSlot(int slot) {
        int mask = index.length - 1;
        int h = home(ids[slot], mask);
        while (index[h] != 0) {
            h = (h + 1) & mask;
        }
        index[h] = slot + 1;
    }

    /** Where in the index the entry of {@code slot} is. */
    private int entryOf(int slot) {
        int mask = index.length - 1;
        int h = home(ids[slot], mask);
        while (index[h] != slot + 1) {
            h = (h + 1) & mask;
        }
        return h;
    }

    /** Takes {@code slot}'s entry out, moving later entries of its run back so that no search stops early. */
    private void unindexSlot(int slot) {
        int mask = index.length - 1;
        int hole = entryOf(slot);
        for (int j = (hole + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int home = home(ids[index[j] - 1], mask);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                index[hole] = index[j];
                hole = j;
            }
        }
        index[hole] = 0;
    }

    /** Opens a stream; returns its slot, or -1 when too many are open to follow another (it is still counted). */
    int open(int streamId, boolean byClient, long nowMillis) {
        int index;
        if (byClient) {
            index = ++clientStreams;
            lastClientStream = Math.max(lastClientStream, streamId);
        } else {
            index = ++serverStreams;
        }
        if (count == ids.length) {
            if (count == MAX_TRACKED) {
                untracked++;
                return -1;
            }
            grow(Math.min(count * 2, MAX_TRACKED));
        }
        int slot = count++;
        ids[slot] = streamId;
        indexes[slot] = index;
        flags[slot] = byClient ? BY_CLIENT : 0;
        statuses[slot] = 0;
        grpcStatuses[slot] = -1;
        resetCodes[slot] = -1;
        startedAtMillis[slot] = nowMillis;
        sampled[slot] = -1;
        indexSlot(slot);
        return slot;
    }

    private void grow(int capacity) {
        ids = Arrays.copyOf(ids, capacity);
        indexes = Arrays.copyOf(indexes, capacity);
        flags = Arrays.copyOf(flags, capacity);
        statuses = Arrays.copyOf(statuses, capacity);
        grpcStatuses = Arrays.copyOf(grpcStatuses, capacity);
        resetCodes = Arrays.copyOf(resetCodes, capacity);
        startedAtMillis = Arrays.copyOf(startedAtMillis, capacity);
        traceHighs = Arrays.copyOf(traceHighs, capacity);
        traceLows = Arrays.copyOf(traceLows, capacity);
        spanIds = Arrays.copyOf(spanIds, capacity);
        sampled = Arrays.copyOf(sampled, capacity);
        index = new int[2 * capacity];
        for (int slot = 0; slot < count; slot++) {
            indexSlot(slot);
        }
    }

    /** The trace context of the stream's request head (ids when {@code hasIds}; sampled 1, 0 or -1). */
    void noteTrace(int slot, boolean hasIds, long traceHigh, long traceLow, long spanId, int sampled) {
        if (hasIds) {
            flags[slot] |= TRACE_IDS;
            traceHighs[slot] = traceHigh;
            traceLows[slot] = traceLow;
            spanIds[slot] = spanId;
        }
        this.sampled[slot] = (byte) sampled;
    }

    boolean hasTraceIds(int slot) {
        return (flags[slot] & TRACE_IDS) != 0;
    }

    long traceHigh(int slot) {
        return traceHighs[slot];
    }

    long traceLow(int slot) {
        return traceLows[slot];
    }

    long spanId(int slot) {
        return spanIds[slot];
    }

    int sampled(int slot) {
        return sampled[slot];
    }

    /** The final status (a 1xx interim response gives way to the next), and a gRPC status from the trailers. */
    void noteStatus(int slot, int status, int grpcStatus) {
        if (status >= 100 && status <= 999 && statuses[slot] < 200) {
            statuses[slot] = (short) status;
        }
        if (grpcStatus >= 0 && grpcStatus <= 127) {
            grpcStatuses[slot] = (byte) grpcStatus;
        }
    }

    void noteReset(int slot, boolean byClient, long code) {
        resetCodes[slot] = (byte) Http2ErrorCode.slot(code);
    }

    /** One side ended its half of the stream; returns whether both halves are now ended. */
    boolean end(int slot, boolean byClient) {
        flags[slot] |= byClient ? CLIENT_ENDED : SERVER_ENDED;
        return (flags[slot] & (CLIENT_ENDED | SERVER_ENDED)) == (CLIENT_ENDED | SERVER_ENDED);
    }

    void remove(int slot) {
        unindexSlot(slot);
        int last = --count;
        if (slot != last) {
            index[entryOf(last)] = slot + 1; // the last stream moves into the slot
        }
        ids[slot] = ids[last];
        indexes[slot] = indexes[last];
        flags[slot] = flags[last];
        statuses[slot] = statuses[last];
        grpcStatuses[slot] = grpcStatuses[last];
        resetCodes[slot] = resetCodes[last];
        startedAtMillis[slot] = startedAtMillis[last];
        traceHighs[slot] = traceHighs[last];
        traceLows[slot] = traceLows[last];
        spanIds[slot] = spanIds[last];
        sampled[slot] = sampled[last];
    }

    void unreported(int slot) {
        flags[slot] |= NOT_REPORTED;
    }

    /** Whether its exchange is to be reported when it ends. */
    boolean reported(int slot) {
        return (flags[slot] & NOT_REPORTED) == 0;
    }

    boolean byClient(int slot) {
        return (flags[slot] & BY_CLIENT) != 0;
    }

    int index(int slot) {
        return indexes[slot];
    }

    int status(int slot) {
        return statuses[slot];
    }

    int grpcStatus(int slot) {
        return grpcStatuses[slot];
    }

    String resetCodeName(int slot) {
        return resetCodes[slot] < 0 ? null : Http2ErrorCode.slotName(resetCodes[slot]);
    }

    long startedAtMillis(int slot) {
        return startedAtMillis[slot];
    }
}
