package io.connscope.it.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks;
import io.connscope.it.Fork;
import io.connscope.it.ProcNetTcp;
import io.connscope.it.driver.GrpcHttp2Scenarios;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gRPC-java over HTTP/2 in the clear, on grpc-netty-shaded's default transport (its native epoll; {@link
 * GrpcHttp2Scenarios}), as connscope follows it from the frames: streams
 * per call, a cancelled call's RST_STREAM, PING keep-alive with its round trips, {@code too_many_pings}, and the
 * server's GOAWAYs for maximum age and idle time. Ground truth: the calls each client made and each server served,
 * every frame gRPC's own frame loggers logged on each connection, and the kernel's TIME_WAIT rows for who closed
 * first. Subclassed per gRPC version: {@link GrpcHttp2IT} (the build's own, every scenario, the PING ones too) and
 * {@link GrpcHttp2OldestIT}, {@link GrpcHttp2NewestIT} (the scenarios that take seconds, not half a minute).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractGrpcHttp2IT {

    /** The jars of the gRPC version under test (grpc-netty-shaded and what it needs). */
    abstract List<Path> grpcJars() throws Exception;

    /** The scenarios to run, comma-separated, or {@code null} for all of them (GrpcHttp2Scenarios' argument). */
    abstract String scenarios();

    private static final Pattern RESULT = Pattern.compile("RESULT (\\w+) port=(\\d+) calls=(\\d+) served=(\\d+)");
    private static final Pattern FRAMES = Pattern.compile("FRAMES side=(\\w+) local=(\\d+) remote=(\\d+)(.*)");

    Fork.Result run;
    private final Map<String, int[]> results = new HashMap<>();
    /** Frame counts by "side local remote", then kind (OUTBOUND_PING, INBOUND_GO_AWAY_CODE11, ...). */
    private final Map<String, Map<String, Integer>> frames = new HashMap<>();

    @BeforeAll
    void runScenarios() throws Exception {
        String only = scenarios();
        run = only == null
                ? Fork.run(List.of("-Dconnscope.events.requests=true"), grpcJars(), GrpcHttp2Scenarios.class.getName())
                : Fork.run(List.of("-Dconnscope.events.requests=true"), grpcJars(), GrpcHttp2Scenarios.class.getName(), only);
        assertTrue(run.stdout.contains("TRANSPORT epoll=true"),
                "gRPC's default transport here is its bundled native epoll\n" + run.describe());
        for (String line : run.stdout.split("\n")) {
            Matcher m = RESULT.matcher(line);
            if (m.find()) {
                results.put(m.group(1), new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                        Integer.parseInt(m.group(4))});
            }
            Matcher f = FRAMES.matcher(line);
            if (f.find()) {
                Map<String, Integer> counts = new HashMap<>();
                for (String kv : f.group(4).trim().split(" ")) {
                    String[] p = kv.split("=");
                    counts.put(p[0], Integer.parseInt(p[1]));
                }
                frames.put(f.group(1) + " " + f.group(2) + " " + f.group(3), counts);
            }
        }
    }

    /** One scenario's two records (client's outbound, server's inbound) and gRPC's frames on that connection. */
    final class Pair {
        final String name;
        final int port;
        final int calls;
        final JsonNode client;
        final JsonNode server;
        final Map<String, Integer> clientFrames;
        final Map<String, Integer> serverFrames;
        final String context;

        Pair(String name) throws Exception {
            this.name = name;
            int[] r = results.get(name);
            assertNotNull(r, "scenario " + name + " reported no RESULT\n" + run.describe());
            port = r[0];
            calls = r[1];
            List<JsonNode> out = connections("outbound", "remote_port");
            List<JsonNode> in = connections("inbound", "local_port");
            String ctx = "\n--- records: " + out + "\n" + in + "\n--- frames: " + frames + "\n" + run.describe();
            assertEquals(r[1], r[2], name + ": every call the client made was served" + ctx);
            assertEquals(1, out.size(), name + ": one outbound connection to the server" + ctx);
            assertEquals(1, in.size(), name + ": one inbound connection" + ctx);
            client = out.get(0);
            server = in.get(0);
            int clientPort = client.path("local_port").asInt();
            clientFrames = frames.get("client " + clientPort + " " + port);
            serverFrames = frames.get("server " + port + " " + clientPort);
            context = ctx;
            assertNotNull(clientFrames, name + ": gRPC's client logged frames on the connection connscope saw" + ctx);
            assertNotNull(serverFrames, name + ": gRPC's server logged frames on the connection connscope saw" + ctx);
        }

        private List<JsonNode> connections(String direction, String portField) throws Exception {
            return run.records().stream().filter(j -> "connection".equals(j.path("type").asText())
                    && direction.equals(j.path("direction").asText()) && j.path(portField).asInt() == port)
                    .collect(Collectors.toList());
        }

        int clientFrame(String kind) {
            return count(clientFrames, kind);
        }

        int serverFrame(String kind) {
            return count(serverFrames, kind);
        }

        /**
         * Streams, PINGs, resets and GOAWAYs on both records against what gRPC's frame loggers logged. A side logs
         * a frame it writes when it tries (a frame written after the peer closed never reaches the wire) and a frame
         * it reads when it reads it. So on each end's record, what the peer sent equals exactly what this side's
         * logger read; what this side sent lies between what the peer read and what this side tried to write.
         */
        void assertFramesMatch() {
            for (JsonNode r : new JsonNode[] {client, server}) {
                JsonNode h2 = r.path("http2");
                boolean isClient = r == client;
                String local = isClient ? "client" : "server";
                String peer = isClient ? "server" : "client";
                Map<String, Integer> mine = isClient ? clientFrames : serverFrames;
                Map<String, Integer> theirs = isClient ? serverFrames : clientFrames;
                String which = name + " " + r.path("direction").asText();
                assertTrue(h2.isObject(), which + ": an http2 object" + context);
                assertEquals(calls, r.path("requests").asInt(), which + ": a request per call" + context);
                assertEquals(calls, h2.path("streams_client").asInt(), which + context);
                assertEquals(0, h2.path("streams_server").asInt(), which + context);
                assertTrue(h2.path("unparsed").isNull(), which + ": every frame parsed" + context);
                // What the peer sent, as this side read it.
                assertEquals(count(mine, "INBOUND_PING"), h2.path("pings").path(peer).path("sent").asInt(),
                        which + ": the " + peer + "'s PINGs" + context);
                assertEquals(count(mine, "INBOUND_PING_ACK"), h2.path("pings").path(local).path("acked").asInt(),
                        which + ": the " + peer + "'s ACKs of this side's PINGs" + context);
                assertEquals(count(mine, "INBOUND_RST_STREAM"), sum(h2.path("resets").path(peer)),
                        which + ": the " + peer + "'s resets" + context);
                // What this side sent.
                between(count(theirs, "INBOUND_PING"), h2.path("pings").path(local).path("sent").asInt(),
                        count(mine, "OUTBOUND_PING"), which + ": this side's PINGs");
                between(count(theirs, "INBOUND_PING_ACK"), h2.path("pings").path(peer).path("acked").asInt(),
                        count(mine, "OUTBOUND_PING_ACK"), which + ": this side's ACKs");
                between(count(theirs, "INBOUND_RST_STREAM"), sum(h2.path("resets").path(local)),
                        count(mine, "OUTBOUND_RST_STREAM"), which + ": this side's resets");
                between(count(mine, "INBOUND_GO_AWAY") + count(theirs, "INBOUND_GO_AWAY"),
                        h2.path("goaways_total").asInt(),
                        count(mine, "INBOUND_GO_AWAY") + count(mine, "OUTBOUND_GO_AWAY"), which + ": GOAWAYs");
            }
        }

        private void between(int low, int value, int high, String what) {
            assertTrue(low <= value && value <= high, what + ": " + value + " not in [" + low + ", " + high + "]"
                    + context);
        }

        /** The side connscope says closed first holds TIME_WAIT in the kernel. */
        void assertCloseMatchesKernel() throws Exception {
            int clientPort = client.path("local_port").asInt();
            List<ProcNetTcp.Row> tw = ProcNetTcp.timeWait("127.0.0.1", clientPort, port);
            String initiator = client.path("close_initiator").asText();
            String where = name + ": client close_initiator=" + initiator + ", server close_initiator="
                    + server.path("close_initiator").asText() + ", TIME_WAIT rows " + tw + context;
            if (tw.isEmpty()) {
                // No row: a reset ended it, at a close or after both (late frames met a closed socket).
                String misfit = Checks.misfitWithoutTimeWait(client, server);
                assertTrue(misfit == null, misfit + " " + where);
                return;
            }
            if (tw.size() == 2) {
                String misfit = Checks.misfitWithCrossedFins(client, server);
                assertTrue(misfit == null, misfit + " " + where);
                return;
            }
            assertEquals(1, tw.size(), where);
            boolean clientHolds = ProcNetTcp.localIs(tw.get(0), "127.0.0.1", clientPort);
            assertEquals(clientHolds ? "local" : "remote", initiator, where);
            assertEquals(clientHolds ? "remote" : "local", server.path("close_initiator").asText(), where);
        }

        JsonNode firstGoAway() {
            JsonNode g = client.path("http2").path("goaways").path(0);
            assertTrue(g.isObject(), name + ": a GOAWAY" + context);
            return g;
        }
    }

    private static int count(Map<String, Integer> frames, String kind) {
        return frames.getOrDefault(kind, 0);
    }

    static int sum(JsonNode counts) {
        int n = 0;
        for (JsonNode v : counts) {
            n += v.asInt();
        }
        return n;
    }

    @Test
    void callsAreStreamsAndACancelledCallIsTheClientsReset() throws Exception {
        Pair p = new Pair("calls");
        assertEquals(22, p.calls, p.context);
        p.assertFramesMatch();
        assertEquals(1, p.client.path("http2").path("resets").path("client").path("cancel").asInt(), p.context);
        assertEquals(p.clientFrame("OUTBOUND_RST_STREAM_CODE8"),
                p.client.path("http2").path("resets").path("client").path("cancel").asInt(), p.context);
        // A gRPC server without maxConcurrentCallsPerConnection allows any number, which it sends as 2^31-1.
        assertEquals(Integer.MAX_VALUE, p.client.path("http2").path("server_max_concurrent_streams").asInt(),
                p.context);
        // The channel's shutdown: gRPC's client says GOAWAY (no_error) before it closes, as its frame log shows.
        assertEquals(1, p.clientFrame("OUTBOUND_GO_AWAY_CODE0"), p.context);
        assertEquals("goaway_by_client_no_error", p.client.path("close_reason").asText(), p.context);
        List<JsonNode> requests = run.records().stream().filter(j -> "request".equals(j.path("type").asText())
                && "outbound".equals(j.path("direction").asText()) && j.path("server_port").asInt() == p.port)
                .collect(Collectors.toList());
        assertEquals(22, requests.size(), "a request record per stream" + p.context);
        assertEquals(21, requests.stream().filter(j -> j.path("reused").asBoolean()).count(), p.context);
        assertEquals(1, requests.stream().filter(j -> "cancel".equals(j.path("reset").asText())).count(), p.context);
        // From the header blocks (HPACK): the answered calls' :status and their trailers' grpc-status.
        assertEquals(21, requests.stream().filter(j -> j.path("status").asInt() == 200
                && j.path("grpc_status").isInt() && j.path("grpc_status").asInt() == 0).count(), p.context);
        p.assertCloseMatchesKernel();
    }

    @Test
    void maxConnectionAgeIsAGracefulGoAwayFromTheServer() throws Exception {
        Pair p = new Pair("max_age");
        p.assertFramesMatch();
        JsonNode g = p.firstGoAway();
        assertEquals("server", g.path("from").asText(), p.context);
        assertEquals("no_error", g.path("error").asText(), p.context);
        assertEquals("max_age", g.path("debug").asText(), p.context);
        assertEquals(Integer.MAX_VALUE, g.path("last_stream_id").asInt(),
                "a graceful shutdown's first GOAWAY names no stream yet" + p.context);
        assertEquals("goaway_by_server_no_error", p.client.path("close_reason").asText(), p.context);
        p.assertCloseMatchesKernel();
    }

    @Test
    void maxConnectionIdleIsAGracefulGoAwayFromTheServer() throws Exception {
        Pair p = new Pair("max_idle");
        p.assertFramesMatch();
        JsonNode g = p.firstGoAway();
        assertEquals("no_error", g.path("error").asText(), p.context);
        assertEquals("max_idle", g.path("debug").asText(), p.context);
        assertEquals("goaway_by_server_no_error", p.server.path("close_reason").asText(), p.context);
        p.assertCloseMatchesKernel();
    }

    @Test
    void theExitSummaryAddsUpEachPeersHttp2Connections() throws Exception {
        Pair p = new Pair("calls");
        String prefix = "http2 127.0.0.1:" + p.port + " (outbound): connections=1 streams=client:22,server:0 ";
        String line = run.stderr.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
        assertNotNull(line, "the summary's http2 line for the calls scenario's server\n" + run.describe());
        assertTrue(line.contains(" pings=client:" + p.client.path("http2").path("pings").path("client").path("sent").asInt()
                + "/"), line);
        assertTrue(line.contains(" resets=client:cancel=1"), line);
        assertTrue(line.contains(" goaways=client:no_error=1"), line);
    }
}
