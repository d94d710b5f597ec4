package io.connscope.agent;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The start time in {@code connscope.agent.started} reads as {@code Instant.toString()} would, to the second. */
class StartedAtTest {

    @Test
    void utcMatchesInstantToTheSecond() {
        long[] edges = {0L, 999L, 1_000L, 86_399_999L, 86_400_000L, 951_782_400_000L /* 2000-02-29 */,
                4_107_542_399_000L /* 2100-02-28T23:59:59 */, 4_107_542_400_000L, 1_795_389_455_123L};
        for (long millis : edges) {
            check(millis);
        }
        Random random = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            // 1970 to about 2300: leap years, century years and 400-year cycles.
            check((long) (random.nextDouble() * 10_500_000_000_000L));
        }
    }

    private static void check(long millis) {
        String expected = Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.SECONDS).toString();
        assertEquals(expected, ConnscopeAgent.utc(millis), "at " + millis + " ms");
    }
}
