package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.driver.LifecycleScenarios;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.connscope.it.Checks.matching;
import static io.connscope.it.Checks.text;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The exit report: every connection of the JVM is in it exactly once, open or closed, however the JVM ends and
 * whatever its threads are doing meanwhile.
 */
class ExitReportIT {

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

    /**
     * Closes on another thread while the JVM exits: each connection is reported once, closed or open, none lost.
     * (A close that took its record out of the table while the exit report walked it was once in neither.)
     */
    @Test
    void connectionsClosingDuringTheExitAreEachReportedOnce() throws Exception {
        Fork.Result r = Fork.run(List.of(), LifecycleScenarios.class.getName(), "closing-at-exit");
        int port = r.resultValue("server_port");
        int n = r.resultValue("connections");
        Checks.Problems p = new Checks.Problems();
        List<JsonNode> out = matching(r, "outbound", null, port);
        List<JsonNode> in = matching(r, "inbound", port, null);
        Set<String> clientPorts = new HashSet<>();
        Set<String> clientPortsSeenByServer = new HashSet<>();
        int open = 0;
        for (JsonNode c : out) {
            p.check(clientPorts.add(text(c, "local_port")), "outbound reported twice: " + c);
            open += "open".equals(text(c, "state")) ? 1 : 0;
        }
        for (JsonNode c : in) {
            p.check(clientPortsSeenByServer.add(text(c, "remote_port")), "inbound reported twice: " + c);
            open += "open".equals(text(c, "state")) ? 1 : 0;
        }
        p.expect(n, out.size(), "outbound records");
        p.expect(n, in.size(), "inbound records");
        Set<String> oneEndOnly = new HashSet<>(clientPorts);
        oneEndOnly.addAll(clientPortsSeenByServer);
        Set<String> bothEnds = new HashSet<>(clientPorts);
        bothEnds.retainAll(clientPortsSeenByServer);
        oneEndOnly.removeAll(bothEnds);
        p.check(oneEndOnly.isEmpty(), "client ports reported at one end only: " + oneEndOnly);
        // The driver waited for a third to close before it returned.
        p.check(2 * n - open >= 2 * (n / 3), "at least " + 2 * (n / 3) + " closed records, " + (2 * n - open) + " found");
        String summary = SummaryLine.exit(r);
        p.check(summary != null && summary.contains("dropped reports 0")
                        && summary.contains(": " + (2 * n - open) + " closed, " + open + " open,"),
                "exit summary: " + (2 * n - open) + " closed, " + open + " open, no drops: " + summary);
        p.failIfAny("closes during the exit (" + open + " of " + 2 * n + " ends reported open)", r.describe());
    }
}
