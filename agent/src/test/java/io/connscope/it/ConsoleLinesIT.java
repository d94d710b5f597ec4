package io.connscope.it;

import io.connscope.it.driver.StressScenarios;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console is the application's stderr: with {@code console=connections} (the default) a churning JVM prints at
 * most {@code connscope.console.lines.per.second} connection lines a second, and says how many it left out, so that
 * the lines printed and the lines left out add up to every connection the exit summary counts.
 */
class ConsoleLinesIT {

    private static final Pattern LEFT_OUT = Pattern.compile(
            "^connscope: (\\d+) connection lines? left out in the last [0-9.]+ s \\(connscope\\.console\\.lines\\.per\\.second=(\\d+)\\)");
    /** 3,000 connections with both ends in the JVM: 6,000 connection lines without a limit. */
    private static final int CONNECTIONS = 3_000;

    @Test
    void aChurningJvmPrintsAtMostTheBudgetAndCountsTheRest() throws Exception {
        int perSecond = 20;
        long start = System.nanoTime();
        Fork.Result r = churn("-Dconnscope.console.lines.per.second=" + perSecond);
        double seconds = (System.nanoTime() - start) / 1e9;
        Lines lines = Lines.of(r);
        VolumeIT.Summary s = VolumeIT.Summary.parse(r);
        String context = "\n" + r.describe();
        assertEquals(0, s.droppedReports, "dropped reports" + context);
        assertEquals(2L * CONNECTIONS, s.closed, "closed in the exit summary" + context);
        assertEquals(s.closed, lines.printed + lines.leftOut, "lines printed + lines left out" + context);
        // Each second prints at most the budget: over the fork's whole life, at most that many a second.
        assertTrue(lines.printed >= perSecond && lines.printed <= perSecond * (Math.ceil(seconds) + 1),
                lines.printed + " lines printed in " + seconds + " s" + context);
        assertTrue(lines.notices > 0 && lines.noticeBudgets.equals(List.of(perSecond)),
                "notices name the option and its value: " + lines.noticeBudgets + context);
        // The events file is not limited.
        assertEquals(2L * CONNECTIONS, r.records().stream().filter(j -> j.path("type").asText().equals("connection")
                && j.path("state").asText().equals("closed")).count(), "closed connections in the events file" + context);
    }

    @Test
    void zeroPrintsEveryLine() throws Exception {
        Fork.Result r = churn("-Dconnscope.console.lines.per.second=0");
        Lines lines = Lines.of(r);
        VolumeIT.Summary s = VolumeIT.Summary.parse(r);
        assertEquals(2L * CONNECTIONS, s.closed, "closed in the exit summary\n" + r.describe());
        assertEquals(s.closed, lines.printed, "a line per connection\n" + r.describe());
        assertEquals(0, lines.notices, "no notice\n" + r.describe());
    }

    private static Fork.Result churn(String option) throws Exception {
        Fork.Result r = Fork.start(List.of(option, "-Dconnscope.summary.interval=0"), List.of(),
                StressScenarios.class.getName(), "churn", Integer.toString(CONNECTIONS), "2", "500").await(120);
        assertEquals(0, r.exit, "exit code\n" + r.describe());
        assertTrue(r.stdout.contains("RESULT connections=" + CONNECTIONS + " "), r.describe());
        return r;
    }

    /** connscope's connection lines and its notices of lines left out, from a fork's stderr. */
    private static final class Lines {
        long printed;
        long leftOut;
        int notices;
        final List<Integer> noticeBudgets = new java.util.ArrayList<>();

        static Lines of(Fork.Result r) {
            Lines l = new Lines();
            for (String line : r.stderr.split("\n")) {
                if (line.startsWith("connscope: closed #") || line.startsWith("connscope: failed #")) {
                    l.printed++;
                }
                Matcher m = LEFT_OUT.matcher(line);
                if (m.find()) {
                    l.notices++;
                    l.leftOut += Long.parseLong(m.group(1));
                    int budget = Integer.parseInt(m.group(2));
                    if (!l.noticeBudgets.contains(budget)) {
                        l.noticeBudgets.add(budget);
                    }
                }
            }
            return l;
        }
    }
}
