package io.connscope.it.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks;
import io.connscope.it.Fork;
import io.connscope.it.NetworkNamespace;
import io.connscope.it.ProcNetTcp;
import io.connscope.it.SummaryLine;
import io.connscope.it.driver.HalfOpenPeers;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Half-open connections whose peer vanished ({@link HalfOpenPeers}), in a network namespace of the test's own: 200
 * clients get their answer, then the kernel drops every packet between them and the server and the clients' JVM is
 * killed (its FINs dropped too). The server, with the agent, answers late on every other connection and closes all
 * of them into the void. Each is one record, with the bytes the server itself counted, closed by the server; the
 * kernel holds each server socket in FIN_WAIT1 (its FIN never acknowledged), none in TIME_WAIT.
 */
class HalfOpenPeersIT {

    static final int CONNECTIONS = 200;
    private static final String FIN_WAIT1 = "04";
    private static final Pattern TRUTH = Pattern.compile("TRUTH port=(\\d+) connections=(\\d+) received=(\\d+) "
            + "sent=(\\d+)");

    @Test
    void peersThatVanishedLeaveOneRecordEachClosedByTheServer() throws Exception {
        try (NetworkNamespace ns = NetworkNamespace.create("halfopen")) {
            Fork.Running server = ns.java(true, List.of("-Dconnscope.console=summary",
                    "-Djava.net.preferIPv4Stack=true"), HalfOpenPeers.class.getName(), "server",
                    String.valueOf(CONNECTIONS));
            String port = NetworkNamespace.awaitLine(server, "READY ").split(" ")[1];
            Fork.Running client = ns.java(false, List.of("-Djava.net.preferIPv4Stack=true"),
                    HalfOpenPeers.class.getName(), "client", port, String.valueOf(CONNECTIONS));
            NetworkNamespace.awaitLine(client, "CLIENT done");
            NetworkNamespace.awaitLine(server, "SERVED ");
            // The peers vanish: no packet passes either way any more, then the clients' process dies.
            ns.allowPortRules();
            ns.blackhole("sport", port);
            ns.blackhole("dport", port);
            client.process.destroyForcibly().waitFor();
            server.process.getOutputStream().write("vanished\n".getBytes(StandardCharsets.US_ASCII));
            server.process.getOutputStream().flush();
            Fork.Result r = server.await();
            String context = "\n" + r.describe();
            assertEquals(0, r.exit, context);
            Matcher truth = TRUTH.matcher(r.stdout);
            assertTrue(truth.find(), context);
            int serverPort = Integer.parseInt(truth.group(1));
            assertEquals(CONNECTIONS, Integer.parseInt(truth.group(2)), context);
            long received = Long.parseLong(truth.group(3));
            long sent = Long.parseLong(truth.group(4));

            // The kernel: every server socket waits for the ACK of its FIN (behind the late answer, where written).
            String local = ProcNetTcp.endpoint("127.0.0.1", serverPort);
            Map<String, Integer> states = new TreeMap<>();
            for (ProcNetTcp.Row row : ns.tcpRows()) {
                if (row.local.equals(local)) {
                    states.merge(row.state, 1, Integer::sum);
                }
            }
            assertEquals(CONNECTIONS, states.getOrDefault(FIN_WAIT1, 0), "server sockets in FIN_WAIT1 by state "
                    + states + context);
            assertEquals(0, states.getOrDefault(ProcNetTcp.TIME_WAIT, 0), states + context);

            long bytesSent = 0;
            long bytesReceived = 0;
            long requests = 0;
            Map<String, Integer> closes = new TreeMap<>();
            int records = 0;
            for (JsonNode n : r.records()) {
                if (!"connection".equals(Checks.text(n, "type")) || n.path("local_port").asInt() != serverPort) {
                    continue;
                }
                records++;
                bytesSent += n.path("bytes_sent").asLong();
                bytesReceived += n.path("bytes_received").asLong();
                requests += n.path("requests").asLong();
                closes.merge(Checks.text(n, "direction") + " " + Checks.text(n, "state") + " "
                        + Checks.text(n, "close_initiator") + " " + Checks.text(n, "close_reason"), 1, Integer::sum);
            }
            assertEquals(CONNECTIONS, records, context);
            assertEquals(sent, bytesSent, "bytes the server wrote, the late answers included" + context);
            assertEquals(received, bytesReceived, context);
            assertEquals(CONNECTIONS, requests, context);
            assertEquals(Map.of("inbound closed local application_close", CONNECTIONS), closes, context);
            String summary = SummaryLine.exit(r);
            assertNotNull(summary, context);
            assertTrue(summary.endsWith(", dropped reports 0, internal errors 0"), summary);
        }
    }
}
