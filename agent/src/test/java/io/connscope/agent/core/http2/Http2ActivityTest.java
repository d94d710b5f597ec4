package io.connscope.agent.core.http2;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** PING bookkeeping under floods: more PINGs in flight than the few slots that time their round trips. */
class Http2ActivityTest {

    private static final int FLOOD = 10_000;

    @Test
    void aFloodOfPingsAllAnsweredCountsEachAcknowledged() {
        Http2Activity a = new Http2Activity();
        for (int i = 0; i < FLOOD; i++) {
            a.ping(true, false, i, 1 + i, true);
        }
        for (int i = 0; i < FLOOD; i++) {
            a.ping(false, true, i, 1 + FLOOD + i, true);
        }
        assertEquals(FLOOD, a.pingsSent[Http2Activity.CLIENT]);
        assertEquals(FLOOD, a.pingsAcked[Http2Activity.CLIENT]);
        assertEquals(0, a.unansweredPings(true));
        assertEquals(0, a.pingsSent[Http2Activity.SERVER]);
    }

    @Test
    void aFloodOfPingsNeverAnsweredCountsEachUnanswered() {
        Http2Activity a = new Http2Activity();
        for (int i = 0; i < FLOOD; i++) {
            a.ping(true, false, i, 1 + i, true);
        }
        assertEquals(0, a.pingsAcked[Http2Activity.CLIENT]);
        assertEquals(FLOOD, a.unansweredPings(true));
    }

    @Test
    void acknowledgementsReadBeforeTheirPingsWriteWasReportedCountEach() {
        // Loopback: the peer's ACKs are read on another thread before the big write of the PINGs is reported.
        Http2Activity a = new Http2Activity();
        for (int i = 0; i < FLOOD; i++) {
            a.ping(false, true, i, 1 + i, true);
        }
        for (int i = 0; i < FLOOD; i++) {
            a.ping(true, false, i, 1 + FLOOD + i, true);
        }
        assertEquals(FLOOD, a.pingsAcked[Http2Activity.CLIENT]);
        assertEquals(0, a.unansweredPings(true));
    }

    @Test
    void halfAnsweredFloodInterleavedCountsExactly() {
        Http2Activity a = new Http2Activity();
        long now = 1;
        for (int i = 0; i < FLOOD; i++) {
            a.ping(false, false, i, now++, true);
            if (i % 2 == 0) {
                a.ping(true, true, i, now++, true);
            }
        }
        assertEquals(FLOOD, a.pingsSent[Http2Activity.SERVER]);
        assertEquals(FLOOD / 2, a.pingsAcked[Http2Activity.SERVER]);
        assertEquals(FLOOD / 2, a.unansweredPings(false));
    }
}
