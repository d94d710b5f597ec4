package io.connscope.agent.core.http2;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one HTTP/2 connection showed, copied out of its tracker for reports (JSON Lines, the console line, spans).
 * Sides are named {@code client} and {@code server}, not local and remote: a reader of either end's report sees the
 * same words.
 */
public final class Http2Summary {

    /** Streams each side opened: a client's stream is a request; a server's is a push. */
    public final int clientStreams;
    public final int serverStreams;
    /** The most streams open at once. */
    public final int maxOpenStreams;
    /** SETTINGS_MAX_CONCURRENT_STREAMS as each side sent it: how many streams the *other* may open; -1 for none. */
    public final long clientMaxConcurrentStreams;
    public final long serverMaxConcurrentStreams;
    /** RST_STREAM frames each side sent, by error code name, in code order. */
    public final Map<String, Integer> clientResets;
    public final Map<String, Integer> serverResets;
    public final Pings clientPings;
    public final Pings serverPings;
    /** Round trips of this side's PINGs, in ms: count, min, average, max (0 count: none answered). */
    public final long rttCount;
    public final double rttMinMillis;
    public final double rttAvgMillis;
    public final double rttMaxMillis;
    /** All GOAWAYs; the first {@link Http2Activity#GOAWAYS_KEPT} are in {@link #goAways}. */
    public final int goAwayCount;
    public final List<GoAway> goAways;
    /** The peer's first resets ({@link Http2Activity#PEER_RESETS_KEPT}), with their times; all are in the counts. */
    public final List<PeerReset> peerResets;
    /** Streams open beyond {@link Http2Streams#MAX_TRACKED} at once: counted, not followed. */
    public final long untrackedStreams;
    /** Whether a header block could not be decoded (statuses are then missing from that point). */
    public final boolean headersUndecoded;
    /** Why the frames stopped being followed (a side's bytes stopped parsing as HTTP/2), or null. */
    public final String unparsed;
    /** Whether this side of the connection is the client. */
    public final boolean localIsClient;

    /** One side's PINGs (ACKs not counted as PINGs). */
    public static final class Pings {
        public final int sent;
        /** Of those, acknowledged by the other side. */
        public final int acked;
        /** Still awaiting their ACK. */
        public final int unanswered;
        /** The shortest and the average time between two of this side's PINGs, in ms; -1 with fewer than two. */
        public final double minIntervalMillis;
        public final double avgIntervalMillis;

        Pings(int sent, int acked, int unanswered, double minIntervalMillis, double avgIntervalMillis) {
            this.sent = sent;
            this.acked = acked;
            this.unanswered = unanswered;
            this.minIntervalMillis = minIntervalMillis;
            this.avgIntervalMillis = avgIntervalMillis;
        }
    }

    /** One GOAWAY frame. */
    public static final class GoAway {
        /** {@code client} or {@code server}: who sent it. */
        public final String from;
        public final long atMillis;
        public final int lastStreamId;
        /** The error code's name ({@code no_error}, {@code enhance_your_calm}, ...). */
        public final String error;
        /** Up to 64 bytes of its debug data, non-printable bytes as dots; null when empty. */
        public final String debug;

        GoAway(String from, long atMillis, int lastStreamId, String error, String debug) {
            this.from = from;
            this.atMillis = atMillis;
            this.lastStreamId = lastStreamId;
            this.error = error;
            this.debug = debug;
        }
    }

    /** One RST_STREAM the peer sent. */
    public static final class PeerReset {
        public final long atMillis;
        public final int streamId;
        public final String error;

        PeerReset(long atMillis, int streamId, String error) {
            this.atMillis = atMillis;
            this.streamId = streamId;
            this.error = error;
        }
    }

    Http2Summary(int clientStreams, int serverStreams, Http2Activity a, long untrackedStreams, boolean headersUndecoded,
                 String unparsed, boolean localIsClient) {
        this.clientStreams = clientStreams;
        this.serverStreams = serverStreams;
        this.maxOpenStreams = a.maxOpenStreams;
        this.clientMaxConcurrentStreams = a.maxConcurrentStreams[Http2Activity.CLIENT];
        this.serverMaxConcurrentStreams = a.maxConcurrentStreams[Http2Activity.SERVER];
        this.clientResets = resets(a, Http2Activity.CLIENT);
        this.serverResets = resets(a, Http2Activity.SERVER);
        this.clientPings = pings(a, Http2Activity.CLIENT);
        this.serverPings = pings(a, Http2Activity.SERVER);
        this.rttCount = a.rttCount;
        this.rttMinMillis = a.rttCount == 0 ? 0 : a.rttMinNanos / 1e6;
        this.rttAvgMillis = a.rttCount == 0 ? 0 : a.rttTotalNanos / 1e6 / a.rttCount;
        this.rttMaxMillis = a.rttMaxNanos / 1e6;
        this.goAwayCount = a.goAways;
        List<GoAway> kept = new ArrayList<>();
        for (int i = 0; i < Math.min(a.goAways, Http2Activity.GOAWAYS_KEPT); i++) {
            kept.add(new GoAway(a.goAwayFromClient[i] ? "client" : "server", a.goAwayAtMillis[i], a.goAwayLastStream[i],
                    Http2ErrorCode.name(a.goAwayCode[i]), a.goAwayDebug[i]));
        }
        this.goAways = Collections.unmodifiableList(kept);
        List<PeerReset> resets = new ArrayList<>();
        for (int i = 0; i < Math.min(a.peerResets, Http2Activity.PEER_RESETS_KEPT); i++) {
            resets.add(new PeerReset(a.peerResetAtMillis[i], a.peerResetStream[i], Http2ErrorCode.name(a.peerResetCode[i])));
        }
        this.peerResets = Collections.unmodifiableList(resets);
        this.untrackedStreams = untrackedStreams;
        this.headersUndecoded = headersUndecoded;
        this.unparsed = unparsed;
        this.localIsClient = localIsClient;
    }

    private static Map<String, Integer> resets(Http2Activity a, int side) {
        Map<String, Integer> m = new LinkedHashMap<>();
        if (a.resets != null) {
            for (int slot = 0; slot < a.resets[side].length; slot++) {
                if (a.resets[side][slot] > 0) {
                    m.put(Http2ErrorCode.slotName(slot), a.resets[side][slot]);
                }
            }
        }
        return Collections.unmodifiableMap(m);
    }

    private static Pings pings(Http2Activity a, int side) {
        long avg = a.averagePingIntervalNanos(side);
        return new Pings(a.pingsSent[side], a.pingsAcked[side], a.unansweredPings(side == Http2Activity.CLIENT),
                a.minPingIntervalNanos[side] == Long.MAX_VALUE ? -1 : a.minPingIntervalNanos[side] / 1e6,
                avg < 0 ? -1 : avg / 1e6);
    }

    /** Resets either side sent. */
    public int resetCount() {
        int n = 0;
        for (int v : clientResets.values()) {
            n += v;
        }
        for (int v : serverResets.values()) {
            n += v;
        }
        return n;
    }

    /** This side's PINGs. */
    public Pings localPings() {
        return localIsClient ? clientPings : serverPings;
    }

    /** The peer's PINGs. */
    public Pings peerPings() {
        return localIsClient ? serverPings : clientPings;
    }
}
