package io.connscope.agent.kernel;

import java.nio.ByteOrder;

/**
 * One row of /proc/net/tcp or /proc/net/tcp6, parsed in place (one instance is reused for every row).
 *
 * <p>The row is printed by the kernel's {@code get_tcp4_sock} / {@code get_tcp6_sock} (net/ipv4/tcp_ipv4.c,
 * net/ipv6/tcp_ipv6.c; TIME_WAIT rows by {@code get_timewait4_sock}):
 * <pre>
 *   sl  local_address rem_address   st tx_queue:rx_queue tr:tm-&gt;when retrnsmt   uid  timeout inode ...
 *    1: 0100007F:D564 0100007F:C505 01 00000000:00000000 02:0000001C 00000000     0        0 808304 ...
 * </pre>
 * {@code tr} is which timer runs: 0 none, 1 retransmit (also loss probe, reordering), 2 {@code sk_timer}, which for
 * an open connection is the keep-alive timer, 3 TIME_WAIT, 4 zero-window probe. {@code tm->when} is when it fires,
 * in clock ticks (USER_HZ) from now. {@code retrnsmt} is {@code icsk_retransmits}; the column headed
 * {@code timeout} is {@code icsk_probes_out}: keep-alive (and zero-window) probes sent and not answered, reset to 0
 * by any ACK from the peer ({@code tcp_ack}) and incremented by {@code tcp_keepalive_timer} for each probe sent.
 * Addresses are the kernel's 32-bit words printed with {@code %08X}, so on a little-endian machine each word's
 * bytes appear reversed.
 */
public final class TcpRow {

    public static final int ESTABLISHED = 0x01;
    public static final int FIN_WAIT1 = 0x04;
    public static final int FIN_WAIT2 = 0x05;
    public static final int TIME_WAIT = 0x06;
    public static final int CLOSE_WAIT = 0x08;
    public static final int LAST_ACK = 0x09;
    public static final int LISTEN = 0x0A;
    public static final int CLOSING = 0x0B;
    /** {@code tr} of a row whose keep-alive timer runs. */
    public static final int TIMER_KEEPALIVE = 2;

    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    /** The 4-tuple, with IPv4 addresses in their IPv4-mapped form. */
    final Endpoints endpoints = new Endpoints();
    int state;
    int timer;
    long timerTicks;
    int retransmits;
    int probesOut;
    private final Cursor cursor = new Cursor();

    public int state() {
        return state;
    }

    /**
     * Whether a closed socket in {@code state} sent its FIN before the peer's arrived (RFC 793's active close:
     * FIN_WAIT1, FIN_WAIT2, and CLOSING when the FINs crossed, then TIME_WAIT). The passive side goes CLOSE_WAIT,
     * LAST_ACK, then away.
     */
    public static boolean sentTheFirstFin(int state) {
        return state == FIN_WAIT1 || state == FIN_WAIT2 || state == CLOSING || state == TIME_WAIT;
    }

    /** Whether a socket in {@code state} got the peer's FIN before it sent its own (the passive close). */
    public static boolean gotTheFirstFin(int state) {
        return state == CLOSE_WAIT || state == LAST_ACK;
    }

    public int timer() {
        return timer;
    }

    public long timerTicks() {
        return timerTicks;
    }

    public int retransmits() {
        return retransmits;
    }

    /** Keep-alive (or zero-window) probes sent without an answer: {@code icsk_probes_out}. */
    public int probesOut() {
        return probesOut;
    }

    public Endpoints endpoints() {
        return endpoints;
    }

