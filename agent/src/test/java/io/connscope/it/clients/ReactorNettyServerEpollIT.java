package io.connscope.it.clients;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Fork;
import io.connscope.it.driver.clients.ReactorNettyServerDriver;
import org.junit.jupiter.api.Test;

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
 * The server side of Netty's epoll transport: a Reactor Netty server (1.0.0, native epoll jar) accepts two
 * connections from a JDK socket client that counts its own requests. Each accepted connection gets an inbound
 * record with the client's requests, the side that closed first, and the 4-tuple the client's outbound record has.
 */
class ReactorNettyServerEpollIT {

    @Test
    void connectionsAnEpollServerAcceptsAreTraced() throws Exception {
        Path dir = Paths.get(System.getProperty("connscope.clients.reactor-netty.oldest", ""));
        assertTrue(Files.isDirectory(dir), "no directory for connscope.clients.reactor-netty.oldest; run through Maven");
        List<Path> jars;
        try (Stream<Path> files = Files.list(dir)) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
        Fork.Result run = Fork.run(List.of("-Dconnscope.console=connections", "-Dconnscope.events.requests=true"), jars,
                ReactorNettyServerDriver.class.getName());
        String context = "\n" + run.describe();
        assertEquals(0, run.exit, context);
        assertTrue(run.stdout.contains("\nDONE"), context);
        assertEquals(List.of("RESULT transport=EpollSocketChannel"),
                run.stdout.lines().filter(l -> l.startsWith("RESULT transport=")).distinct().collect(Collectors.toList()),
                "the server ran on epoll" + context);
        String result = run.stdout.lines().filter(l -> l.startsWith("RESULT scenario=server ")).findFirst()
                .orElseThrow(() -> new AssertionError("no RESULT" + context));
        int port = Integer.parseInt(result.replaceAll(".*server_port=(\\d+).*", "$1"));
        assertTrue(result.endsWith(" connections=2 requests=4"), result + context);

        List<JsonNode> inbound = connections(run, "inbound", "local_port", port);
        List<JsonNode> outbound = connections(run, "outbound", "remote_port", port);
        assertEquals(2, inbound.size(), context);
        assertEquals(2, outbound.size(), context);
        for (int i = 0; i < 2; i++) {
            assertEquals(outbound.get(i).path("local_port").asInt(), inbound.get(i).path("remote_port").asInt(),
                    "the same connection on both sides" + context);
            assertEquals(i == 0 ? 3 : 1, inbound.get(i).path("requests").asInt(), context);
            assertEquals("closed", inbound.get(i).path("state").asText(), context);
            assertEquals(outbound.get(i).path("bytes_sent").asLong(), inbound.get(i).path("bytes_received").asLong(), context);
            assertEquals(outbound.get(i).path("bytes_received").asLong(), inbound.get(i).path("bytes_sent").asLong(), context);
        }
        assertEquals("remote", inbound.get(0).path("close_initiator").asText(), "the client shut its output first" + context);
        assertEquals("peer_closed_idle", inbound.get(0).path("close_reason").asText(), context);
        assertEquals("local", inbound.get(1).path("close_initiator").asText(), "the server closed after its response" + context);
        assertEquals("connection_close_by_client", inbound.get(1).path("close_reason").asText(), context);
        assertEquals("local", outbound.get(0).path("close_initiator").asText(), context);
        assertEquals("remote", outbound.get(1).path("close_initiator").asText(), context);
        List<JsonNode> requests = run.records().stream()
                .filter(r -> "request".equals(r.path("type").asText()) && "inbound".equals(r.path("direction").asText())
                        && r.path("server_port").asInt() == port)
                .collect(Collectors.toList());
        assertEquals(4, requests.size(), context);
        assertEquals(2, requests.stream().filter(r -> r.path("reused").asBoolean()).count(), context);
        for (JsonNode r : requests) {
            assertEquals(200, r.path("status").asInt(), context);
        }
    }

    private static List<JsonNode> connections(Fork.Result run, String direction, String portField, int port) throws Exception {
        return run.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && direction.equals(r.path("direction").asText())
                        && r.path(portField).asInt() == port)
                .sorted(Comparator.comparingLong(r -> r.path("id").asLong()))
                .collect(Collectors.toList());
    }
}
