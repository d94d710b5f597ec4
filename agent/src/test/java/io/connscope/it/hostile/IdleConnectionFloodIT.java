package io.connscope.it.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connscope.it.Fork;
import io.connscope.it.SummaryLine;
import io.connscope.it.driver.IdleConnectionFlood;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * 100,000 connections that connect and never send a byte ({@link IdleConnectionFlood}), 5,000 open at a time, into a
 * server with the agent from a client without it, and the same server without the agent: every connection is one
 * record with no bytes and no request, closed by the server (its own count is the truth), none dropped; and the
 * agent's heap stays bounded both with 5,000 of them open and after.
 */
class IdleConnectionFloodIT {

    static final int CONNECTIONS = 100_000;
    static final int OPEN = 5_000;
    /** What the agent may add to the heap in use after a full GC, with {@link #OPEN} connections open or none. */
    static final long HEAP_BOUND_KB = 32 * 1024;
    /** What the agent's heap may grow by from 10,000 connections on to 100,000: its bounded tables' fill. */
    static final long GROWTH_BOUND_KB = 12 * 1024;
    private static final Pattern HEAP = Pattern.compile("HEAP at=(\\w+) used_kb=(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Fork.Result without;
    private static Fork.Result with;
    private static String clientWithout;
    private static String clientWith;

    @BeforeAll
    static void floodTheServerWithoutAndWithTheAgent() throws Exception {
        Fork.Running plain = Fork.startCommand(List.of(Fork.java(), "-cp", Fork.testClasses().toString(),
                IdleConnectionFlood.class.getName(), "server", String.valueOf(CONNECTIONS), String.valueOf(OPEN)));
        clientWithout = flood(plain);
        without = plain.await(240);
        Fork.Running agent = Fork.start(List.of("-Dconnscope.console=summary"), IdleConnectionFlood.class.getName(),
                "server", String.valueOf(CONNECTIONS), String.valueOf(OPEN));
        clientWith = flood(agent);
        with = agent.await(240);
        assertEquals(0, without.exit, HostilePeersIT.brief(without));
        assertEquals(0, with.exit, HostilePeersIT.brief(with));
    }

    /** Runs the client (no agent) against the server once it is listening; returns the client's RESULT line. */
    private static String flood(Fork.Running server) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        Matcher ready = Pattern.compile("READY (\\d+)").matcher("");
        while (!ready.reset(server.stdoutSoFar()).find()) {
            if (System.nanoTime() > deadline || !server.process.isAlive()) {
                fail("the server did not start\n" + server.stdoutSoFar() + server.stderrSoFar());
            }
            Thread.sleep(20);
        }
        Fork.Running client = Fork.startCommand(List.of(Fork.java(), "-cp", Fork.testClasses().toString(),
                IdleConnectionFlood.class.getName(), "client", ready.group(1), String.valueOf(CONNECTIONS),
                String.valueOf(OPEN)));
        Fork.Result r = client.await(240);
        assertEquals(0, r.exit, "client\n" + r.stdout + r.stderr);
        return r.stdout.trim();
    }

    @Test
    void theClientsSeeTheSameWithAndWithoutTheAgent() {
        String expected = "RESULT connected=" + CONNECTIONS + " end_of_stream=" + CONNECTIONS;
        assertEquals(expected, clientWithout);
        assertEquals(expected, clientWith);
        assertTrue(without.stdout.contains("TRUTH accepted=" + CONNECTIONS + " "), HostilePeersIT.brief(without));
        assertTrue(with.stdout.contains("TRUTH accepted=" + CONNECTIONS + " "), HostilePeersIT.brief(with));
    }

    @Test
    void everyConnectionIsOneRecordClosedByTheServerWithNothingSent() throws Exception {
        Matcher truth = Pattern.compile("TRUTH accepted=(\\d+) port=(\\d+)").matcher(with.stdout);
        assertTrue(truth.find(), HostilePeersIT.brief(with));
        int port = Integer.parseInt(truth.group(2));
        long records = 0;
        long bytes = 0;
        long requests = 0;
        Set<Long> ids = new HashSet<>();
        Map<String, Integer> initiators = new TreeMap<>();
        Map<String, Integer> others = new TreeMap<>();
        try (BufferedReader in = Files.newBufferedReader(with.events, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                JsonNode n = JSON.readTree(line);
                String kind = n.path("type").asText() + " " + n.path("direction").asText() + " "
                        + n.path("local_port").asInt();
                if (!kind.equals("connection inbound " + port)) {
                    others.merge(kind, 1, Integer::sum);
                    continue;
                }
                records++;
                bytes += n.path("bytes_sent").asLong() + n.path("bytes_received").asLong();
                requests += n.path("requests").asLong();
                ids.add(n.path("id").asLong());
                initiators.merge(n.path("close_initiator").asText() + "/" + n.path("state").asText(), 1,
                        Integer::sum);
            }
        }
        assertEquals(CONNECTIONS, records, "inbound records on the server's port; other lines: " + others);
        assertEquals(CONNECTIONS, ids.size(), "distinct connection ids");
        assertEquals(0, bytes, "bytes either way");
        assertEquals(0, requests, "requests");
        assertEquals(Map.of("local/closed", CONNECTIONS), initiators, "who closed first, and the state");
        String summary = SummaryLine.exit(with);
        assertNotNull(summary, HostilePeersIT.brief(with));
        assertTrue(summary.endsWith(", dropped reports 0, internal errors 0"), summary);
        assertTrue(summary.contains(": " + CONNECTIONS + " closed, 0 open, 0 failed connects"), summary);
        assertFalse(with.stderr.contains("first internal error"), HostilePeersIT.brief(with));
    }

    @Test
    void theAgentsHeapStaysBoundedWithThousandsOpenAndAfter() {
        Map<String, Long> plain = heaps(without);
        Map<String, Long> agent = heaps(with);
        String both = "heap in use after a full GC, KB: with the agent " + agent + ", without " + plain;
        for (String at : List.of("open", "end")) {
            assertTrue(agent.get(at) - plain.get(at) <= HEAP_BOUND_KB, both + "; allowed " + HEAP_BOUND_KB
                    + " KB more");
        }
        // And it does not grow with the connections: from the second batch open to the end (95,000 connections
        // later) it grows by no more than its bounded tables of recent closes can hold (65,536 tuples kept for
        // TIME_WAIT matching, about 5 MB), over what the application's own heap did.
        long growth = (agent.get("end") - agent.get("open")) - (plain.get("end") - plain.get("open"));
        assertTrue(growth <= GROWTH_BOUND_KB, both + ": the agent's heap grew " + growth + " KB over "
                + (CONNECTIONS - 2 * OPEN) + " connections; allowed " + GROWTH_BOUND_KB);
        System.out.println("IdleConnectionFloodIT: " + both + "; the agent's growth " + growth + " KB");
    }

    private static Map<String, Long> heaps(Fork.Result r) {
        Map<String, Long> heaps = new TreeMap<>();
        Matcher m = HEAP.matcher(r.stdout);
        while (m.find()) {
            heaps.put(m.group(1), Long.parseLong(m.group(2)));
        }
        assertEquals(Set.of("warm", "open", "end"), heaps.keySet(), HostilePeersIT.brief(r));
        return heaps;
    }
}
