package io.connscope.agent.core.http2;

import java.nio.charset.StandardCharsets;

/**
 * The connection-level events of one HTTP/2 connection, per side: SETTINGS_MAX_CONCURRENT_STREAMS, stream resets by
 * code, PINGs (how many, how often, how fast answered) and GOAWAYs. Side 0 is the client, side 1 the server. Not
 * thread-safe: the tracker's lock guards it. Fixed size, whatever the traffic.
 */
final class Http2Activity {

    static final int CLIENT = 0;
    static final int SERVER = 1;
    /** GOAWAYs kept per connection (a graceful shutdown sends two); later ones are counted only. */
    static final int GOAWAYS_KEPT = 4;
    /** PINGs in flight per side whose acknowledgement is awaited (gRPC keeps one, Netty's own at most a few). */
    private static final int PINGS_IN_FLIGHT = 4;

    /** Each side's SETTINGS_MAX_CONCURRENT_STREAMS, -1 while it sent none (no limit). */
    final long[] maxConcurrentStreams = {-1, -1};
    /** The most streams open at once. */
    int maxOpenStreams;

    /** RST_STREAM frames each side sent, by code slot ({@link Http2ErrorCode#slot}); null until the first. */
    int[][] resets;
    /** The peer's first resets, each with its time, stream and code (for span events); later ones are counted only. */
    static final int PEER_RESETS_KEPT = 8;
    int peerResets;
    long[] peerResetAtMillis;
    int[] peerResetStream;
    long[] peerResetCode;

    final int[] pingsSent = new int[2];
    final int[] pingsAcked = new int[2];
    private final long[] firstPingNanos = new long[2];
    private final long[] lastPingNanos = new long[2];
    final long[] minPingIntervalNanos = {Long.MAX_VALUE, Long.MAX_VALUE};
    /** Round trips of this side's PINGs: the time from its write to the read of the peer's ACK. */
    long rttCount;
    long rttMinNanos = Long.MAX_VALUE;
    long rttMaxNanos;
    long rttTotalNanos;
    private final long[][] inFlightPayload = new long[2][PINGS_IN_FLIGHT];
    private final long[][] inFlightNanos = new long[2][PINGS_IN_FLIGHT];
    /**
     * ACKs read before their PING's write was reported: the agent hears of a write when the system call returns,
     * and by then the peer's ACK may have been read on another thread (loopback, a fast peer). Kept per pinging
     * side, the last few, so the PING counts as answered when its write is reported; its round trip is unknown.
     */
    private final long[][] earlyAckPayload = new long[2][PINGS_IN_FLIGHT];
    private final boolean[][] earlyAck = new boolean[2][PINGS_IN_FLIGHT];
    /**
     * A PING flood outruns the slots: per pinging side, PINGs pushed out of {@link #inFlightPayload} while still
     * unanswered, and early ACKs pushed out of {@link #earlyAckPayload}. An ACK that finds no PING is taken to answer
     * an evicted one, and a PING that finds no early ACK a lost early ACK; so a flood of 10,000 PINGs all answered
     * counts 10,000 acknowledged (not the last few), and one never answered counts 10,000 unanswered. Only the
     * round trips of such PINGs are lost.
     */
    private final int[] evictedPings = new int[2];
    private final int[] lostEarlyAcks = new int[2];

    int goAways;
    final boolean[] goAwayFromClient = new boolean[GOAWAYS_KEPT];
    final long[] goAwayAtMillis = new long[GOAWAYS_KEPT];
    final int[] goAwayLastStream = new int[GOAWAYS_KEPT];
    final long[] goAwayCode = new long[GOAWAYS_KEPT];
    /** The debug text of each kept GOAWAY; made at the GOAWAY, which comes once or twice in a connection's life. */
    final String[] goAwayDebug = new String[GOAWAYS_KEPT];

    /**
     * A count one more, stopping at the largest int: a peer can send RST_STREAM, PING and GOAWAY frames without end
     * on one connection, and a count that wrapped would go negative (and index the kept resets below 0).
     */
    static int plusOne(int count) {
        return count == Integer.MAX_VALUE ? count : count + 1;
    }

    void maxConcurrentStreams(boolean fromClient, long value) {
        maxConcurrentStreams[fromClient ? CLIENT : SERVER] = value;
    }

    void noteOpenStreams(int open) {
        if (open > maxOpenStreams) {
            maxOpenStreams = open;
        }
    }

    void reset(boolean fromClient, int streamId, long code, boolean fromPeer, long atMillis) {
        if (resets == null) {
            resets = new int[2][Http2ErrorCode.KNOWN + 1];
        }
        int[] bySide = resets[fromClient ? CLIENT : SERVER];
        int slot = Http2ErrorCode.slot(code);
        bySide[slot] = plusOne(bySide[slot]);
        if (fromPeer) {
            int k = peerResets;
            peerResets = plusOne(k);
            if (k < PEER_RESETS_KEPT) {
                if (peerResetAtMillis == null) {
                    peerResetAtMillis = new long[PEER_RESETS_KEPT];
                    peerResetStream = new int[PEER_RESETS_KEPT];
                    peerResetCode = new long[PEER_RESETS_KEPT];
                }
                peerResetAtMillis[k] = atMillis;
                peerResetStream[k] = streamId;
                peerResetCode[k] = code;
            }
        }
    }

