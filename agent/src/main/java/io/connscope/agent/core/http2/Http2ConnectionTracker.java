package io.connscope.agent.core.http2;

import io.connscope.agent.core.http.ByteSource;
import io.connscope.agent.core.http.CloseReason;
import io.connscope.agent.core.http.HttpConnectionTracker;
import io.connscope.agent.core.http.HttpExchange;
import io.connscope.agent.core.http.TraceHeaders;

/**
 * Follows one HTTP/2 connection from its frames, for any client or server: the streams each side opened (a
 * client's stream is a request), how many were open at once against the server's limit, the streams each side
 * reset and why, the PINGs each side sent and how fast they were answered, and every GOAWAY with its code and debug
 * text. Both directions feed it ({@link #onClientBytes}, {@link #onServerBytes}), possibly from two threads, so its
 * methods synchronize on the tracker: a lock per connection, uncontended in practice. Nothing is allocated per
 * frame; per connection the state is bounded ({@link Http2Streams#MAX_TRACKED} open streams followed, four PINGs in
 * flight per side, {@link Http2Activity#GOAWAYS_KEPT} GOAWAYs kept).
 */
public final class Http2ConnectionTracker {

    private final HttpConnectionTracker.ExchangeListener listener;
    /** Whether this side of the connection is the client (PING round trips are measured for this side's PINGs). */
    private final boolean localIsClient;
    /** Whether streams were still open when the connection closed (set by {@link #onClose}). */
    private boolean streamsOpenAtClose;
    private final long anchorMillis;
    private final long anchorNanos;
    private final Http2FrameReader fromClient = new Http2FrameReader(this, true);
    private final Http2FrameReader fromServer = new Http2FrameReader(this, false);
    private final Http2Streams streams = new Http2Streams();
    private final Http2Activity activity = new Http2Activity();
    private String unparsed;
    /** Malformed trace headers in the clients' header blocks; volatile for the reporter, which reads it unlocked. */
    private volatile int traceContextMalformed;

    /**
     * @param listener      receives each finished stream as an exchange, or null
     * @param localIsClient whether this side is the HTTP/2 client
     * @param anchorMillis  wall-clock time at {@code anchorNanos} on {@link System#nanoTime()}'s clock
     */
    public Http2ConnectionTracker(HttpConnectionTracker.ExchangeListener listener, boolean localIsClient,
                                  long anchorMillis, long anchorNanos) {
        this.listener = listener;
        this.localIsClient = localIsClient;
        this.anchorMillis = anchorMillis;
        this.anchorNanos = anchorNanos;
    }

