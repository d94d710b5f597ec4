package io.connscope.it.clients;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks;
import io.connscope.it.Fork;
import io.connscope.it.ProcNetTcp;
import io.connscope.it.driver.clients.RelocatedNettyDriver;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.connscope.it.clients.GrpcRuns.connections;
import static io.connscope.it.clients.GrpcRuns.jars;
import static io.connscope.it.clients.GrpcRuns.result;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Netty relocated under another prefix than gRPC's: Apache HBase's hbase-shaded-netty (agent/pom.xml:
 * hbase-shaded-netty.version), Netty 4.1 as {@code org.apache.hbase.thirdparty.io.netty} with its native epoll library
 * renamed to match. The agent knows no such prefix: it must recognise the copy by what its classes are. One forked JVM
 * per transport ({@link RelocatedNettyDriver}): {@value RelocatedNettyDriver#CONNECTIONS} connections of
 * {@value RelocatedNettyDriver#REQUESTS} HTTP/1.1 requests each, the client closing all but the last, which the server
 * closes. Ground truth: each side's own counts (bytes at the head of its pipeline, requests made and served, the
 * connections and ports the server saw), the kernel's TIME_WAIT row (who closed first), and the channel classes and
 * event loops that ran (so that the epoll case cannot pass on NIO).
 */
class RelocatedNettyIT {

    private static final String NETTY = RelocatedNettyDriver.PREFIX + "io.netty.";

    private static Fork.Result run(String mode) throws Exception {
        Fork.Result run = Fork.run(List.of("-Dconnscope.console=connections"), jars("hbase-shaded-netty"),
                RelocatedNettyDriver.class.getName(), mode);
        assertEquals(0, run.exit, run.describe());
        if (!run.stdout.contains("\nDONE")) {
            throw new AssertionError("the driver did not finish\n" + run.describe());
        }
        return run;
    }

    @Test
    void relocatedNativeEpoll() throws Exception {
        Fork.Result run = run("epoll");
        String context = "\n" + run.describe();
        assertEquals("true", result(run, "epoll_available"),
                "the relocated copy's own epoll library must load here" + context);
        assertEquals("Epoll", result(run, "event_loops"), "only the relocated epoll event loops ran" + context);
        check(run, NETTY + "channel.epoll.EpollSocketChannel");
    }

    @Test
    void relocatedNio() throws Exception {
        Fork.Result run = run("nio");
        assertEquals("Nio", result(run, "event_loops"), "only the relocated NIO event loops ran\n" + run.describe());
        check(run, NETTY + "channel.socket.nio.NioSocketChannel");
    }

    /** Every connection's two records against both peers' counts and the kernel, and no record besides them. */
    private static void check(Fork.Result run, String channelClass) throws Exception {
        String context = "\n" + run.describe();
        List<Map<String, String>> conns = connLines(run);
        Checks.Problems p = new Checks.Problems();
        p.expect(RelocatedNettyDriver.CONNECTIONS, conns.size(), "connections the client made");
        p.expect(RelocatedNettyDriver.CONNECTIONS, result(run, "connections_accepted"), "connections the server accepted");
        p.failIfAny("the driver's own counts", context);
        int server = Integer.parseInt(result(run, "server_port"));
        List<JsonNode> all = run.records().stream().filter(r -> "connection".equals(r.path("type").asText()))
                .collect(Collectors.toList());
        p.expect(RelocatedNettyDriver.CONNECTIONS, all.stream().filter(r -> "outbound".equals(r.path("direction").asText())
                && r.path("remote_port").asInt() == server).count(), "outbound records to the server's port");
        p.expect(RelocatedNettyDriver.CONNECTIONS, all.stream().filter(r -> "inbound".equals(r.path("direction").asText())
                && r.path("local_port").asInt() == server).count(), "inbound records on the server's port");
        for (Map<String, String> c : conns) {
            String n = "conn " + c.get("conn") + ": ";
            int client = Integer.parseInt(c.get("client_port"));
            p.expect(channelClass, c.get("client_channel"), n + "the client's channel class");
            p.expect(channelClass, c.get("server_channel"), n + "the server's channel class");
            p.expect(RelocatedNettyDriver.REQUESTS, c.get("requests_made"), n + "requests made");
            p.expect(RelocatedNettyDriver.REQUESTS, c.get("responses"), n + "responses received");
            p.expect(RelocatedNettyDriver.REQUESTS, c.get("requests_served"), n + "requests served");
            List<JsonNode> out = connections(run, "outbound", client, server);
            List<JsonNode> in = connections(run, "inbound", server, client);
            p.expect(1, out.size(), n + "outbound records " + client + "->" + server);
            p.expect(1, in.size(), n + "inbound records " + server + "<-" + client);
            if (out.size() != 1 || in.size() != 1) {
                continue;
            }
            JsonNode o = out.get(0);
            JsonNode i = in.get(0);
            p.expect("closed", Checks.text(o, "state"), n + "outbound state");
            p.expect("closed", Checks.text(i, "state"), n + "inbound state");
            p.expect(c.get("client_sent"), o.path("bytes_sent").asText(), n + "outbound bytes_sent = the client's written");
            p.expect(c.get("client_received"), o.path("bytes_received").asText(), n + "outbound bytes_received = the client's read");
            p.expect(c.get("server_received"), i.path("bytes_received").asText(), n + "inbound bytes_received = the server's read");
            p.expect(c.get("server_sent"), i.path("bytes_sent").asText(), n + "inbound bytes_sent = the server's written");
            p.expect(c.get("client_sent"), c.get("server_received"), n + "the server read what the client wrote");
            p.expect(c.get("server_sent"), c.get("client_received"), n + "the client read what the server wrote");
            p.expect(c.get("requests_made"), o.path("requests").asText(), n + "outbound requests");
            p.expect(c.get("requests_served"), i.path("requests").asText(), n + "inbound requests");
            // Who closed first, by the kernel: the side that sent the first FIN holds the one TIME_WAIT row.
            List<ProcNetTcp.Row> timeWait = ProcNetTcp.timeWait("127.0.0.1", client, server);
            String rows = " (the kernel's rows for the tuple: " + ProcNetTcp.all("127.0.0.1", client, server) + ")";
            p.expect(1, timeWait.size(), n + "TIME_WAIT rows" + rows);
            if (timeWait.size() == 1) {
                boolean clientFirst = ProcNetTcp.localIs(timeWait.get(0), "127.0.0.1", client);
                p.expect(c.get("closer"), clientFirst ? "client" : "server", n + "the side the kernel says closed first" + rows);
                p.expect(clientFirst ? "local" : "remote", Checks.text(o, "close_initiator"), n + "outbound close_initiator" + rows);
                p.expect(clientFirst ? "remote" : "local", Checks.text(i, "close_initiator"), n + "inbound close_initiator" + rows);
            }
        }
        p.failIfAny("relocated Netty (" + channelClass + ")", context);
    }

    /** The driver's {@code RESULT conn=N k=v ...} lines, in order. */
    private static List<Map<String, String>> connLines(Fork.Result run) {
        List<Map<String, String>> conns = new ArrayList<>();
        for (String line : run.stdout.split("\n")) {
            if (line.startsWith("RESULT conn=")) {
                Map<String, String> kv = new HashMap<>();
                for (String pair : line.substring(7).trim().split(" ")) {
                    int eq = pair.indexOf('=');
                    kv.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
                conns.add(kv);
            }
        }
        return conns;
    }
}
