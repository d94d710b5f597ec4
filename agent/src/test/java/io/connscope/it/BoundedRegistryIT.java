package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.driver.LifecycleScenarios;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.connscope.it.Checks.matching;
import static io.connscope.it.Checks.text;

/** connscope.max.connections=16 with 20 connections (40 sockets) open at once: 16 traced, 24 counted untracked. */
class BoundedRegistryIT {

    @Test
    void socketsBeyondTheLimitAreCountedNotTraced() throws Exception {
        Fork.Result r = Fork.run(List.of("-Dconnscope.max.connections=16"), LifecycleScenarios.class.getName(), "bounded");
        List<Truth> pairs = Truth.parse(r.stdout);
        Checks.Problems p = new Checks.Problems();
        p.expect(20, pairs.size(), "PAIR lines from the driver");
        p.expect(16, r.records().size(), "number of records (the first 16 sockets: 8 connections, both ends)");
        for (int i = 0; i < Math.min(8, pairs.size()); i++) {
            Truth t = pairs.get(i);
            List<JsonNode> out = matching(r, "outbound", t.port("client_port"), t.port("server_port"));
            List<JsonNode> in = matching(r, "inbound", t.port("server_port"), t.port("client_port"));
            p.expect(1, out.size(), "outbound records of connection " + (i + 1) + " (client port " + t.get("client_port") + ")");
            p.expect(1, in.size(), "inbound records of connection " + (i + 1) + " (client port " + t.get("client_port") + ")");
        }
        for (JsonNode n : r.records()) {
            p.expect("closed", text(n, "state"), "state of " + n);
        }
        String summary = SummaryLine.exit(r);
        p.check(summary != null && summary.contains("untracked sockets 24,"),
                "final summary: expected 'untracked sockets 24' but was: " + summary);
        p.check(summary != null && summary.contains("tracked sockets 0,"),
                "final summary: expected 'tracked sockets 0' but was: " + summary);
        p.failIfAny("bounded registry", r.describe());
    }
}
