package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.driver.SocketScenarios;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;

import static io.connscope.it.Checks.assertPair;
import static io.connscope.it.Checks.assertTimeWait;
import static io.connscope.it.Checks.inbound;
import static io.connscope.it.Checks.matching;
import static io.connscope.it.Checks.outbound;
import static io.connscope.it.Checks.text;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The scenarios of {@link SocketScenarios}, run once per socket kind in one forked JVM with the agent attached,
 * each asserted on both records (outbound and inbound, matched by ports) against the driver's ground truth and,
 * for who-closed-first, against the kernel's TIME_WAIT rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractSocketKindIT {

    /** The driver's name for the socket kind: socket, channel, nbchannel or async. */
    protected abstract String kind();

    Fork.Result result;
    List<Truth> truths;

    @BeforeAll
    void runDriver() throws Exception {
        result = Fork.run(List.of(), SocketScenarios.class.getName(), kind(), "all");
        truths = Truth.parse(result.stdout);
    }

    private List<Truth> lines(String type, String name) {
        List<Truth> found = new ArrayList<>();
        for (Truth t : truths) {
            if (t.type.equals("SKIP") && name.equals(t.name())) {
                assumeTrue(false, "driver skipped " + name + ": " + t.values.get("reason"));
            }
            if (t.type.equals(type) && name.equals(t.name())) {
                found.add(t);
            }
        }
        return found;
    }

    Truth scenario(String name) {
        List<Truth> found = lines("SCENARIO", name);
        if (found.size() != 1) {
            fail("expected one SCENARIO line for " + name + " from the driver, found " + found + "\n" + result.describe());
        }
        return found.get(0);
    }

    @Test
    void clientClosesFirst() throws Exception {
        Truth t = scenario("client-closes-first");
        assertPair(result, t, "local", "remote");
        assertTimeWait(result, t, "client");
    }

    @Test
    void serverClosesFirst() throws Exception {
        Truth t = scenario("server-closes-first");
        assertPair(result, t, "remote", "local");
        assertTimeWait(result, t, "server");
    }

    @Test
    void clientClosesFirstOverIpv6() throws Exception {
        Truth t = scenario("ipv6-client-closes-first");
        assertPair(result, t, "local", "remote");
        assertTimeWait(result, t, "client");
    }

    @Test
    void halfClose() throws Exception {
        Truth t = scenario("half-close");
        assertPair(result, t, "local", "remote");
        assertTimeWait(result, t, "client");
    }

    @Test
    void peerReset() throws Exception {
        Truth t = scenario("peer-reset");
        if (!"reset".equals(t.get("client_saw"))) {
            fail("driver: expected the client's read to fail with a reset, saw " + t.get("client_saw") + "\n" + result.describe());
        }
        assertPair(result, t, "remote_reset", "local_reset");
        assertTimeWait(result, t, "none");
    }

    @Test
    void clientLingerZero() throws Exception {
        Truth t = scenario("client-linger0");
        if (!"reset".equals(t.get("server_saw"))) {
            fail("driver: expected the server's read to fail with a reset, saw " + t.get("server_saw") + "\n" + result.describe());
        }
        assertPair(result, t, "local_reset", "remote_reset");
        assertTimeWait(result, t, "none");
    }

    @Test
    void connectionRefused() throws Exception {
        List<Truth> found = lines("FAILED", "refused");
        if (found.size() != 1 || !"refused".equals(found.get(0).get("outcome"))) {
            fail("driver: expected one FAILED line with outcome=refused, found " + found + "\n" + result.describe());
        }
        Truth t = found.get(0);
        int port = t.port("remote_port");
        List<JsonNode> records = matching(result, "outbound", null, port);
        Checks.Problems p = new Checks.Problems();
        p.expect(1, records.size(), "number of outbound records to refused port " + port);
        for (JsonNode n : records) {
            p.expect("failed", text(n, "state"), "state");
            String error = text(n, "error");
            p.check(error != null && error.startsWith("refused"), "error: expected to start with 'refused' but was " + error);
            p.expect(port, text(n, "remote_port"), "remote_port");
            p.check(text(n, "close_initiator") == null, "close_initiator: expected null for a failed connect");
        }
        p.failIfAny("connection refused (" + kind() + ")", Checks.context(result, t, records.toArray(new JsonNode[0])));
    }

    @Test
    void connectTimeout() throws Exception {
        List<Truth> timeouts = lines("TIMEOUT", "connect-timeout");
        List<Truth> fillers = lines("FILLER", "connect-timeout");
        if (timeouts.size() != 1) {
            fail("driver: expected one connect to time out within 10 attempts, got " + timeouts + "\n" + result.describe());
        }
        Truth t = timeouts.get(0);
        int port = t.port("remote_port");
        List<JsonNode> records = matching(result, "outbound", null, port);
        Checks.Problems p = new Checks.Problems();
        p.expect(fillers.size() + 1, records.size(), "outbound records to the never-accepting port " + port
                + " (" + fillers.size() + " fillers + 1 timed-out connect)");
        long failed = records.stream().filter(n -> "failed".equals(text(n, "state"))).count();
        p.expect(1, failed, "records with state failed");
        for (JsonNode n : records) {
            if ("failed".equals(text(n, "state"))) {
                String error = text(n, "error");
                p.check(error != null && error.startsWith("timed_out"),
                        "failed record's error: expected to start with 'timed_out' but was " + error);
            }
        }
        for (Truth f : fillers) {
            List<JsonNode> own = matching(result, "outbound", f.port("client_port"), port);
            p.expect(1, own.size(), "records of filler connection from port " + f.port("client_port"));
            for (JsonNode n : own) {
                p.expect("closed", text(n, "state"), "filler " + f.port("client_port") + " state");
                p.expect("local", text(n, "close_initiator"), "filler " + f.port("client_port") + " close_initiator");
            }
        }
        p.failIfAny("connect timeout (" + kind() + ")", Checks.context(result, t, records.toArray(new JsonNode[0])));
    }

    private static void expectKeepAlive(Checks.Problems p, JsonNode record, String readBack, String source,
                                        Object idle, Object interval, Object count) {
        String dir = text(record, "direction");
        JsonNode ka = record.get("keepalive");
        if (ka == null || ka.isNull()) {
            p.check(false, dir + " keepalive: expected an object but was null");
            return;
        }
        String[] app = readBack.split(":");
        p.expect(app[0], text(ka, "enabled"), dir + " keepalive.enabled (driver read back SO_KEEPALIVE=" + app[0] + ")");
        p.expect(idle, text(ka, "idle_s"), dir + " keepalive.idle_s");
        p.expect(interval, text(ka, "interval_s"), dir + " keepalive.interval_s");
        p.expect(count, text(ka, "count"), dir + " keepalive.count");
        p.expect(app[1], text(ka, "idle_s"), dir + " keepalive.idle_s vs the application's getOption(TCP_KEEPIDLE)");
        p.expect(app[2], text(ka, "interval_s"), dir + " keepalive.interval_s vs getOption(TCP_KEEPINTERVAL)");
        p.expect(app[3], text(ka, "count"), dir + " keepalive.count vs getOption(TCP_KEEPCOUNT)");
        p.expect(source, text(ka, "source"), dir + " keepalive.source");
    }

    @Test
    void keepAliveUnset() throws Exception {
        Truth t = scenario("keepalive-unset");
        int[] os = ProcNetTcp.keepAliveDefaults();
        JsonNode out = outbound(result, t);
        JsonNode in = inbound(result, t);
        Checks.Problems p = new Checks.Problems();
        p.expect("false", t.get("ka_client").split(":")[0], "driver's SO_KEEPALIVE on the client");
        expectKeepAlive(p, out, t.get("ka_client"), "os_default", os[0], os[1], os[2]);
        expectKeepAlive(p, in, t.get("ka_server"), "os_default", os[0], os[1], os[2]);
        p.failIfAny("keep-alive unset (" + kind() + "; /proc/sys/net/ipv4 tcp_keepalive_time/intvl/probes = "
                + os[0] + "/" + os[1] + "/" + os[2] + ")", Checks.context(result, t, out, in));
    }

    @Test
    void keepAliveSetByApp() throws Exception {
        Truth t = scenario("keepalive-app");
        int[] os = ProcNetTcp.keepAliveDefaults();
        JsonNode out = outbound(result, t);
        JsonNode in = inbound(result, t);
        Checks.Problems p = new Checks.Problems();
        p.expect("true:10:5:3", t.get("ka_client"), "driver's getOption read-back on the client");
        expectKeepAlive(p, out, t.get("ka_client"), "app", 10, 5, 3);
        expectKeepAlive(p, in, t.get("ka_server"), "os_default", os[0], os[1], os[2]);
        p.failIfAny("keep-alive set by the application on the client (" + kind() + ")", Checks.context(result, t, out, in));
    }

    @Test
    void keepAliveInheritedFromListener() throws Exception {
        Truth t = scenario("keepalive-inherited");
        int[] os = ProcNetTcp.keepAliveDefaults();
        JsonNode out = outbound(result, t);
        JsonNode in = inbound(result, t);
        Checks.Problems p = new Checks.Problems();
        String[] readBack = t.get("ka_server").split(":");
        p.expect("20:7:4", readBack[1] + ":" + readBack[2] + ":" + readBack[3],
                "driver's getOption read-back on the accepted socket (kernel inherits the listener's values)");
        expectKeepAlive(p, in, t.get("ka_server"), "app", 20, 7, 4);
        expectKeepAlive(p, out, t.get("ka_client"), "os_default", os[0], os[1], os[2]);
        p.failIfAny("keep-alive inherited from the listening socket (" + kind() + ")", Checks.context(result, t, out, in));
    }

    @Test
    void bytesExact() throws Exception {
        Truth t = scenario("bytes");
        JsonNode out = outbound(result, t);
        JsonNode in = inbound(result, t);
        Checks.Problems p = new Checks.Problems();
        p.expect(t.get("c2s"), text(out, "bytes_sent"), "outbound bytes_sent");
        p.expect(t.get("s2c"), text(out, "bytes_received"), "outbound bytes_received");
        p.expect(t.get("s2c"), text(in, "bytes_sent"), "inbound bytes_sent");
        p.expect(t.get("c2s"), text(in, "bytes_received"), "inbound bytes_received");
        p.failIfAny("bytes (" + kind() + ")", Checks.context(result, t, out, in));
        assertPair(result, t, "local", "remote");
    }

    /** Every record accounted for: 2 per connection, 1 per never-accepted filler, 1 per failed connect, right thread. */
    @Test
    void recordCountsAndThreadsExact() throws Exception {
        List<String[]> expected = new ArrayList<>(); // direction, local_port or "", remote_port, thread, state
        for (Truth t : truths) {
            switch (t.type) {
                case "SCENARIO":
                    expected.add(new String[] {"outbound", t.get("client_port"), t.get("server_port"), t.get("client_thread"), "closed"});
                    expected.add(new String[] {"inbound", t.get("server_port"), t.get("client_port"), t.get("server_thread"), "closed"});
                    break;
                case "FILLER":
                    expected.add(new String[] {"outbound", t.get("client_port"), t.get("remote_port"), t.get("thread"), "closed"});
                    break;
                case "FAILED":
                case "TIMEOUT":
                    expected.add(new String[] {"outbound", "", t.get("remote_port"), t.get("thread"), "failed"});
                    break;
                default:
                    break;
            }
        }
        List<JsonNode> records = new ArrayList<>(result.records());
        List<String> missing = new ArrayList<>();
        List<String> wrongThread = new ArrayList<>();
        for (String[] e : expected) {
            JsonNode match = null;
            for (JsonNode n : records) {
                boolean failed = e[4].equals("failed");
                if (e[0].equals(text(n, "direction")) && e[2].equals(text(n, "remote_port"))
                        && e[4].equals(text(n, "state")) && (failed || e[1].equals(text(n, "local_port")))) {
                    match = n;
                    break;
                }
            }
            if (match == null) {
                missing.add(String.join(" ", e));
            } else {
                records.remove(match);
                if (!e[3].equals(text(match, "thread"))) {
                    wrongThread.add("expected thread " + e[3] + " but was " + text(match, "thread") + ": " + match);
                }
            }
        }
        Checks.Problems p = new Checks.Problems();
        p.expect(expected.size(), result.records().size(), "number of records (2 per connection, 1 per filler, 1 per failed connect)");
        p.check(missing.isEmpty(), "expected records not found (direction local_port remote_port thread state): " + missing);
        p.check(records.isEmpty(), "records nobody expected: " + records);
        p.check(wrongThread.isEmpty(), "records with the wrong thread: " + wrongThread);
        p.failIfAny("record counts and threads (" + kind() + ")", result.describe());
    }
}
