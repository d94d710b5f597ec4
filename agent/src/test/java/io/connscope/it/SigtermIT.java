package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.driver.LifecycleScenarios;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.connscope.it.Checks.matching;
import static io.connscope.it.Checks.text;
import static org.junit.jupiter.api.Assertions.fail;

/** SIGTERM while a connection is open: the JSON Lines file is complete and holds both ends as open. */
class SigtermIT {

    @Test
    void openConnectionsAreWrittenOnSigterm() throws Exception {
        Fork.Running running = Fork.start(List.of(), LifecycleScenarios.class.getName(), "sigterm");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        // Poll the child's stdout for its "ready" line (the real signal), bounded.
        while (!running.stdoutSoFar().contains("ready\n")) {
            if (!running.process.isAlive() || System.nanoTime() > deadline) {
                Fork.Result r = running.await();
                fail("driver never printed 'ready'\n" + r.describe());
            }
            Thread.sleep(20);
        }
        running.process.destroy(); // SIGTERM
        Fork.Result r = running.await();
        List<Truth> pairs = Truth.parse(r.stdout);
        if (pairs.size() != 1) {
            fail("expected one PAIR line from the driver\n" + r.describe());
        }
        Truth t = pairs.get(0);
        Checks.Problems p = new Checks.Problems();
        p.check(r.exit == 143 || r.exit == 0, "exit code: expected 143 (SIGTERM) but was " + r.exit);
        p.check(!r.stdout.contains("not killed"), "the driver was not killed by SIGTERM");
        p.expect(2, r.records().size(), "number of records (one open connection, both ends)");
        List<JsonNode> out = matching(r, "outbound", t.port("client_port"), t.port("server_port"));
        List<JsonNode> in = matching(r, "inbound", t.port("server_port"), t.port("client_port"));
        p.expect(1, out.size(), "outbound records");
        p.expect(1, in.size(), "inbound records");
        for (JsonNode n : r.records()) {
            p.expect("open", text(n, "state"), "state of " + n);
            p.check(n.has("closed_at") && n.get("closed_at").isNull(), "closed_at: expected null in " + n);
            p.check(n.has("close_initiator") && n.get("close_initiator").isNull(), "close_initiator: expected null in " + n);
        }
        p.failIfAny("SIGTERM with an open connection", r.describe());
    }
}
