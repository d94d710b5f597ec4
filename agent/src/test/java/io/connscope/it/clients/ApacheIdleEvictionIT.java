package io.connscope.it.clients;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Fork;
import io.connscope.it.driver.clients.Apache4IdleEvictionDriver;
import io.connscope.it.driver.clients.Apache5IdleEvictionDriver;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Apache HttpClient's pools closing connections on their own, at both ends of the claimed versions, 5.x classic and
 * async and 4.5, one JVM each running the drivers' three scenarios: idle eviction ({@code closeIdle},
 * {@code closeIdleConnections}: {@code pool_idle_timeout}; the async pool's close runs later on its I/O reactor),
 * a time to live found expired when the pool leases the connection, and {@code closeExpired}
 * ({@code pool_max_lifetime}). The drivers' server counts connections and requests; its side of each closed
 * connection says the client closed it idle.
 */
class ApacheIdleEvictionIT {

    @ParameterizedTest
    @CsvSource({"httpclient5.oldest,classic,Apache HttpClient 5", "httpclient5.newest,classic,Apache HttpClient 5",
            "httpclient5.oldest,async,Apache HttpClient 5 async", "httpclient5.newest,async,Apache HttpClient 5 async",
            "httpclient4.oldest,,Apache HttpClient 4", "httpclient4.newest,,Apache HttpClient 4"})
    void poolClosesSayWhy(String clientsKey, String flavor, String pool) throws Exception {
        Path dir = Paths.get(System.getProperty("connscope.clients." + clientsKey, ""));
        assertTrue(Files.isDirectory(dir), "no directory for connscope.clients." + clientsKey + "; run through Maven");
        List<Path> jars;
        try (Stream<Path> files = Files.list(dir)) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
        List<String> args = new ArrayList<>();
        String driver = Apache4IdleEvictionDriver.class.getName();
        if (flavor != null) {
            driver = Apache5IdleEvictionDriver.class.getName();
            args.add(flavor);
        }
        Fork.Result run = Fork.run(List.of("-Dconnscope.console=off", "-Dconnscope.events.requests=true"), jars, driver,
                args.toArray(new String[0]));
        String context = "\n" + run.describe();
        assertTrue(run.stdout.contains("\nDONE"), "the driver finished every scenario" + context);

        // evict: one connection, one request, closed by the pool's idle eviction.
        int port = port(run, "evict", "connections=1 requests=1 closed=1", context);
        List<JsonNode> outbound = connections(run, "outbound", port);
        assertEquals(1, outbound.size(), context);
        assertEquals("pool_idle_timeout", outbound.get(0).path("close_reason").asText(), context);
        assertEquals("local", outbound.get(0).path("close_initiator").asText(), context);
        assertEquals(1, outbound.get(0).path("requests").asInt(), context);
        assertPool(run, port, pool, 1, context);
        assertServerSawIdleCloses(run, port, 1, context);

        // ttl: the first connection outlived its 300 ms when the second request leased it; a new one carried that.
        port = port(run, "ttl", "connections=2 requests=2", context);
        outbound = connections(run, "outbound", port);
        assertEquals(2, outbound.size(), context);
        assertEquals("pool_max_lifetime", outbound.get(0).path("close_reason").asText(), context);
        assertEquals("local", outbound.get(0).path("close_initiator").asText(), context);
        assertEquals(1, outbound.get(0).path("requests").asInt(), context);
        assertEquals(1, outbound.get(1).path("requests").asInt(), context);
        assertPool(run, port, pool, 2, context);
        assertServerSawIdleCloses(run, port, 2, context);

        // expired: closeExpired closes the connection that outlived its time to live.
        port = port(run, "expired", "connections=1 requests=1 closed=1", context);
        outbound = connections(run, "outbound", port);
        assertEquals(1, outbound.size(), context);
        assertEquals("pool_max_lifetime", outbound.get(0).path("close_reason").asText(), context);
        assertEquals("local", outbound.get(0).path("close_initiator").asText(), context);
        assertPool(run, port, pool, 1, context);
        assertServerSawIdleCloses(run, port, 1, context);
    }

    private static int port(Fork.Result run, String scenario, String counts, String context) {
        String result = run.stdout.lines().filter(l -> l.startsWith("RESULT scenario=" + scenario + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no RESULT for " + scenario + context));
        assertTrue(result.contains(counts), scenario + ": the server counted " + counts + ": " + result + context);
        return Integer.parseInt(result.replaceAll(".*server_port=(\\d+).*", "$1"));
    }

    private static List<JsonNode> connections(Fork.Result run, String direction, int port) throws Exception {
        String portField = direction.equals("outbound") ? "remote_port" : "local_port";
        return run.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && direction.equals(r.path("direction").asText())
                        && r.path(portField).asInt() == port)
                .sorted(Comparator.comparingLong(r -> r.path("id").asLong()))
                .collect(Collectors.toList());
    }

    /** Every outbound request object names the pool. */
    private static void assertPool(Fork.Result run, int port, String pool, int requests, String context) throws Exception {
        List<JsonNode> objects = run.records().stream()
                .filter(r -> "request".equals(r.path("type").asText()) && "outbound".equals(r.path("direction").asText())
                        && r.path("server_port").asInt() == port)
                .collect(Collectors.toList());
        assertEquals(requests, objects.size(), context);
        for (JsonNode r : objects) {
            assertEquals(pool, r.path("pool").asText(), "the request names its pool" + context);
        }
    }

    /** The server's records: the first {@code closed} connections ended by the client while idle. */
    private static void assertServerSawIdleCloses(Fork.Result run, int port, int closed, String context) throws Exception {
        List<JsonNode> inbound = connections(run, "inbound", port);
        assertTrue(inbound.size() >= closed, context);
        for (JsonNode c : inbound.subList(0, closed)) {
            assertEquals("peer_closed_idle", c.path("close_reason").asText(), context);
            assertEquals("remote", c.path("close_initiator").asText(), context);
        }
    }
}
