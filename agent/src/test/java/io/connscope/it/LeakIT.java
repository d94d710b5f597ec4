package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.driver.LifecycleScenarios;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.connscope.it.Checks.matching;
import static io.connscope.it.Checks.text;

/** Sockets dropped without close and garbage-collected: reported closed with initiator unknown, none left tracked. */
class LeakIT {

    @Test
    void collectedSocketsAreReportedAndUntracked() throws Exception {
        Fork.Result r = Fork.run(List.of(), LifecycleScenarios.class.getName(), "leak");
        List<Truth> pairs = Truth.parse(r.stdout);
        Checks.Problems p = new Checks.Problems();
        p.expect(50, pairs.size(), "PAIR lines from the driver");
        p.expect(100, r.records().size(), "number of records (50 connections, both ends)");
        for (Truth t : pairs) {
            List<JsonNode> out = matching(r, "outbound", t.port("client_port"), t.port("server_port"));
            List<JsonNode> in = matching(r, "inbound", t.port("server_port"), t.port("client_port"));
            p.expect(1, out.size(), "outbound records for client port " + t.get("client_port"));
            p.expect(1, in.size(), "inbound records for client port " + t.get("client_port"));
        }
        for (JsonNode n : r.records()) {
            p.expect("closed", text(n, "state"), "state of " + n);
            p.expect("unknown", text(n, "close_initiator"), "close_initiator of " + n);
        }
        String summary = SummaryLine.exit(r);
        p.check(summary != null && summary.contains("tracked sockets 0,"),
                "final summary: expected 'tracked sockets 0' but was: " + summary);
        p.failIfAny("leaked sockets", r.describe());
    }
}