    /**
     * Parses {@code line[from, to)}; false for the header or anything that is not a row (the row is then undefined).
     */
    public boolean parse(byte[] line, int from, int to) {
        Cursor c = cursor.reset(line, from, to);
        // "   1:" - the slot number ends with a colon; the header starts with "sl".
        if (!c.skipSpaces() || !Character.isDigit(line[c.pos])) {
            return false;
        }
        while (c.pos < to && line[c.pos] != ':') {
            c.pos++;
        }
        c.pos++;
        if (!c.skipSpaces() || !address(c, true) || !c.skipSpaces() || !address(c, false) || !c.skipSpaces()) {
            return false;
        }
        state = (int) c.hex(2);
        // tx_queue:rx_queue
        if (!c.skipSpaces() || c.hex(8) < 0 || !c.expect(':') || c.hex(8) < 0) {
            return false;
        }
        if (!c.skipSpaces()) {
            return false;
        }
        timer = (int) c.hex(2);
        if (!c.expect(':')) {
            return false;
        }
        // tm->when is printed with %08lX of a signed delta: a timer that is overdue shows as a huge number.
        timerTicks = c.hex(16);
        if (!c.skipSpaces()) {
            return false;
        }
        retransmits = (int) c.hex(8);
        // uid (decimal), then icsk_probes_out (decimal, the "timeout" column)
        if (!c.skipSpaces() || c.decimal() < 0 || !c.skipSpaces()) {
            return false;
        }
        long probes = c.decimal();
        // The kernel prints icsk_probes_out, a u8; a number past an int is no row (found by fuzzing: it went negative).
        if (probes < 0 || probes > Integer.MAX_VALUE || state < 0 || timer < 0 || retransmits < 0) {
            return false;
        }
        probesOut = (int) probes;
        return true;
    }

    /** {@code HEXADDR:HEXPORT}: 8 hex digits for IPv4, 32 for IPv6. */
    private boolean address(Cursor c, boolean local) {
        int start = c.pos;
        while (c.pos < c.end && c.line[c.pos] != ':') {
            c.pos++;
        }
        int digits = c.pos - start;
        long high;
        long low;
        if (digits == 8) {
            long w = word(c, start);
            high = 0;
            low = w < 0 ? -1 : 0xffff_0000_0000L | w;
        } else if (digits == 32) {
            long w0 = word(c, start);
            long w1 = word(c, start + 8);
            long w2 = word(c, start + 16);
            long w3 = word(c, start + 24);
            if (w0 < 0 || w1 < 0 || w2 < 0 || w3 < 0) {
                return false;
            }
            high = (w0 << 32) | w1;
            low = (w2 << 32) | w3;
        } else {
            return false;
        }
        c.pos++;
        long port = c.hex(4);
        if (port < 0 || (digits == 8 && low == -1)) {
            return false;
        }
        Endpoints e = endpoints;
        if (local) {
            e.localHigh = high;
            e.localLow = low;
            e.ports = (e.ports & 0xffff) | ((int) port << 16);
        } else {
            e.remoteHigh = high;
            e.remoteLow = low;
            e.ports = (e.ports & 0xffff0000) | (int) port;
        }
        return true;
    }

    /** One 32-bit word printed with %08X, as the address bytes in network order. */
    private static long word(Cursor c, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            int d = Character.digit(c.line[at + i], 16);
            if (d < 0) {
                return -1;
            }
            v = (v << 4) | d;
        }
        return LITTLE_ENDIAN ? Long.reverseBytes(v) >>> 32 : v;
    }

    /** A position in one line. */
    private static final class Cursor {
        byte[] line;
        int pos;
        int end;

        Cursor reset(byte[] line, int from, int to) {
            this.line = line;
            this.pos = from;
            this.end = to;
            return this;
        }

        /** Skips blanks; false at the end of the line. */
        boolean skipSpaces() {
            while (pos < end && line[pos] == ' ') {
                pos++;
            }
            return pos < end;
        }

        boolean expect(char ch) {
            if (pos < end && line[pos] == ch) {
                pos++;
                return true;
            }
            return false;
        }

        /** Up to {@code max} hex digits; -1 when there is none. */
        long hex(int max) {
            long v = 0;
            int n = 0;
            while (pos < end && n < max) {
                int d = Character.digit(line[pos], 16);
                if (d < 0) {
                    break;
                }
                v = (v << 4) | d;
                pos++;
                n++;
            }
            return n == 0 ? -1 : v;
        }

        long decimal() {
            long v = 0;
            int n = 0;
            while (pos < end && line[pos] >= '0' && line[pos] <= '9' && n < 18) {
                v = v * 10 + (line[pos] - '0');
                pos++;
                n++;
            }
            return n == 0 ? -1 : v;
        }
    }
}