    /** Whether the first bytes a client sent are the HTTP/2 connection preface (as far as {@code length} shows). */
    public static boolean looksLikePreface(ByteSource bytes, long address, int length) {
        int n = Math.min(length, Http2FrameReader.PREFACE.length);
        if (n < 4) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (bytes.byteAt(address + i) != (Http2FrameReader.PREFACE[i] & 0xff)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the first bytes a server sent are an HTTP/2 SETTINGS frame on stream 0, which every HTTP/2 server
     * sends first (often before it has read the client's preface).
     */
    public static boolean looksLikeServerSettings(ByteSource bytes, long address, int length) {
        if (length < 9) {
            return false;
        }
        int frameLength = bytes.byteAt(address) << 16 | bytes.byteAt(address + 1) << 8 | bytes.byteAt(address + 2);
        return frameLength % 6 == 0 && frameLength <= 6 * 16 && bytes.byteAt(address + 3) == Http2FrameReader.SETTINGS
                && bytes.byteAt(address + 4) == 0 && bytes.byteAt(address + 5) == 0 && bytes.byteAt(address + 6) == 0
                && bytes.byteAt(address + 7) == 0 && bytes.byteAt(address + 8) == 0;
    }

    /** Bytes the client sent (written by a client, read by a server). */
    public synchronized void onClientBytes(ByteSource src, long address, int length, long nowNanos) {
        fromClient.feed(src, address, length, nowNanos);
    }

    /** Bytes the server sent. */
    public synchronized void onServerBytes(ByteSource src, long address, int length, long nowNanos) {
        fromServer.feed(src, address, length, nowNanos);
    }

    /**
     * The connection switched to HTTP/2 from HTTP/1.1 ({@code Upgrade: h2c}, answered 101): the upgrade request is
     * stream 1, opened by the client and already sent whole. It counts as the connection's first request, as it did
     * for HTTP/1.x, which reported it (with status 101), so it is not reported again.
     */
    public synchronized void upgradedFromHttp1(long nowNanos) {
        int slot = open(1, true, nowNanos);
        if (slot >= 0) {
            streams.end(slot, true);
            streams.unreported(slot);
        }
    }

    // -- what the frame readers found --

    void onSetting(boolean fromClient, int id, long value) {
        if (id == Http2FrameReader.SETTINGS_MAX_CONCURRENT_STREAMS) {
            activity.maxConcurrentStreams(fromClient, value);
        } else if (id == Http2FrameReader.SETTINGS_HEADER_TABLE_SIZE) {
            // The table the *other* side's encoder may use for the blocks it sends to this one.
            (fromClient ? this.fromServer : this.fromClient).hpack.maxTableSize(value);
        }
    }

    void onHeaders(boolean fromClient, int streamId, boolean endStream, int status, int grpcStatus, long nowNanos) {
        int slot = streams.find(streamId);
        if (slot < 0 && (streamId & 1) == 1 && streamId > streams.lastClientStream()) {
            // A client stream: normally its HEADERS from the client. A server's answer seen first means another
            // thread read the response before this side's write of the request was reported: open it now.
            slot = open(streamId, true, nowNanos);
        }
        if (slot < 0) {
            if (fromClient) {
                countMalformedTrace();
            }
            return;
        }
        if (!fromClient) {
            streams.noteStatus(slot, status, grpcStatus);
        } else {
            TraceHeaders trace = this.fromClient.hpack.traceContext();
            if (trace != null) {
                // The request head (or, rarely, trailers with trace headers: then those, as the last word).
                if (trace.malformed() > 0) {
                    traceContextMalformed += trace.malformed();
                }
                if (trace.found()) {
                    streams.noteTrace(slot, trace.hasIds(), trace.traceIdHigh(), trace.traceIdLow(), trace.spanId(),
                            trace.sampled());
                }
            }
        }
        if (endStream) {
            endStream(slot, fromClient);
        }
    }

    void onPushPromise(boolean fromClient, int promisedStream, long nowNanos) {
        if (!fromClient && promisedStream != 0 && streams.find(promisedStream) < 0) {
            int slot = open(promisedStream, false, nowNanos);
            if (slot >= 0) {
                // A pushed stream is the server's alone: the client never sends on it, so its half is done.
                streams.end(slot, true);
            }
        }
    }

    void onEndStream(boolean fromClient, int streamId, long nowNanos) {
        int slot = streams.find(streamId);
        if (slot >= 0) {
            endStream(slot, fromClient);
        }
    }

    void onReset(boolean fromClient, int streamId, long code, long nowNanos) {
        activity.reset(fromClient, streamId, code, fromClient != localIsClient, wallMillis(nowNanos));
        int slot = streams.find(streamId);
        if (slot >= 0) {
            streams.noteReset(slot, fromClient, code);
            finish(slot);
        }
    }

    void onPing(boolean fromClient, boolean ack, long payload, long nowNanos) {
        activity.ping(fromClient, ack, payload, nowNanos, localIsClient);
    }

    void onGoAway(boolean fromClient, int lastStreamId, long code, byte[] debug, int debugLength, long nowNanos) {
        activity.goAway(fromClient, lastStreamId, code, debug, debugLength, wallMillis(nowNanos));
    }

    void onUnparsed(boolean fromClient, String why) {
        if (unparsed == null) {
            unparsed = (fromClient ? "client: " : "server: ") + why;
        }
    }

    private int open(int streamId, boolean byClient, long nowNanos) {
        int slot = streams.open(streamId, byClient, wallMillis(nowNanos));
        activity.noteOpenStreams(streams.openCount());
        return slot;
    }

    /** A time on the monotonic clock as wall-clock ms, from the connection's open time on both. */
    private long wallMillis(long nowNanos) {
        return anchorMillis + Math.floorDiv(nowNanos - anchorNanos, 1_000_000L);
    }

    private void endStream(int slot, boolean fromClient) {
        if (streams.end(slot, fromClient)) {
            finish(slot);
        }
    }

    /** A stream closed: its exchange is reported (a client's), and it no longer counts as open. */
    private void finish(int slot) {
        if (listener != null && streams.byClient(slot) && streams.reported(slot)) {
            boolean ids = streams.hasTraceIds(slot);
            listener.onExchange(HttpExchange.ofHttp2Stream(streams.index(slot), streams.status(slot),
                    streams.grpcStatus(slot), streams.resetCodeName(slot), streams.startedAtMillis(slot),
                    ids ? TraceHeaders.traceIdHex(streams.traceHigh(slot), streams.traceLow(slot)) : null,
                    ids ? TraceHeaders.spanIdHex(streams.spanId(slot)) : null, streams.sampled(slot)));
        }
        streams.remove(slot);
    }

    /** The HPACK decoder of one direction's header blocks (tests check its table against its bounds). */
    HpackDecoder decoder(boolean ofClient) {
        return (ofClient ? fromClient : fromServer).hpack;
    }

    /** Open streams followed now (tests check it against {@link Http2Streams#MAX_TRACKED}). */
    synchronized int openStreams() {
        return streams.openCount();
    }

    // -- what the connection showed --

    /** A client's block on a stream not followed (too many open): its malformed trace headers still count. */
    private void countMalformedTrace() {
        TraceHeaders trace = fromClient.hpack.traceContext();
        if (trace != null && trace.malformed() > 0) {
            traceContextMalformed += trace.malformed();
        }
    }

    /** Malformed trace headers the clients' requests carried (each ignored). Read without the lock. */
    public int traceContextMalformed() {
        return traceContextMalformed;
    }

    /** Requests: the streams clients opened. Read without the lock by the reporter (a volatile int). */
    public int requests() {
        return streams.clientStreams();
    }

    /** A snapshot of what was seen so far, for reports. */
    public synchronized Http2Summary summary() {
        return new Http2Summary(streams.clientStreams(), streams.serverStreams(), activity, streams.untracked(),
                fromClient.hpack.broken() || fromServer.hpack.broken(), unparsed, localIsClient);
    }

    /**
     * The connection ended: reports the streams still open, and says why the connection ended as far as HTTP/2
     * explains it. The first GOAWAY decides (its sender and code); then a PING of this side left unanswered (a
     * keep-alive that timed out); then the TCP close as for HTTP/1.x.
     *
     * @param closedByPeer whether the peer closed first (its FIN came first)
     * @param peerReset    whether the peer reset the connection
     * @param localReset   whether this side reset it
     */
    public synchronized String onClose(boolean closedByPeer, boolean peerReset, boolean localReset) {
        streamsOpenAtClose = streams.openCount() > 0;
        for (int slot = streams.openCount() - 1; slot >= 0; slot--) {
            finish(slot);
        }
        return closeReason(closedByPeer, peerReset, localReset);
    }

    /**
     * After {@link #onClose}: the reason had the peer's FIN come first, for a close whose FINs met and whose order
     * the kernel tells later ({@code CloseInitiator.Verdict#kernelDecides}).
     */
    public synchronized String closeReasonIfPeerFirst() {
        return closeReason(true, false, false);
    }

    private String closeReason(boolean closedByPeer, boolean peerReset, boolean localReset) {
        boolean streamsOpen = streamsOpenAtClose;
        String goAway = activity.firstGoAwayReason();
        if (goAway != null) {
            return goAway;
        }
        if (!closedByPeer && !peerReset && activity.unansweredPings(localIsClient) > 0) {
            return CloseReason.PING_UNANSWERED;
        }
        if (streamsOpen && (closedByPeer || peerReset || localReset)) {
            return CloseReason.ERROR;
        }
        if (closedByPeer || peerReset) {
            return localIsClient ? CloseReason.STALE : CloseReason.PEER_CLOSED_IDLE;
        }
        return CloseReason.APPLICATION_CLOSE;
    }
}
