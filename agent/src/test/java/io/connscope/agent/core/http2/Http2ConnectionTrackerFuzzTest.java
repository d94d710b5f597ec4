package io.connscope.agent.core.http2;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.connscope.agent.core.http.HttpExchange;
import io.connscope.agent.fuzz.FuzzBudget;
import io.connscope.agent.fuzz.Traffic;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP/2 tracker (frame readers and their HPACK decoders) on fuzzed conversations, both directions, through the
 * calls the registry makes for each read and write. The frame reader takes its input byte by byte, so the same bytes
 * split anywhere must give the same result, always. Seeds: {@code Http2ConnectionTrackerFuzzTestInputs/conversation/}.
 */
class Http2ConnectionTrackerFuzzTest {

    @FuzzTest(maxDuration = FuzzBudget.CI)
    void conversation(byte[] input) {
        Traffic traffic = Traffic.conversation(input);
        // Which side this JVM is changes how PINGs and closes are read; the input's length picks one.
        boolean localIsClient = (input.length & 1) == 0;
        assertEquals(run(traffic, false, localIsClient), run(traffic, true, localIsClient),
                "the same bytes in other reads");
    }

    static String run(Traffic traffic, boolean split, boolean localIsClient) {
        List<String> seen = new ArrayList<>();
        Http2ConnectionTracker tracker = new Http2ConnectionTracker(e -> seen.add(describe(e)), localIsClient, 1_000, 0);
        long[] now = {0};
        traffic.feed(split, (fromClient, bytes, address, length) -> {
            if (fromClient) {
                tracker.onClientBytes(bytes, address, length, now[0]);
            } else {
                tracker.onServerBytes(bytes, address, length, now[0]);
            }
            checkBounds(tracker);
        });
        Http2Summary summary = tracker.summary();
        checkBounds(summary);
        String reason = tracker.onClose(false, true, false);
        return "exchanges=" + seen + " requests=" + tracker.requests() + " malformed=" + tracker.traceContextMalformed()
                + " " + describe(summary) + " close=" + reason + "/" + tracker.closeReasonIfPeerFirst();
    }

    static void checkBounds(Http2ConnectionTracker tracker) {
        assertTrue(tracker.openStreams() >= 0 && tracker.openStreams() <= Http2Streams.MAX_TRACKED,
                "open streams " + tracker.openStreams());
        assertTrue(tracker.requests() >= 0, "requests " + tracker.requests());
        assertTrue(tracker.traceContextMalformed() >= 0, "malformed " + tracker.traceContextMalformed());
        for (boolean ofClient : new boolean[] {true, false}) {
            HpackDecoderFuzzTest.checkTable(tracker.decoder(ofClient));
        }
    }

    private static void checkBounds(Http2Summary s) {
        assertTrue(s.clientStreams >= 0 && s.serverStreams >= 0 && s.maxOpenStreams >= 0, "streams");
        assertTrue(s.maxOpenStreams <= Http2Streams.MAX_TRACKED, "max open " + s.maxOpenStreams);
        assertTrue(s.goAwayCount >= 0 && s.goAways.size() <= Http2Activity.GOAWAYS_KEPT, "goaways");
        assertTrue(s.peerResets.size() <= Http2Activity.PEER_RESETS_KEPT, "peer resets");
        assertTrue(s.untrackedStreams >= 0 && s.rttCount >= 0, "untracked, rtt");
        for (Http2Summary.Pings p : new Http2Summary.Pings[] {s.clientPings, s.serverPings}) {
            assertTrue(p.sent >= 0 && p.acked >= 0 && p.unanswered >= 0, "pings");
        }
        s.clientResets.values().forEach(n -> assertTrue(n > 0, "resets"));
        s.serverResets.values().forEach(n -> assertTrue(n > 0, "resets"));
        for (Http2Summary.GoAway g : s.goAways) {
            assertTrue(g.debug == null || g.debug.length() <= Http2FrameReader.DEBUG_MAX, "debug " + g.debug);
        }
    }

    private static String describe(HttpExchange e) {
        assertTrue(e.index >= 1, "index " + e.index);
        return e.index + " " + e.status + " " + e.grpcStatus + " " + e.resetCode + " " + e.startedAtMillis + " "
                + e.traceId + " " + e.spanId + " " + e.sampled;
    }

    private static String describe(Http2Summary s) {
        StringBuilder sb = new StringBuilder();
        sb.append("streams=").append(s.clientStreams).append('/').append(s.serverStreams).append(" maxOpen=")
                .append(s.maxOpenStreams).append(" maxConcurrent=").append(s.clientMaxConcurrentStreams).append('/')
                .append(s.serverMaxConcurrentStreams).append(" resets=").append(s.clientResets).append('/')
                .append(s.serverResets).append(" rtt=").append(s.rttCount).append(" goaways=").append(s.goAwayCount);
        for (Http2Summary.Pings p : new Http2Summary.Pings[] {s.clientPings, s.serverPings}) {
            sb.append(" pings=").append(p.sent).append('/').append(p.acked).append('/').append(p.unanswered);
        }
        for (Http2Summary.GoAway g : s.goAways) {
            sb.append(" goaway=").append(g.from).append(',').append(g.lastStreamId).append(',').append(g.error)
                    .append(',').append(g.debug);
        }
        for (Http2Summary.PeerReset r : s.peerResets) {
            sb.append(" peerReset=").append(r.streamId).append(',').append(r.error);
        }
        return sb.append(" untracked=").append(s.untrackedStreams).append(" undecoded=").append(s.headersUndecoded)
                .append(" unparsed=").append(s.unparsed).toString();
    }
}
