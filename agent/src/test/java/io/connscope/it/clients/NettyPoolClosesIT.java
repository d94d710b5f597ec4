package io.connscope.it.clients;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Fork;
import io.connscope.it.driver.clients.NettyPoolFullDriver;
import io.connscope.it.driver.clients.ReactorNettyPoolDriver;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pools of Netty and Reactor Netty closing connections, at both ends of the claimed versions, each in a JVM of
 * its own whose servers count connections themselves: a Netty pool that has no room for a returned channel
 * ({@code pool_full}), and Reactor Netty's {@code maxIdleTime} ({@code pool_idle_timeout}) and {@code maxLifeTime}
 * ({@code pool_max_lifetime}). The connection the pool still held at the end closes with the pool
 * ({@code application_close}). Every connection carries one request and is named by its pool.
 */
class NettyPoolClosesIT {

    @ParameterizedTest
    @ValueSource(strings = {"netty41.oldest", "netty41.newest"})
    void aNettyPoolWithNoRoomForAReturnedChannelClosesIt(String clientsKey) throws Exception {
        Fork.Result run = run(clientsKey, NettyPoolFullDriver.class.getName());
        String context = "\n" + run.describe();
        List<JsonNode> outbound = outbound(run, "pool-full", 2, context);
        assertEquals(List.of("application_close", "pool_full"), reasons(outbound), context);
        for (JsonNode r : outbound) {
            assertEquals("local", r.path("close_initiator").asText(), context);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reactor-netty.oldest", "reactor-netty.newest"})
    void reactorNettysPoolSaysWhichLimitClosedAConnection(String clientsKey) throws Exception {
        Fork.Result run = run(clientsKey, ReactorNettyPoolDriver.class.getName());
        String context = "\n" + run.describe();
        for (String scenario : List.of("idle-limit", "life-limit")) {
            List<JsonNode> outbound = outbound(run, scenario, 2, context);
            String limit = scenario.equals("idle-limit") ? "pool_idle_timeout" : "pool_max_lifetime";
            assertEquals(limit, outbound.get(0).path("close_reason").asText(),
                    scenario + ": the first connection outlived the limit" + context);
            assertEquals("application_close", outbound.get(1).path("close_reason").asText(),
                    scenario + ": the second closed with the provider" + context);
            for (JsonNode r : outbound) {
                assertEquals("local", r.path("close_initiator").asText(), scenario + context);
            }
            List<JsonNode> requests = run.records().stream()
                    .filter(r -> "request".equals(r.path("type").asText())
                            && outbound.stream().anyMatch(c -> c.path("id").asLong() == r.path("connection_id").asLong()))
                    .collect(Collectors.toList());
            assertEquals(2, requests.size(), scenario + context);
            for (JsonNode r : requests) {
                assertEquals("Reactor Netty (" + scenario + ")", r.path("pool").asText(), scenario + context);
                assertEquals(1, r.path("index").asInt(), scenario + context);
            }
        }
    }

    private static Fork.Result run(String clientsKey, String driver) throws Exception {
        Path dir = Paths.get(System.getProperty("connscope.clients." + clientsKey, ""));
        assertTrue(Files.isDirectory(dir), "no directory for connscope.clients." + clientsKey + "; run through Maven");
        List<Path> jars;
        try (Stream<Path> files = Files.list(dir)) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
        return Fork.run(List.of("-Dconnscope.console=summary", "-Dconnscope.events.requests=true"), jars, driver);
    }

    /** The outbound records to the scenario's server, by id, after checking the server's own counts. */
    private static List<JsonNode> outbound(Fork.Result run, String scenario, int connections, String context)
            throws IOException {
        String result = run.stdout.lines().filter(l -> l.startsWith("RESULT scenario=" + scenario + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no RESULT for " + scenario + context));
        assertTrue(result.contains(" connections=" + connections + " ") && result.contains(" requests=" + connections + " ")
                && result.endsWith(" closed=" + connections), result + context);
        int port = Integer.parseInt(result.replaceAll(".*server_port=(\\d+).*", "$1"));
        List<JsonNode> outbound = run.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && "outbound".equals(r.path("direction").asText())
                        && r.path("remote_port").asInt() == port)
                .sorted(Comparator.comparingLong(r -> r.path("id").asLong()))
                .collect(Collectors.toList());
        assertEquals(connections, outbound.size(), scenario + context);
        for (JsonNode r : outbound) {
            assertEquals(1, r.path("requests").asInt(), scenario + context);
            assertEquals("closed", r.path("state").asText(), scenario + context);
        }
        return outbound;
    }

    private static List<String> reasons(List<JsonNode> records) {
        return records.stream().map(r -> r.path("close_reason").asText()).sorted().collect(Collectors.toList());
    }
}
