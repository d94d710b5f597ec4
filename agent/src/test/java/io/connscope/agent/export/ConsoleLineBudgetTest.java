package io.connscope.agent.export;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleLineBudgetTest {

    private static final long MS = 1_000_000L;
    private static final String OPTION = "connscope.console.lines.per.second";

    /** A second's lines up to the budget print; the rest are counted and said once, after that second. */
    @Test
    void linesBeyondTheBudgetAreLeftOutAndSaidOnceTheSecondIsOver() {
        ConsoleLineBudget budget = new ConsoleLineBudget(3, OPTION);
        long t0 = 5_000 * MS;
        int printed = 0;
        for (int i = 0; i < 10; i++) {
            printed += budget.admit(t0 + i * MS) ? 1 : 0;
            assertNull(budget.noticeIfOver(t0 + i * MS), "no notice while the second goes on");
        }
        assertEquals(3, printed);
        assertNull(budget.noticeIfOver(t0 + 999 * MS));
        String notice = budget.noticeIfOver(t0 + 1_200 * MS);
        assertEquals("connscope: 7 connection lines left out in the last 1.2 s (" + OPTION + "=3); the summary "
                + "counts every connection, connscope.events.file writes each one", notice);
        assertNull(budget.noticeIfOver(t0 + 1_300 * MS), "said once");

        // The next second has the whole budget again.
        long t1 = t0 + 1_300 * MS;
        assertTrue(budget.admit(t1));
        assertTrue(budget.admit(t1 + MS));
        assertTrue(budget.admit(t1 + 2 * MS));
        assertFalse(budget.admit(t1 + 3 * MS));
        assertTrue(budget.noticeNow(t1 + 500 * MS).startsWith("connscope: 1 connection line left out in the last 0.5 s"),
                "at exit, whatever the second's length");
        assertNull(budget.noticeNow(t1 + 600 * MS));
    }

    /** A slow trickle never runs into the budget, whatever the time between lines. */
    @Test
    void aSecondWithoutManyLinesPrintsThemAll() {
        ConsoleLineBudget budget = new ConsoleLineBudget(2, OPTION);
        for (int i = 0; i < 100; i++) {
            long now = i * 600 * MS;
            assertTrue(budget.admit(now), "line " + i);
            assertNull(budget.noticeIfOver(now + 1));
        }
        assertNull(budget.noticeNow(100 * 600 * MS));
    }

    @Test
    void zeroPrintsEveryLine() {
        ConsoleLineBudget budget = new ConsoleLineBudget(0, OPTION);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(budget.admit(i));
        }
        assertNull(budget.noticeNow(10_000));
    }
}
