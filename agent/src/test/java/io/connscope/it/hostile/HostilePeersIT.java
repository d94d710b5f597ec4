package io.connscope.it.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks;
import io.connscope.it.Checks.Problems;
import io.connscope.it.FailingHandlersIT;
import io.connscope.it.Fork;
import io.connscope.it.ProcNetTcp;
import io.connscope.it.SummaryLine;
import io.connscope.it.driver.HostileTraffic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Misbehaving peers ({@link HostileTraffic}): request and response heads sent a byte at a time, 1 MB header lines,
 * 10,000 headers, heads that never end, binary garbage, a response without a head, a ClientHello in 1-byte TLS
 * records, 10,000 connections that never send a byte, resets in the middle of every exchange from either side, and
 * HTTP/2 floods (10,000 PINGs, SETTINGS, HEADERS+RST_STREAM pairs), a GOAWAY with 1 MB of debug data, frames that
 * lie about their length, 10,000 HPACK table size updates and one past the limit, a 1 MB header block across
 * CONTINUATIONs (HTTP/2 between a raw client and a raw server in the same JVM, so that every count is exact). The
 * same driver runs without the agent and with it: the application's results must be the same, the heap in use
 * after a full GC at most {@link #HEAP_BOUND_KB} more, the agent must report no internal error, and its records must
 * count what the servers and clients themselves counted (the driver's {@code TRUTH} lines), where connscope defines
 * a count.
 */
class HostilePeersIT {

    /** The agent's share of the heap after a full GC: its bounded tables, not the traffic's bytes (9 MB and more). */
    static final long HEAP_BOUND_KB = 32 * 1024;
    static final int IDLE_CONNECTIONS = 10_000;
    private static final Pattern TRUTH = Pattern.compile(
            "TRUTH (\\S+) server_port=(\\d+) served=(\\d+) connections=(\\d+)");
    private static final Pattern HEAP = Pattern.compile("HEAP used_kb=(\\d+)");

    @TempDir
    static Path dir;
    private static Fork.Result without;
    private static Fork.Result with;
    /** Per case of the run with the agent: server port, requests served, connections accepted. */
    private static final Map<String, int[]> truth = new HashMap<>();

    @BeforeAll
    static void runWithoutAndWithTheAgent() throws Exception {
        Path keystore = FailingHandlersIT.keystore(dir);
        without = Fork.exec(List.of(Fork.java(), "-cp", Fork.testClasses().toString(),
                HostileTraffic.class.getName(), keystore.toString(), String.valueOf(IDLE_CONNECTIONS)));
        assertEquals(0, without.exit, "without the agent\n" + without.describe());
        with = Fork.start(List.of("-Dconnscope.events.requests=true"), HostileTraffic.class.getName(),
                keystore.toString(), String.valueOf(IDLE_CONNECTIONS)).await(90);
        assertEquals(0, with.exit, with.describe());
        Matcher m = TRUTH.matcher(with.stdout);
        while (m.find()) {
            truth.put(m.group(1), new int[]{Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4))});
        }
    }

    @Test
    void theApplicationsResultsAreThoseOfARunWithoutTheAgent() {
        List<String> expected = application(without);
        int cases = 12 + HostileTraffic.H2_CASES.size();
        assertEquals(2 * cases, expected.size(), cases + " RESULT and TRUTH lines without the agent\n"
                + without.describe());
        assertEquals(String.join("\n", expected), String.join("\n", application(with)),
                "the application's results with the agent differ from those without it\n" + brief(with));
    }

    @Test
    void theAgentsHeapStaysBounded() {
        long plain = heapKb(without);
        long agent = heapKb(with);
        assertTrue(agent - plain <= HEAP_BOUND_KB, "heap in use after a full GC: " + agent + " KB with the agent, "
                + plain + " KB without; allowed " + HEAP_BOUND_KB + " KB more\n" + brief(with));
    }

    @Test
    void theAgentKeepsEveryConnectionAndHasNoInternalError() throws IOException {
        String summary = SummaryLine.exit(with);
        assertNotNull(summary, brief(with));
        assertTrue(summary.endsWith(", dropped reports 0, internal errors 0"), summary);
        assertFalse(with.stderr.contains("first internal error"), brief(with));
        assertFalse(with.stderr.contains("could not instrument"), brief(with));
        Matcher closed = Pattern.compile(": (\\d+) closed, 0 open, 0 failed connects").matcher(summary);
        assertTrue(closed.find(), summary);
        long records = with.records().stream().filter(n -> "connection".equals(Checks.text(n, "type"))).count();
        assertEquals(Long.parseLong(closed.group(1)), records, "connection records against the summary: " + summary);
    }

    @Test
    void aHeadSentOneByteAtATimeCountsEachRequestOnce() throws IOException {
        Problems p = new Problems();
        Case c = new Case("byte-at-a-time");
        c.expectConnections(p, 1);
        c.expectBytesMirrored(p);
        for (JsonNode n : c.all()) {
            String side = side(n);
            p.expect(c.served, Checks.text(n, "requests"), side + " requests");
            p.expect("[200, 404]", statuses(n), side + " statuses");
            p.expect("[null, close]", fields(n, "request_connection"), side + " request_connection");
            p.expect("connection_close_by_client", Checks.text(n, "close_reason"), side + " close_reason");
        }
        p.failIfAny("byte-at-a-time", c.show());
    }

    @Test
    void responseHeadsWrittenOneByteAtATimeKeepTheirHeaders() throws IOException {
        Problems p = new Problems();
        Case c = new Case("response-byte-at-a-time");
        c.expectConnections(p, 1);
        c.expectBytesMirrored(p);
        for (JsonNode n : c.all()) {
            String side = side(n);
            p.expect(c.served, Checks.text(n, "requests"), side + " requests");
            p.expect("[200, 503]", statuses(n), side + " statuses");
            p.expect("[keep-alive, close]", fields(n, "response_connection"), side + " response_connection");
            p.expect("[timeout=5, max=2, null]", fields(n, "response_keep_alive"), side + " response_keep_alive");
            p.expect("connection_close_by_server", Checks.text(n, "close_reason"), side + " close_reason");
        }
        p.failIfAny("response-byte-at-a-time", c.show());
    }

    @Test
    void aOneMegabyteHeaderLineIsOneRequest() throws IOException {
        bigHeads("header-line-1mb");
    }

    @Test
    void tenThousandHeadersAreOneRequest() throws IOException {
        bigHeads("headers-10000");
    }

    private static void bigHeads(String name) throws IOException {
        Problems p = new Problems();
        Case c = new Case(name);
        c.expectConnections(p, 1);
        c.expectBytesMirrored(p);
        for (JsonNode n : c.all()) {
            String side = side(n);
            p.expect(c.served, Checks.text(n, "requests"), side + " requests");
            p.expect("[200]", statuses(n), side + " statuses");
            p.expect("connection_close_by_client", Checks.text(n, "close_reason"), side + " close_reason");
        }
        p.check(c.outbound.stream().allMatch(n -> n.path("bytes_received").asLong() > 150_000),
                "the client received the big response head");
        p.failIfAny(name, c.show());
    }

    @Test
    void aHeadThatNeverEndsIsOneRequestWithoutAResponse() throws IOException {
        Problems p = new Problems();
        Case c = new Case("endless-head");
        c.expectConnections(p, 2);
        c.expectBytesMirrored(p);
        for (JsonNode n : c.all()) {
            String side = side(n);
            p.expect(1, Checks.text(n, "requests"), side + " requests");
            p.expect("[null]", statuses(n), side + " statuses");
        }
        for (JsonNode n : c.inbound) {
            p.check(n.path("bytes_received").asLong() >= HostileTraffic.ENDLESS_HEAD_BYTES, side(n) + " received "
                    + n.path("bytes_received") + " bytes");
            // The client half-closed in the middle of its request.
            p.expect("error", Checks.text(n, "close_reason"), side(n) + " close_reason");
        }
        p.expect(c.served, sum(c.inbound, "requests"), "requests the server began to read");
        p.failIfAny("endless-head", c.show());
    }

    @Test
    void binaryGarbageIsNoRequest() throws IOException {
        Problems p = new Problems();
        Case c = new Case("garbage");
        c.expectConnections(p, 2);
        c.expectBytesMirrored(p);
        for (List<JsonNode> side : List.of(c.outbound, c.inbound)) {
            p.expect(c.served, sum(side, "requests"), "requests on the " + Checks.text(side.get(0), "direction")
                    + " side");
        }
        for (JsonNode n : c.all()) {
            p.check(n.path("http2").isNull(), side(n) + ": garbage taken for HTTP/2");
            p.check(n.path("bytes_sent").asLong() + n.path("bytes_received").asLong() > 1_000_000,
                    side(n) + " carried the garbage");
            if (n.path("requests").asInt() == 0) {
                p.expect(null, Checks.text(n, "close_reason"), side(n) + " close_reason (no HTTP)");
            } else {
                p.expect("[200]", statuses(n), side(n) + " statuses");
            }
        }
        p.failIfAny("garbage", c.show());
    }

    @Test
    void aResponseWithoutAHeadLeavesItsRequestWithoutStatus() throws IOException {
        Problems p = new Problems();
        Case c = new Case("no-response-head");
        c.expectConnections(p, c.connections);
        // HttpURLConnection gives up after its first read; the raw client reads everything.
        c.expectBytesMirrored(p, false);
        for (JsonNode n : c.inbound) {
            p.expect(102_000, Checks.text(n, "bytes_sent"), side(n) + " bytes_sent");
        }
        JsonNode raw = c.outbound.stream().max(Comparator.comparingLong(n -> n.path("id").asLong())).orElseThrow();
        p.expect(102_000, Checks.text(raw, "bytes_received"), "the raw client's (the last) bytes_received");
        for (JsonNode n : c.all()) {
            p.expect(1, Checks.text(n, "requests"), side(n) + " requests");
            p.expect("[null]", statuses(n), side(n) + " statuses");
        }
        p.expect(c.served, sum(c.inbound, "requests"), "requests the server read");
        p.failIfAny("no-response-head", c.show());
    }

    @Test
    void aClientHelloInOneByteRecordsIsOneHandshake() throws IOException {
        Problems p = new Problems();
        Case c = new Case("tls-1-byte-records");
        c.expectConnections(p, 1);
        // The client closes without reading the server's last TLS records.
        c.expectBytesMirrored(p, false);
        for (JsonNode n : c.all()) {
            p.expect(1, Checks.text(n, "tls_handshakes"), side(n) + " tls_handshakes");
            p.check(n.path("http2").isNull(), side(n) + " http2");
        }
        // The SSLServerSocket's plaintext is read inside: no HTTP in it. The client's SSLEngine is tied to its
        // socket by the ClientHello's random, which the socket carries split over records: not tied, requests
        // null (docs/limitations.md).
        p.expect(0, Checks.text(c.inbound.get(0), "requests"), "inbound requests");
        p.expect(null, Checks.text(c.outbound.get(0), "requests"), "outbound requests");
        p.failIfAny("tls-1-byte-records", c.show());
    }

    @Test
    void aClientHelloInOneByteRecordsToTheHttpsServerIsOneHandshake() throws IOException {
        Problems p = new Problems();
        Case c = new Case("tls-1-byte-records-https");
        c.expectConnections(p, 1);
        p.expect(1, c.served, "requests the HttpsServer served");
        // The HttpsServer closes first: the client's last record (its close_notify) may meet a closed socket.
        if (c.outbound.size() == 1 && c.inbound.size() == 1) {
            long sent = c.outbound.get(0).path("bytes_sent").asLong();
            long received = c.inbound.get(0).path("bytes_received").asLong();
            p.check(received <= sent && received >= sent - 64, "the server received " + received + " of the "
                    + sent + " bytes the client sent");
        }
        for (JsonNode n : c.all()) {
            p.expect(1, Checks.text(n, "tls_handshakes"), side(n) + " tls_handshakes");
            p.check(n.path("http2").isNull(), side(n) + " http2");
            p.check(n.path("bytes_received").asLong() > 1000, side(n) + " carried the handshake");
        }
        p.failIfAny("tls-1-byte-records-https", c.show());
    }

    @Test
    void connectionsThatNeverSendAByteAreEachCounted() throws IOException {
        Problems p = new Problems();
        Case c = new Case("idle-connections");
        p.expect(IDLE_CONNECTIONS, c.connections, "connections the server accepted");
        c.expectConnections(p, c.connections);
        for (List<JsonNode> side : List.of(c.outbound, c.inbound)) {
            String direction = Checks.text(side.get(0), "direction");
            p.expect(0, sum(side, "bytes_sent"), direction + " bytes_sent");
            p.expect(0, sum(side, "bytes_received"), direction + " bytes_received");
            p.expect(0, sum(side, "requests"), direction + " requests");
            p.expect("{" + (direction.equals("inbound") ? "local" : "remote") + "=" + c.connections + "}",
                    initiators(side), direction + " close_initiator");
            p.expect(c.connections, side.stream().map(n -> n.path("id").asLong()).distinct().count(),
                    direction + " distinct ids");
        }
        // The kernel's count: each connection the server closed first left a TIME_WAIT row on its port, one per
        // client port: a client port used again (the kernel hands out ports the moment they are free) takes over
        // its tuple's row. So the rows are the distinct client ports, fewer than the connections, each of which has
        // its own records all the same. The kernel drops a row 60 s after the close (on a slow machine the driver's
        // later cases can take that long), so only ports last closed within 50 s of the read are counted. Two
        // reads, their rows joined: a read of /proc/net/tcp6 can miss a row while others leave the table.
        // Seen once in many runs, with nothing else on those ports: 29 of some 7,800 rows gone within seconds (not
        // by a connect reusing them: TWRecycled did not move). A row the kernel let go of early is not the
        // agent's error, so 1 % may lack one; a server whose peers closed first would leave none.
        Instant read = Instant.now();
        List<ProcNetTcp.Row> rows = new ArrayList<>(ProcNetTcp.rows());
        rows.addAll(ProcNetTcp.rows());
        List<String> server = ProcNetTcp.endpoints("127.0.0.1", c.port);
        Map<Integer, Instant> lastClose = new HashMap<>();
        for (JsonNode n : c.inbound) {
            lastClose.merge(n.path("remote_port").asInt(), Instant.parse(Checks.text(n, "closed_at")),
                    (a, b) -> a.isAfter(b) ? a : b);
        }
        Set<Integer> recent = lastClose.entrySet().stream()
                .filter(e -> e.getValue().isAfter(read.minusSeconds(50))).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        Set<Integer> rowPorts = rows.stream()
                .filter(r -> ProcNetTcp.TIME_WAIT.equals(r.state) && server.contains(r.local))
                .map(r -> Integer.parseInt(r.remote.substring(r.remote.indexOf(':') + 1), 16))
                .collect(Collectors.toSet());
        p.check(recent.size() > lastClose.size() / 2, "most client ports closed within 50 s of the read: "
                + recent.size() + " of " + lastClose.size());
        Set<Integer> without = recent.stream().filter(port -> !rowPorts.contains(port)).collect(Collectors.toSet());
        p.check(without.size() <= recent.size() / 100, "kernel: " + without.size() + " of " + recent.size()
                + " client ports closed within 50 s have no TIME_WAIT row on the server's port: " + without
                + "; the kernel's rows for them: " + rows.stream().filter(r -> without.stream()
                .anyMatch(port -> r.local.endsWith(String.format(":%04X", port))
                        || r.remote.endsWith(String.format(":%04X", port)))).map(r -> r.line.trim()).distinct()
                .limit(20).collect(Collectors.toList()));
        p.expect(Set.of(), rowPorts.stream().filter(port -> !lastClose.containsKey(port)).collect(Collectors.toSet()),
                "kernel: TIME_WAIT rows on the server's port against client ports no record has");
        p.failIfAny("idle-connections", "outbound " + initiators(c.outbound) + ", inbound " + initiators(c.inbound)
                + "\n" + brief(with));
    }

    @Test
    void aServerThatResetsEveryExchangeIsRemoteResetOnEachClientConnection() throws IOException {
        Problems p = new Problems();
        Case c = new Case("server-resets");
        p.expect(HostileTraffic.RESETS + 2, c.connections, "connections: the raw clients' and HttpURLConnection's two");
        c.expectConnections(p, c.connections);
        p.expect("{remote_reset=" + c.connections + "}", initiators(c.outbound), "outbound close_initiator");
        p.expect("{local_reset=" + c.connections + "}", initiators(c.inbound), "inbound close_initiator");
        for (JsonNode n : c.all()) {
            p.expect(1, Checks.text(n, "requests"), side(n) + " requests");
            p.expect("[null]", statuses(n), side(n) + " statuses");
            p.expect("error", Checks.text(n, "close_reason"), side(n) + " close_reason");
        }
        p.failIfAny("server-resets", c.show());
    }

    @Test
    void aClientThatResetsEveryExchangeIsRemoteResetOnEachServerConnection() throws IOException {
        Problems p = new Problems();
        Case c = new Case("client-resets");
        c.expectConnections(p, HostileTraffic.RESETS);
        p.expect("{local_reset=" + HostileTraffic.RESETS + "}", initiators(c.outbound), "outbound close_initiator");
        p.expect("{remote_reset=" + HostileTraffic.RESETS + "}", initiators(c.inbound), "inbound close_initiator");
        for (JsonNode n : c.all()) {
            p.expect(1, Checks.text(n, "requests"), side(n) + " requests");
            p.expect("[200]", statuses(n), side(n) + " statuses");
        }
        p.failIfAny("client-resets", c.show());
    }

    /** Checks every record of an HTTP/2 case: followed to the end, the same bytes on both ends. */
    private static Case http2Case(Problems p, String name) throws IOException {
        return http2Case(p, name, false);
    }

    private static Case http2Case(Problems p, String name, boolean undecoded) throws IOException {
        Case c = new Case(name);
        c.expectConnections(p, 1);
        c.expectBytesMirrored(p);
        for (JsonNode n : c.all()) {
            p.check(n.path("http2").isObject(), side(n) + ": not followed as HTTP/2");
            p.expect(undecoded, n.path("http2").path("headers_undecoded").asBoolean(), side(n) + " headers_undecoded");
            p.expect(0, n.path("http2").path("streams_untracked").asInt(), side(n) + " streams_untracked");
        }
        return c;
    }

    @Test
    void aPingFloodCountsEveryPingAndEveryAck() throws IOException {
        Problems p = new Problems();
        Case c = http2Case(p, "h2-ping-flood");
        for (JsonNode n : c.all()) {
            JsonNode pings = n.path("http2").path("pings");
            p.expect(HostileTraffic.FLOOD, pings.path("client").path("sent").asInt(), side(n) + " client PINGs");
            p.expect(HostileTraffic.FLOOD, pings.path("client").path("acked").asInt(), side(n) + " client PINGs acked");
            p.expect(0, pings.path("client").path("unanswered").asInt(), side(n) + " client PINGs unanswered");
            p.expect(0, pings.path("server").path("sent").asInt(), side(n) + " server PINGs");
            p.expect(0, Checks.text(n, "requests"), side(n) + " requests");
            p.expect(null, Checks.text(n.path("http2"), "unparsed"), side(n) + " unparsed");
        }
        p.failIfAny("h2-ping-flood", c.show());
    }

    @Test
    void aSettingsFloodIsFollowedToTheEnd() throws IOException {
        Problems p = new Problems();
        Case c = http2Case(p, "h2-settings-flood");
        for (JsonNode n : c.all()) {
            p.expect(0, Checks.text(n, "requests"), side(n) + " requests");
            p.expect(null, Checks.text(n.path("http2"), "unparsed"), side(n) + " unparsed");
        }
        p.failIfAny("h2-settings-flood", c.show());
    }

    @Test
    void rapidResetCountsEveryStreamAndEveryReset() throws IOException {
        Problems p = new Problems();
        Case c = http2Case(p, "h2-rapid-reset");
        for (JsonNode n : c.all()) {
            JsonNode h2 = n.path("http2");
            p.expect(HostileTraffic.FLOOD, Checks.text(n, "requests"), side(n) + " requests");
            p.expect(HostileTraffic.FLOOD, h2.path("streams_client").asInt(), side(n) + " streams_client");
            p.expect(1, h2.path("max_open_streams").asInt(), side(n) + " max_open_streams");
            p.expect("{\"cancel\":" + HostileTraffic.FLOOD + "}", h2.path("resets").path("client"),
                    side(n) + " client resets");
            List<JsonNode> streams = requestsOf(n);
            p.expect(HostileTraffic.FLOOD, streams.size(), side(n) + " request objects");
            p.expect(HostileTraffic.FLOOD, streams.stream().filter(q -> "cancel".equals(Checks.text(q, "reset"))
                    && Checks.text(q, "status") == null).count(), side(n) + " streams reset by cancel, no status");
        }
        p.failIfAny("h2-rapid-reset", "records: " + c.outbound + "\n" + c.inbound + "\n" + brief(with));
    }

    @Test
    void aGoAwayWithOneMegabyteOfDebugDataKeepsItsFirst64Bytes() throws IOException {
        Problems p = new Problems();
        Case c = http2Case(p, "h2-goaway-1mb");
        for (JsonNode n : c.all()) {
            JsonNode h2 = n.path("http2");
            p.expect(1, h2.path("goaways_total").asInt(), side(n) + " goaways_total");
            JsonNode g = h2.path("goaways").path(0);
            p.expect("server", Checks.text(g, "from"), side(n) + " GOAWAY from");
            p.expect("no_error", Checks.text(g, "error"), side(n) + " GOAWAY error");
            p.expect("too many of something; ".repeat(3).substring(0, 64), Checks.text(g, "debug"),
                    side(n) + " GOAWAY debug");
            p.expect("goaway_by_server_no_error", Checks.text(n, "close_reason"), side(n) + " close_reason");
        }
        p.failIfAny("h2-goaway-1mb", c.show());
    }

    @Test
    void framesThatLieAboutTheirLengthStopTheFollowingAndSaySo() throws IOException {
        Problems p = new Problems();
        Case c = http2Case(p, "h2-lying-lengths");
        for (JsonNode n : c.all()) {
            JsonNode h2 = n.path("http2");
            p.expect("client: PING of length 5", Checks.text(h2, "unparsed"), side(n) + " unparsed");
            p.expect(1, h2.path("pings").path("client").path("sent").asInt(), side(n) + " the PING before the lies");
            p.expect(1, h2.path("pings").path("client").path("acked").asInt(), side(n) + " its ACK");
            p.expect(0, Checks.text(n, "requests"), side(n) + " requests");
        }
        p.failIfAny("h2-lying-lengths", c.show());
    }

    @Test
    void hpackTableSizeUpdatesWithinTheLimitDecodeAndOnePastItStopsTheDecoding() throws IOException {
        Problems p = new Problems();
        // Stream 1: 10,000 size updates to the limit, then its fields; stream 3: an update to 2^31-1 (an error).
        Case c = http2Case(p, "h2-hpack-size-updates", true);
        for (JsonNode n : c.all()) {
            p.expect(2, Checks.text(n, "requests"), side(n) + " requests");
            p.expect(2, n.path("http2").path("streams_client").asInt(), side(n) + " streams_client");
            p.expect(null, Checks.text(n.path("http2"), "unparsed"), side(n) + " unparsed");
        }
        p.failIfAny("h2-hpack-size-updates", c.show());
    }

    @Test
    void aOneMegabyteHeaderBlockAcrossContinuationFramesDecodes() throws IOException {
        Problems p = new Problems();
        // Stream 1: a 1 MB literal to be indexed (bigger than the table: it empties it); stream 3: a plain request.
        Case c = http2Case(p, "h2-hpack-1mb-continuation");
        for (JsonNode n : c.all()) {
            p.expect(2, Checks.text(n, "requests"), side(n) + " requests");
            p.expect(2, n.path("http2").path("streams_client").asInt(), side(n) + " streams_client");
            p.expect(null, Checks.text(n.path("http2"), "unparsed"), side(n) + " unparsed");
            p.check(n.path("bytes_sent").asLong() + n.path("bytes_received").asLong() > HostileTraffic.MEGABYTE,
                    side(n) + " carried the 1 MB block");
        }
        p.failIfAny("h2-hpack-1mb-continuation", c.show());
    }

    /** One case's records (by its server's port) and its truth. */
    private static final class Case {
        final String name;
        final int port;
        final int served;
        final int connections;
        final List<JsonNode> outbound = new ArrayList<>();
        final List<JsonNode> inbound = new ArrayList<>();

        Case(String name) throws IOException {
            this.name = name;
            int[] t = truth.get(name);
            assertNotNull(t, "no TRUTH line for " + name + "\n" + brief(with));
            this.port = t[0];
            String port = String.valueOf(t[0]);
            served = t[1];
            connections = t[2];
            for (JsonNode n : with.records()) {
                if (!"connection".equals(Checks.text(n, "type"))) {
                    continue;
                }
                String direction = Checks.text(n, "direction");
                if ("outbound".equals(direction) && port.equals(Checks.text(n, "remote_port"))) {
                    outbound.add(n);
                } else if ("inbound".equals(direction) && port.equals(Checks.text(n, "local_port"))) {
                    inbound.add(n);
                }
            }
            Comparator<JsonNode> byClientPort = Comparator.comparingInt(n -> n.path("direction").asText()
                    .equals("outbound") ? n.path("local_port").asInt() : n.path("remote_port").asInt());
            outbound.sort(byClientPort);
            inbound.sort(byClientPort);
        }

        List<JsonNode> all() {
            List<JsonNode> all = new ArrayList<>(outbound);
            all.addAll(inbound);
            return all;
        }

        void expectConnections(Problems p, int expected) {
            p.expect(expected, outbound.size(), name + ": outbound connection records");
            p.expect(expected, inbound.size(), name + ": inbound connection records");
        }

        /** Each connection's two ends, in the same JVM, saw the same bytes go each way. */
        void expectBytesMirrored(Problems p) {
            expectBytesMirrored(p, true);
        }

        /**
         * Each connection's client sent what its server received, and, with {@code fromServerToo}, the other way:
         * not where the client closes before it has read all (the server's TLS close_notify, say), since
         * {@code bytes_received} counts what the application read.
         */
        void expectBytesMirrored(Problems p, boolean fromServerToo) {
            for (int i = 0; i < Math.min(outbound.size(), inbound.size()); i++) {
                JsonNode o = outbound.get(i);
                JsonNode in = inbound.get(i);
                p.expect(Checks.text(o, "bytes_sent"), Checks.text(in, "bytes_received"), side(o) + " sent, received");
                if (fromServerToo) {
                    p.expect(Checks.text(in, "bytes_sent"), Checks.text(o, "bytes_received"),
                            side(in) + " sent, received");
                }
            }
        }

        String show() throws IOException {
            StringBuilder b = new StringBuilder("records:");
            for (JsonNode n : all()) {
                b.append("\n    ").append(n);
                for (JsonNode q : requestsOf(n)) {
                    b.append("\n        ").append(q);
                }
            }
            return b + "\n" + brief(with);
        }
    }

    private static String side(JsonNode n) {
        return Checks.text(n, "direction") + " " + Checks.text(n, "local_port") + "->" + Checks.text(n, "remote_port");
    }

    private static List<JsonNode> requestsOf(JsonNode connection) throws IOException {
        String id = Checks.text(connection, "id");
        return with.records().stream()
                .filter(n -> "request".equals(Checks.text(n, "type")) && id.equals(Checks.text(n, "connection_id")))
                .sorted(Comparator.comparingInt(n -> n.path("index").asInt()))
                .collect(Collectors.toList());
    }

    /** The statuses of a connection's request objects, in order. */
    private static String statuses(JsonNode connection) throws IOException {
        return fields(connection, "status");
    }

    /** A field of a connection's request objects, in order. */
    private static String fields(JsonNode connection, String field) throws IOException {
        return requestsOf(connection).stream().map(q -> Checks.text(q, field)).collect(Collectors.toList())
                .toString();
    }

    private static long sum(List<JsonNode> records, String field) {
        return records.stream().mapToLong(n -> n.path(field).asLong()).sum();
    }

    private static String initiators(List<JsonNode> records) {
        return new java.util.TreeMap<>(records.stream().collect(Collectors.groupingBy(
                n -> String.valueOf(Checks.text(n, "close_initiator")), Collectors.counting()))).toString();
    }

    /** The driver's RESULT and TRUTH lines, the latter without the server's port (which differs per run). */
    private static List<String> application(Fork.Result r) {
        return r.stdout.lines().filter(l -> l.startsWith("RESULT ") || l.startsWith("TRUTH "))
                .map(l -> l.replaceAll(" server_port=\\d+", "")).collect(Collectors.toList());
    }

    private static long heapKb(Fork.Result r) {
        Matcher m = HEAP.matcher(r.stdout);
        assertTrue(m.find(), "no HEAP line\n" + brief(r));
        return Long.parseLong(m.group(1));
    }

    /** The run's output without its 20,000 records. */
    /** A fork's command, exit code, stdout and the end of its stderr: not its events file (thousands of lines). */
    static String brief(Fork.Result r) {
        return "--- command: " + String.join(" ", r.command) + "\n--- exit code: " + r.exit + "\n--- stdout:\n"
                + r.stdout + "--- stderr (last 4000 chars):\n"
                + r.stderr.substring(Math.max(0, r.stderr.length() - 4000));
    }
}
