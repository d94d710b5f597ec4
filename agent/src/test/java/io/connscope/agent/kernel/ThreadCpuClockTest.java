package io.connscope.agent.kernel;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadCpuClockTest {

    private static long parse(String line) {
        byte[] b = line.getBytes(StandardCharsets.US_ASCII);
        return ThreadCpuClock.parse(b, b.length);
    }

    @Test
    void theFirstFieldIsTheCpuTime() {
        assertEquals(238860530L, parse("238860530 173272977 510\n"));
        assertEquals(0L, parse("0 1393 1\n"));
    }

    @Test
    void whatIsNoNumberIsUnknown() {
        assertEquals(-1, parse(""));
        assertEquals(-1, parse(" 12 3 4\n"));
        assertEquals(-1, parse("12x 3 4\n"));
        assertEquals(-1, parse("12")); // cut short: the number may go on
        assertEquals(-1, parse("12345678901234567890 1 1\n")); // more digits than a long's nanoseconds
        assertEquals(-1, ThreadCpuClock.parse(new byte[0], -1)); // end of file
    }

    /** Against the JDK's own count of this thread's CPU time, read before and after it, around a busy loop. */
    @Test
    void itTellsTheThreadsCpuTimeAsTheJdkDoes() {
        ThreadCpuClock clock = new ThreadCpuClock();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long jdkBefore = threads.getCurrentThreadCpuTime();
        long before = clock.nanos();
        long x = 0;
        for (int i = 0; i < 50_000_000; i++) {
            x += i ^ (x >>> 3);
        }
        long after = clock.nanos();
        long jdkAfter = threads.getCurrentThreadCpuTime();
        assertTrue(before > 0 && x != 42, "read " + before);
        long spent = after - before;
        long jdkSpent = jdkAfter - jdkBefore;
        // Ours is read inside the JDK's readings: no more than the JDK's, and most of it.
        assertTrue(spent > 0 && spent <= jdkSpent && spent >= jdkSpent / 2,
                "schedstat " + spent + " ns, ThreadMXBean " + jdkSpent + " ns");
    }
}