    void ping(boolean fromClient, boolean ack, long payload, long nowNanos, boolean localIsClient) {
        int sender = fromClient ? CLIENT : SERVER;
        if (!ack) {
            int sent = pingsSent[sender];
            pingsSent[sender] = plusOne(sent);
            if (sent == 0) {
                firstPingNanos[sender] = nowNanos;
            } else {
                minPingIntervalNanos[sender] = Math.min(minPingIntervalNanos[sender], nowNanos - lastPingNanos[sender]);
            }
            lastPingNanos[sender] = nowNanos;
            for (int i = 0; i < PINGS_IN_FLIGHT; i++) {
                if (earlyAck[sender][i] && earlyAckPayload[sender][i] == payload) {
                    earlyAck[sender][i] = false;
                    pingsAcked[sender] = plusOne(pingsAcked[sender]);
                    return;
                }
            }
            if (lostEarlyAcks[sender] > 0) {
                lostEarlyAcks[sender]--;
                pingsAcked[sender]++;
                return;
            }
            // Keep it in the first free slot, or over the oldest: a PING never answered must not block the rest.
            int free = 0;
            for (int i = 0; i < PINGS_IN_FLIGHT; i++) {
                if (inFlightNanos[sender][i] == 0) {
                    free = i;
                    break;
                }
                if (inFlightNanos[sender][i] < inFlightNanos[sender][free]) {
                    free = i;
                }
            }
            if (inFlightNanos[sender][free] != 0) {
                evictedPings[sender]++;
            }
            inFlightPayload[sender][free] = payload;
            inFlightNanos[sender][free] = nowNanos;
            return;
        }
        // An ACK answers the other side's PING with the same payload.
        int pinger = 1 - sender;
        for (int i = 0; i < PINGS_IN_FLIGHT; i++) {
            if (inFlightNanos[pinger][i] != 0 && inFlightPayload[pinger][i] == payload) {
                pingsAcked[pinger] = plusOne(pingsAcked[pinger]);
                if ((pinger == CLIENT) == localIsClient) {
                    long rtt = Math.max(0, nowNanos - inFlightNanos[pinger][i]);
                    rttCount++;
                    rttTotalNanos += rtt;
                    rttMinNanos = Math.min(rttMinNanos, rtt);
                    rttMaxNanos = Math.max(rttMaxNanos, rtt);
                }
                inFlightNanos[pinger][i] = 0;
                return;
            }
        }
        if (evictedPings[pinger] > 0) {
            evictedPings[pinger]--;
            pingsAcked[pinger]++;
            return;
        }
        // No PING of the other side's with this payload yet: its write may not have been reported.
        int slot = (int) (payload & (PINGS_IN_FLIGHT - 1));
        if (earlyAck[pinger][slot]) {
            lostEarlyAcks[pinger]++;
        }
        earlyAck[pinger][slot] = true;
        earlyAckPayload[pinger][slot] = payload;
    }

    /** PINGs of the side ({@code client} or not) still awaiting their ACK. */
    int unansweredPings(boolean client) {
        int side = client ? CLIENT : SERVER;
        int n = evictedPings[side];
        for (int i = 0; i < PINGS_IN_FLIGHT; i++) {
            if (inFlightNanos[side][i] != 0) {
                n++;
            }
        }
        return n;
    }

    /** The average time between a side's PINGs, in ns; -1 with fewer than two. */
    long averagePingIntervalNanos(int side) {
        return pingsSent[side] < 2 ? -1 : (lastPingNanos[side] - firstPingNanos[side]) / (pingsSent[side] - 1);
    }

    void goAway(boolean fromClient, int lastStreamId, long code, byte[] debug, int debugLength, long atMillis) {
        int k = goAways;
        goAways = plusOne(k);
        if (k >= GOAWAYS_KEPT) {
            return;
        }
        goAwayFromClient[k] = fromClient;
        goAwayAtMillis[k] = atMillis;
        goAwayLastStream[k] = lastStreamId;
        goAwayCode[k] = code;
        goAwayDebug[k] = debugLength == 0 ? null : new String(debug, 0, debugLength, StandardCharsets.US_ASCII);
    }

    /** {@code goaway_by_server_no_error} and the like, after the first GOAWAY; null when none came. */
    String firstGoAwayReason() {
        if (goAways == 0) {
            return null;
        }
        return (goAwayFromClient[0] ? "goaway_by_client_" : "goaway_by_server_") + Http2ErrorCode.name(goAwayCode[0]);
    }
}
