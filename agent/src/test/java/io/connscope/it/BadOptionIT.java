package io.connscope.it;

import io.connscope.it.driver.SocketScenarios;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.connscope.it.Checks.assertPair;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** A bad option value: one clear line on stderr naming the option, the value and what is accepted; tracing goes on. */
class BadOptionIT {

    @Test
    void badSummaryIntervalIsReportedOnceAndIgnored() throws Exception {
        Fork.Result r = Fork.run(List.of("-Dconnscope.summary.interval=abc"), SocketScenarios.class.getName(),
                "socket", "client-closes-first");
        List<String> lines = new ArrayList<>();
        for (String line : r.stderr.split("\n")) {
            if (line.contains("connscope.summary.interval") && line.contains("abc")) {
                lines.add(line);
            }
        }
        assertEquals(1, lines.size(), "expected exactly one stderr line naming connscope.summary.interval and 'abc', got "
                + lines + "\n" + r.describe());
        String accepted = HelpIT.acceptedValues("connscope.summary.interval");
        if (!lines.get(0).contains(accepted)) {
            fail("expected the line to say what is accepted ('" + accepted + "' as help prints it): " + lines.get(0)
                    + "\n" + r.describe());
        }
        Truth t = Truth.parse(r.stdout).stream().filter(x -> x.type.equals("SCENARIO")).findFirst()
                .orElseGet(() -> fail("driver printed no SCENARIO line\n" + r.describe()));
        assertEquals(2, r.records().size(), "expected 2 records (one connection)\n" + r.describe());
        assertPair(r, t, "local", "remote");
    }
}
