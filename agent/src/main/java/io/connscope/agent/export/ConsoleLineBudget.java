package io.connscope.agent.export;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How many connection lines the console prints a second ({@code connscope.console=connections}). The console is
 * the application's stderr, often its log: a service that closes thousands of connections a second would write as
 * many lines there. Lines beyond the budget are left out and counted, and the count of each second that left some
 * out is said in one line after it. Used on the reporter's thread only.
 */
final class ConsoleLineBudget {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final long perSecond;
    private final String option;
    private boolean started;
    private long windowStart;
    private long printed;
    private long leftOut;

    /**
     * @param perSecond most lines a second; 0 for no limit
     * @param option    the option's key, for the notice
     */
    ConsoleLineBudget(long perSecond, String option) {
        this.perSecond = perSecond;
        this.option = option;
    }

    /** Whether the line of a connection finished at {@code nowNanos} is printed; if not, it is counted. */
    boolean admit(long nowNanos) {
        if (perSecond == 0) {
            return true;
        }
        if (!started || nowNanos - windowStart >= SECOND) {
            started = true;
            windowStart = nowNanos;
            printed = 0;
        }
        if (printed < perSecond) {
            printed++;
            return true;
        }
        leftOut++;
        return false;
    }

    /**
     * The line that says how many lines the last second left out, once that second is over; null when it left
     * none out or is still going. Asked before each line and on the reporter's periodic wake-up.
     */
    String noticeIfOver(long nowNanos) {
        return leftOut > 0 && nowNanos - windowStart >= SECOND ? notice(nowNanos) : null;
    }

    /** At exit: the lines left out so far in the current second, or null for none. */
    String noticeNow(long nowNanos) {
        return leftOut > 0 ? notice(nowNanos) : null;
    }

    private String notice(long nowNanos) {
        // The window closes when the next line comes or the reporter wakes: say how long it really was.
        double seconds = (nowNanos - windowStart) / 1e9;
        String line = String.format(Locale.ROOT, "connscope: %d connection %s left out in the last %.1f s "
                + "(%s=%d); the summary counts every connection, connscope.events.file writes each one",
                leftOut, leftOut == 1 ? "line" : "lines", seconds, option, perSecond);
        leftOut = 0;
        started = false;
        return line;
    }
}
