package io.connscope.agent.core;

/**
 * Which side ended a connection first, and so which side's kernel holds the TIME_WAIT state.
 *
 * <p>TCP keeps TIME_WAIT on the side that sent the first FIN. A reset (RST) ends the connection on both sides at
 * once and leaves no TIME_WAIT. {@link #decide} turns what the agent saw during the connection's life, plus a
 * look at the socket just before the application closed it, into one of these values.
 */
public enum CloseInitiator {
    /** This side sent the first FIN: this side holds TIME_WAIT. */
    LOCAL("local"),
    /** The peer sent the first FIN (seen as end-of-stream, or pending unread at close): the peer holds TIME_WAIT. */
    REMOTE("remote"),
    /** The peer reset the connection. */
    REMOTE_RESET("remote_reset"),
    /** This side reset the connection (SO_LINGER 0, or closed with unread data, which makes Linux send RST). */
    LOCAL_RESET("local_reset"),
    /** The agent did not see the end (for example the socket was garbage-collected without close). */
    UNKNOWN("unknown");

    private final String wireName;

    CloseInitiator(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** What was decided and the short reason a person reads next to it. */
    public static final class Verdict {
        public final CloseInitiator initiator;
        public final String reason;
        /**
         * The looks at the socket could not order the two FINs (the peer's came while this side's
         * {@code shutdownOutput} ran): the kernel's state of the closed socket tells, read later by
         * {@link #settledByKernel}. Until then {@link #initiator} is this side's best guess.
         */
        public final boolean kernelDecides;
        /**
         * With {@link #kernelDecides}: only a row decides. No look was taken, so a reset (unread bytes at close)
         * cannot be told apart from the peer's FIN first: both leave this side no row.
         */
        final boolean onlyARowDecides;

        Verdict(CloseInitiator initiator, String reason) {
            this(initiator, reason, false, false);
        }

        private Verdict(CloseInitiator initiator, String reason, boolean kernelDecides, boolean onlyARowDecides) {
            this.initiator = initiator;
            this.reason = reason;
            this.kernelDecides = kernelDecides;
            this.onlyARowDecides = onlyARowDecides;
        }

        @Override
        public String toString() {
            return initiator.wireName + " (" + reason + ")";
        }
    }

    /** Linux poll(2) bits, as {@code sun.nio.ch.Net.poll} returns them. */
    public static final int POLLIN = 0x1;
    public static final int POLLERR = 0x8;
    public static final int POLLHUP = 0x10;
    public static final int POLLRDHUP = 0x2000;

    /**
     * Decides who closed first.
     *
     * @param history     what the connection's reads, writes and shutdowns showed
     * @param probe       the socket's state just before the application's close; null when the agent did not see
     *                    the close (socket collected) or could not look
     */
    public static Verdict decide(CloseHistory history, CloseProbe probe) {
        Verdict byHistory = decideFromHistory(history);
        return byHistory != null ? byHistory : decideFromProbe(probe);
    }

    // The verdicts whose reason is fixed text, shared: a close makes none.
    private static final Verdict SHUTDOWN_FIRST = new Verdict(LOCAL, "shutdownOutput sent FIN first");
    private static final Verdict PEER_FIN_BEFORE_SHUTDOWN = new Verdict(REMOTE, "peer FIN pending, unread at shutdownOutput");
    private static final Verdict FINS_MET_AT_SHUTDOWN = new Verdict(LOCAL,
            "the peer's FIN came during shutdownOutput, not checked with the kernel", true, false);
    private static final Verdict FINS_MET_AT_CLOSE = new Verdict(LOCAL,
            "the peer's FIN was in after the close's shutdown, not checked with the kernel", true, false);
    private static final Verdict UNREAD_AT_SHUTDOWN = new Verdict(LOCAL, "the close's shutdown sent FIN first with "
            + "bytes unread: RST when the descriptor closes, unless the peer's FIN comes before");
    /**
     * A held close whose descriptor the selector closed before connscope could look: the peer's FIN may have been in
     * before the close's shutdown, so the kernel's rows tell, when it kept one (this side's, or a peer's on this host).
     */
    static final Verdict NOT_LOOKED_AT = new Verdict(LOCAL,
            "closed by application before connscope looked, not checked with the kernel", true, true);
    private static final Verdict NOT_LOOKED_AT_NO_ROW = new Verdict(LOCAL,
            "closed by application before connscope looked; the kernel kept no row to tell");
    private static final Verdict UNLOOKED_SETTLED_LOCAL = new Verdict(LOCAL,
            "closed by application before connscope looked; the kernel keeps TIME_WAIT here: this side's FIN was first");
    private static final Verdict UNLOOKED_SETTLED_REMOTE = new Verdict(REMOTE,
            "closed by application before connscope looked; the kernel says the peer's FIN was first");
    private static final Verdict SETTLED_LOCAL = new Verdict(LOCAL,
            "the FINs met; the kernel keeps TIME_WAIT here: this side's FIN was first");
    private static final Verdict SETTLED_REMOTE = new Verdict(REMOTE,
            "the FINs met; the kernel keeps no TIME_WAIT here: the peer's FIN was first");
    private static final Verdict PEER_FIN_READ = new Verdict(REMOTE, "peer FIN read as end-of-stream");
    private static final Verdict NOT_SEEN = new Verdict(UNKNOWN, "close not seen");
    private static final Verdict PEER_RESET_PENDING = new Verdict(REMOTE_RESET, "peer reset pending at close");
    private static final Verdict PEER_FIN_PENDING = new Verdict(REMOTE, "peer FIN pending, unread at close");
    private static final Verdict LINGER_ZERO = new Verdict(LOCAL_RESET, "SO_LINGER 0");
    private static final Verdict BY_APPLICATION = new Verdict(LOCAL, "closed by application");

    /**
     * The verdict when the connection's life already tells it (a reset, a time-out, a shutdown or an end-of-stream
     * seen), else null: the socket then need not be looked at before close.
     */
    public static Verdict decideFromHistory(CloseHistory history) {
        if (history == null) {
            return null; // nothing happened before the close that could decide it
        }
        if (history.resetSeen) {
            return new Verdict(REMOTE_RESET, "peer reset seen on " + history.resetSeenOn);
        }
        if (history.timedOut) {
            // Linux aborts the connection itself (an RST when keep-alive probes run out): no FIN, no TIME_WAIT.
            // Without this the poll at close sees the dead socket's HUP and would blame the peer.
            return new Verdict(LOCAL_RESET, "connection timed out on " + history.timedOutOn
                    + ": the kernel gave up (keep-alive probes or retransmissions unanswered)");
        }
        if (history.shutdownOutputNanos != 0 && history.peerFinDuringShutdown
                && (history.eofNanos == 0 || history.eofNanos > history.shutdownOutputNanos)) {
            // No look can order FINs that met: one before the shutdown system call found none pending, one after
            // it found the peer's. Whether the peer's FIN came first is in the kernel's state of the socket.
            return FINS_MET_AT_SHUTDOWN;
        }
        if (history.shutdownOutputNanos != 0 && history.peerFinBeforeShutdown) {
            // A TLS close: close_notify, then shutdownOutput, with the peer's FIN already in, not yet read.
            return PEER_FIN_BEFORE_SHUTDOWN;
        }
        if (history.shutdownOutputNanos != 0
                && (history.eofNanos == 0 || history.shutdownOutputNanos <= history.eofNanos)) {
            return SHUTDOWN_FIRST;
        }
        if (history.eofNanos != 0) {
            return PEER_FIN_READ;
        }
        return null;
    }

    /**
     * The verdict for FINs that met at {@code shutdownOutput}, from the kernel's state of the closed socket:
     * {@code thisSideFirst} when this side's row is in a state only the first FIN's sender passes through
     * (FIN_WAIT1, FIN_WAIT2, CLOSING, TIME_WAIT); otherwise (LAST_ACK, or the row gone) the peer's FIN was first.
     */
    public static Verdict settledByKernel(boolean thisSideFirst) {
        return thisSideFirst ? SETTLED_LOCAL : SETTLED_REMOTE;
    }

    /**
     * The verdict for {@code guess} (one the kernel decides) from the kernel's rows: {@code thisSideFirst} as in
     * {@link #settledByKernel(boolean)}; {@code peerFirst} when this side's row is in CLOSE_WAIT or LAST_ACK, or the
     * peer's (on this host) in a first FIN's state. For a close nobody looked at, no row leaves the guess standing.
     */
    public static Verdict settledByKernel(Verdict guess, boolean thisSideFirst, boolean peerFirst) {
        if (!guess.onlyARowDecides) {
            return settledByKernel(thisSideFirst);
        }
        return thisSideFirst ? UNLOOKED_SETTLED_LOCAL : peerFirst ? UNLOOKED_SETTLED_REMOTE : NOT_LOOKED_AT_NO_ROW;
    }

    /**
     * The verdict for a close whose FIN the JDK sent by a shutdown (a non-blocking channel a selector holds), from
     * the look after it ({@code after}, from {@link #decideFromProbe}): a peer FIN in by then may have come before
     * this side's FIN or after it, so the kernel is to tell. Bytes unread, without the peer's FIN: this side's FIN
     * was first (the reset of a close with unread data comes when the selector closes the descriptor, and not at all
     * if the peer's FIN is in by then). Everything else reads as it would before a close.
     */
    static Verdict decideAfterShutdown(Verdict after) {
        if (after == PEER_FIN_PENDING) {
            return FINS_MET_AT_CLOSE;
        }
        // Unread bytes: this side's FIN went first all the same; the reset comes later, if at all.
        return after.initiator == LOCAL_RESET && after != LINGER_ZERO ? UNREAD_AT_SHUTDOWN : after;
    }

    /** The verdict from a look at the socket just before close; for when {@link #decideFromHistory} gave none. */
    static Verdict decideFromProbe(CloseProbe probe) {
        if (probe == null) {
            return NOT_SEEN;
        }
        if (probe.revents > 0) {
            // An RST sets the socket error (POLLERR) along with HUP and RDHUP, so test it first.
            if ((probe.revents & POLLERR) != 0) {
                return PEER_RESET_PENDING;
            }
            if ((probe.revents & POLLRDHUP) != 0) {
                return PEER_FIN_PENDING;
            }
            if ((probe.revents & POLLIN) != 0 && probe.unreadBytes > 0) {
                return new Verdict(LOCAL_RESET, "closed with " + probe.unreadBytes + " unread bytes, kernel sends RST");
            }
        }
        if (probe.lingerSeconds == 0) {
            return LINGER_ZERO;
        }
        return BY_APPLICATION;
    }

    /** What the agent saw during the connection's life that bears on its end. */
    public static final class CloseHistory {
        /** nanoTime of the first end-of-stream read, 0 if none. */
        public long eofNanos;
        /** nanoTime of the first shutdownOutput, 0 if none. */
        public long shutdownOutputNanos;
        /** The peer's FIN had arrived, unread, when this side shut its output down: the peer was first. */
        public boolean peerFinBeforeShutdown;
        /**
         * The peer's FIN was not in at this side's shutdownOutput but was right after it: the FINs met, and only
         * the kernel knows which was first.
         */
        public boolean peerFinDuringShutdown;
        public boolean resetSeen;
        public String resetSeenOn;
        /** The kernel timed the connection out (ETIMEDOUT on a read or write). */
        public boolean timedOut;
        public String timedOutOn;
        /** For a close whose FINs met: the protocol's reason had the peer's FIN been first (the kernel tells later). */
        public String closeReasonIfPeerFirst;
    }

    /** The socket's state just before close: poll revents (-1 unknown), unread bytes (-1 unknown), SO_LINGER (-1 off or unknown). */
    public static final class CloseProbe {
        public final int revents;
        public final int unreadBytes;
        public final int lingerSeconds;

        public CloseProbe(int revents, int unreadBytes, int lingerSeconds) {
            this.revents = revents;
            this.unreadBytes = unreadBytes;
            this.lingerSeconds = lingerSeconds;
        }
    }
}
