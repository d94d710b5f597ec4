package io.connscope.agent.core;

import io.connscope.agent.core.CloseInitiator.CloseHistory;
import io.connscope.agent.core.CloseInitiator.CloseProbe;
import org.junit.jupiter.api.Test;

import static io.connscope.agent.core.CloseInitiator.POLLERR;
import static io.connscope.agent.core.CloseInitiator.POLLHUP;
import static io.connscope.agent.core.CloseInitiator.POLLIN;
import static io.connscope.agent.core.CloseInitiator.POLLRDHUP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CloseInitiatorTest {

    private static final CloseProbe QUIET = new CloseProbe(0, -1, -1);

    @Test
    void applicationCloseWithNothingPendingIsLocal() {
        assertEquals(CloseInitiator.LOCAL, CloseInitiator.decide(new CloseHistory(), QUIET).initiator);
    }

    @Test
    void endOfStreamReadFirstIsRemote() {
        CloseHistory h = new CloseHistory();
        h.eofNanos = 10;
        assertEquals(CloseInitiator.REMOTE, CloseInitiator.decide(h, QUIET).initiator);
    }

    @Test
    void ourShutdownOutputBeforeThePeersFinIsLocal() {
        CloseHistory h = new CloseHistory();
        h.shutdownOutputNanos = 5;
        h.eofNanos = 10;
        assertEquals(CloseInitiator.LOCAL, CloseInitiator.decide(h, QUIET).initiator);
    }

    @Test
    void peersFinBeforeOurShutdownOutputIsRemote() {
        CloseHistory h = new CloseHistory();
        h.eofNanos = 5;
        h.shutdownOutputNanos = 10;
        assertEquals(CloseInitiator.REMOTE, CloseInitiator.decide(h, QUIET).initiator);
    }

    @Test
    void finsThatMetAtOurShutdownOutputAreTheKernelsToOrder() {
        CloseHistory h = new CloseHistory();
        h.shutdownOutputNanos = 5;
        h.peerFinDuringShutdown = true;
        h.eofNanos = 10; // a reader thread saw the FIN after the shutdown: still not an order
        CloseInitiator.Verdict guess = CloseInitiator.decide(h, QUIET);
        assertEquals(CloseInitiator.LOCAL, guess.initiator);
        assertTrue(guess.kernelDecides, guess.toString());
        assertTrue(guess.reason.contains("not checked"), guess.reason);
        CloseInitiator.Verdict local = CloseInitiator.settledByKernel(true);
        CloseInitiator.Verdict remote = CloseInitiator.settledByKernel(false);
        assertEquals(CloseInitiator.LOCAL, local.initiator);
        assertEquals(CloseInitiator.REMOTE, remote.initiator);
        assertFalse(local.kernelDecides || remote.kernelDecides);
    }

    /** A selector-held channel's close is looked at after the JDK's shutdown sent this side's FIN. */
    @Test
    void aPeersFinInAfterTheClosesShutdownIsTheKernelsToOrder() {
        CloseInitiator.Verdict met = CloseInitiator.decideAfterShutdown(
                CloseInitiator.decideFromProbe(new CloseProbe(POLLIN | POLLRDHUP, 0, -1)));
        assertEquals(CloseInitiator.LOCAL, met.initiator);
        assertTrue(met.kernelDecides, met.toString());
        CloseInitiator.Verdict unread = CloseInitiator.decideAfterShutdown(
                CloseInitiator.decideFromProbe(new CloseProbe(POLLIN, 40, -1)));
        assertEquals(CloseInitiator.LOCAL, unread.initiator, "this side's FIN went first; a reset may follow");
        assertFalse(unread.kernelDecides);
        // Nothing from the peer, its reset, SO_LINGER 0: as before a close.
        for (CloseProbe look : new CloseProbe[] {QUIET, new CloseProbe(POLLERR | POLLHUP | POLLRDHUP, 0, -1),
                new CloseProbe(0, 0, 0)}) {
            CloseInitiator.Verdict v = CloseInitiator.decideFromProbe(look);
            assertEquals(v, CloseInitiator.decideAfterShutdown(v));
            assertFalse(v.kernelDecides, v.toString());
        }
    }

    /** A close nobody looked at: a reset leaves no row, as the peer's FIN first does; only a row tells. */
    @Test
    void aCloseNobodyLookedAtNeedsARowToBeSettled() {
        CloseInitiator.Verdict guess = CloseInitiator.NOT_LOOKED_AT;
        assertTrue(guess.kernelDecides, guess.toString());
        assertEquals(CloseInitiator.LOCAL, CloseInitiator.settledByKernel(guess, true, false).initiator);
        assertEquals(CloseInitiator.REMOTE, CloseInitiator.settledByKernel(guess, false, true).initiator);
        CloseInitiator.Verdict noRow = CloseInitiator.settledByKernel(guess, false, false);
        assertEquals(CloseInitiator.LOCAL, noRow.initiator, noRow.toString());
        assertFalse(noRow.kernelDecides, noRow.toString());
        // FINs that met were looked at twice: no row there means the peer's FIN was first.
        CloseInitiator.Verdict met = CloseInitiator.decideAfterShutdown(
                CloseInitiator.decideFromProbe(new CloseProbe(POLLIN | POLLRDHUP, 0, -1)));
        assertEquals(CloseInitiator.REMOTE, CloseInitiator.settledByKernel(met, false, false).initiator);
    }

    @Test
    void aSettledRecordKeepsTheKernelsAnswer() {
        ConnectionRecord r = new ConnectionRecord();
        r.history().shutdownOutputNanos = 5;
        r.history().peerFinDuringShutdown = true;
        r.verdict = CloseInitiator.decide(r.history(), QUIET);
        assertTrue(r.closeInitiatorForKernel());
        r.settleCloseInitiator(false, true);
        assertEquals(CloseInitiator.REMOTE, r.closeInitiator());
        assertFalse(r.closeInitiatorForKernel());
        r.settleCloseInitiator(true, false); // once settled, a second answer changes nothing
        assertEquals(CloseInitiator.REMOTE, r.closeInitiator());
    }

    @Test
    void thePeersFinPendingUnreadAtOurShutdownOutputIsRemote() {
        CloseHistory h = new CloseHistory();
        h.shutdownOutputNanos = 5;
        h.peerFinBeforeShutdown = true;
        CloseInitiator.Verdict v = CloseInitiator.decide(h, QUIET);
        assertEquals(CloseInitiator.REMOTE, v.initiator);
        assertEquals("peer FIN pending, unread at shutdownOutput", v.reason);
    }

    @Test
    void aConnectionTheKernelTimedOutIsALocalResetNotThePeersFin() {
        CloseHistory h = new CloseHistory();
        h.timedOut = true;
        h.timedOutOn = "read";
        // What poll shows on the dead socket at close: hang-up, read side shut.
        CloseInitiator.Verdict v = CloseInitiator.decide(h, new CloseProbe(POLLIN | POLLHUP | POLLRDHUP, 0, -1));
        assertEquals(CloseInitiator.LOCAL_RESET, v.initiator);
        assertEquals(true, v.reason.startsWith("connection timed out on read"), v.reason);
    }

    @Test
    void resetSeenWinsOverEverythingElse() {
        CloseHistory h = new CloseHistory();
        h.eofNanos = 5;
        h.resetSeen = true;
        h.resetSeenOn = "read";
        CloseInitiator.Verdict v = CloseInitiator.decide(h, new CloseProbe(0, 0, 0));
        assertEquals(CloseInitiator.REMOTE_RESET, v.initiator);
        assertEquals("peer reset seen on read", v.reason);
    }

    @Test
    void pendingFinNotYetReadIsRemote() {
        CloseInitiator.Verdict v = CloseInitiator.decide(new CloseHistory(), new CloseProbe(POLLIN | POLLRDHUP, 0, -1));
        assertEquals(CloseInitiator.REMOTE, v.initiator);
    }

    @Test
    void pendingResetIsRemoteResetEvenThoughRdhupIsSetToo() {
        // What Linux reports for a socket that received RST: error, hang-up and read-hang-up at once.
        int revents = POLLIN | POLLERR | POLLHUP | POLLRDHUP;
        assertEquals(CloseInitiator.REMOTE_RESET,
                CloseInitiator.decide(new CloseHistory(), new CloseProbe(revents, 0, -1)).initiator);
    }

    @Test
    void unreadDataMakesTheKernelSendReset() {
        CloseInitiator.Verdict v = CloseInitiator.decide(new CloseHistory(), new CloseProbe(POLLIN, 42, -1));
        assertEquals(CloseInitiator.LOCAL_RESET, v.initiator);
        assertEquals("closed with 42 unread bytes, kernel sends RST", v.reason);
    }

    @Test
    void lingerZeroIsLocalReset() {
        assertEquals(CloseInitiator.LOCAL_RESET,
                CloseInitiator.decide(new CloseHistory(), new CloseProbe(0, -1, 0)).initiator);
        assertEquals(CloseInitiator.LOCAL,
                CloseInitiator.decide(new CloseHistory(), new CloseProbe(0, -1, 5)).initiator,
                "a positive linger still closes with FIN");
    }

    @Test
    void closeNotSeenIsUnknownUnlessThePeerHadClosed() {
        assertEquals(CloseInitiator.UNKNOWN, CloseInitiator.decide(new CloseHistory(), null).initiator);
        CloseHistory h = new CloseHistory();
        h.eofNanos = 1;
        assertEquals(CloseInitiator.REMOTE, CloseInitiator.decide(h, null).initiator);
    }

    @Test
    void wireNamesAreTheDocumentedOnes() {
        assertEquals("local", CloseInitiator.LOCAL.wireName());
        assertEquals("remote", CloseInitiator.REMOTE.wireName());
        assertEquals("remote_reset", CloseInitiator.REMOTE_RESET.wireName());
        assertEquals("local_reset", CloseInitiator.LOCAL_RESET.wireName());
        assertEquals("unknown", CloseInitiator.UNKNOWN.wireName());
    }
}
