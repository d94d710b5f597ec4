package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.driver.SocketScenarios;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.connscope.it.Checks.assertPair;
import static io.connscope.it.Checks.assertTimeWait;
import static io.connscope.it.Checks.inbound;
import static io.connscope.it.Checks.outbound;
import static io.connscope.it.Checks.text;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** java.net.Socket on virtual threads (JDK 21+): right initiators and the virtual thread's name as thread. */
class VirtualThreadIT {

    @Test
    void socketOnVirtualThreads() throws Exception {
        Fork.Result r = Fork.run(List.of(), SocketScenarios.class.getName(), "socket", "--virtual",
                "client-closes-first", "server-closes-first");
        List<Truth> truths = Truth.parse(r.stdout);
        assumeFalse(truths.stream().anyMatch(t -> t.type.equals("SKIP")),
                "the forked JVM has no virtual threads (JDK < 21): " + r.stdout);
        Truth first = find(truths, "client-closes-first", r);
        Truth second = find(truths, "server-closes-first", r);
        assertPair(r, first, "local", "remote");
        assertTimeWait(r, first, "client");
        assertPair(r, second, "remote", "local");
        assertTimeWait(r, second, "server");
        Checks.Problems p = new Checks.Problems();
        for (Truth t : List.of(first, second)) {
            JsonNode out = outbound(r, t);
            JsonNode in = inbound(r, t);
            String outThread = text(out, "thread");
            String inThread = text(in, "thread");
            p.check(outThread != null && !outThread.isEmpty(), t.name() + " outbound thread: expected not empty");
            p.check(inThread != null && !inThread.isEmpty(), t.name() + " inbound thread: expected not empty");
            p.expect(t.get("client_thread"), outThread, t.name() + " outbound thread (the virtual thread that connected)");
            p.expect(t.get("server_thread"), inThread, t.name() + " inbound thread (the virtual thread that accepted)");
        }
        p.expect(4, r.records().size(), "number of records (2 connections)");
        p.failIfAny("virtual threads", r.describe());
    }

    private static Truth find(List<Truth> truths, String name, Fork.Result r) {
        return truths.stream().filter(t -> t.type.equals("SCENARIO") && name.equals(t.name())).findFirst()
                .orElseGet(() -> fail("driver printed no SCENARIO line for " + name + "\n" + r.describe()));
    }
}
