package io.connscope.it.clients;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Fork;
import io.connscope.it.driver.clients.ReactorNettyDriver;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reactor Netty on the transport it picks by default, with the native epoll jar its POM brings (1.0.0,
 * linux-x86_64): epoll, which connscope follows through Netty's own socket class; and NIO when
 * {@code -Dreactor.netty.native=false} says so. Either way the client's connections are traced with the requests
 * the server counted, the server side (the JDK's sockets) stays exact, and connscope says nothing but its report.
 */
class ReactorNettyTransportIT {

    @Test
    void onEpollTheClientsConnectionsAreTracedThroughNettysNativeSocket() throws Exception {
        Fork.Result run = run(List.of());
        String context = "\n" + run.describe();
        assertEquals(List.of("RESULT transport=EpollSocketChannel"), transports(run), "Reactor Netty chose epoll" + context);
        checkClientSide(run, context);
    }

    /** The client's records: one per connection the server accepted, with its requests, closed by the right side. */
    private static void checkClientSide(Fork.Result run, String context) throws Exception {
        for (String scenario : List.of("sequential", "server-close")) {
            int port = port(run, scenario, context);
            List<JsonNode> outbound = run.records().stream()
                    .filter(r -> "connection".equals(r.path("type").asText()) && "outbound".equals(r.path("direction").asText())
                            && r.path("remote_port").asInt() == port)
                    .sorted(java.util.Comparator.comparingLong(r -> r.path("id").asLong()))
                    .collect(Collectors.toList());
            if (scenario.equals("sequential")) {
                assertEquals(1, outbound.size(), scenario + context);
                assertEquals(5, outbound.get(0).path("requests").asInt(), scenario + context);
                assertEquals("local", outbound.get(0).path("close_initiator").asText(), "the provider closed it" + context);
                assertEquals("127.0.0.1", outbound.get(0).path("local_address").asText(), context);
                assertTrue(outbound.get(0).path("bytes_sent").asLong() > 0 && outbound.get(0).path("bytes_received").asLong() > 0,
                        context);
            } else {
                assertEquals(2, outbound.size(), scenario + context);
                assertEquals(2, outbound.get(0).path("requests").asInt(), scenario + context);
                assertEquals("connection_close_by_server", outbound.get(0).path("close_reason").asText(), scenario + context);
                assertEquals(1, outbound.get(1).path("requests").asInt(), scenario + context);
            }
            for (JsonNode r : outbound) {
                assertEquals("closed", r.path("state").asText(), scenario + context);
            }
        }
    }

    /** {@code -Dreactor.netty.native=false} puts Reactor Netty on NIO (the JDK's sockets), traced the same. */
    @Test
    void withNativeOffReactorNettyRunsOnNioAndIsTraced() throws Exception {
        Fork.Result run = run(List.of("-Dreactor.netty.native=false"));
        String context = "\n" + run.describe();
        assertEquals(List.of("RESULT transport=NioSocketChannel"), transports(run), context);
        checkClientSide(run, context);
    }

    private static List<String> transports(Fork.Result run) {
        return run.stdout.lines().filter(l -> l.startsWith("RESULT transport=")).distinct().collect(Collectors.toList());
    }

    /** The scenario's server port, after checking the server's counts and that the server side was traced exactly. */
    private static int port(Fork.Result run, String scenario, String context) throws Exception {
        String result = run.stdout.lines().filter(l -> l.startsWith("RESULT scenario=" + scenario + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no RESULT for " + scenario + context));
        int port = Integer.parseInt(result.replaceAll(".*server_port=(\\d+).*", "$1"));
        int connections = Integer.parseInt(result.replaceAll(".*connections=(\\d+).*", "$1"));
        int requests = Integer.parseInt(result.replaceAll(".*requests=(\\d+).*", "$1"));
        assertEquals(scenario.equals("sequential") ? 1 : 2, connections, result + context);
        assertEquals(scenario.equals("sequential") ? 5 : 3, requests, result + context);
        List<JsonNode> inbound = run.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && "inbound".equals(r.path("direction").asText())
                        && r.path("local_port").asInt() == port)
                .collect(Collectors.toList());
        assertEquals(connections, inbound.size(), scenario + ": the server side is traced as ever" + context);
        assertEquals(requests, inbound.stream().mapToInt(r -> r.path("requests").asInt()).sum(), scenario + context);
        return port;
    }

    /** The driver on Reactor Netty's default loops and transport, after checking it ran and connscope said nothing else. */
    private static Fork.Result run(List<String> jvmArgs) throws Exception {
        Path dir = Paths.get(System.getProperty("connscope.clients.reactor-netty.oldest", ""));
        assertTrue(Files.isDirectory(dir), "no directory for connscope.clients.reactor-netty.oldest; run through Maven");
        List<Path> jars;
        try (Stream<Path> files = Files.list(dir)) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
        assertTrue(jars.stream().anyMatch(j -> j.getFileName().toString().startsWith("netty-transport-native-epoll")),
                "the native epoll jar is on the class path: " + jars);
        List<String> args = new java.util.ArrayList<>(List.of("-Dconnscope.console=connections", "-Dconnscope.events.requests=true"));
        args.addAll(jvmArgs);
        Fork.Result run = Fork.run(args, jars, ReactorNettyDriver.class.getName(), "transport=default", "sequential",
                "server-close");
        String context = "\n" + run.describe();
        assertEquals(0, run.exit, context);
        assertTrue(run.stdout.contains("\nDONE"), context);
        List<String> agentLines = run.stderr.lines().filter(l -> l.startsWith("connscope:")
                && !l.startsWith("connscope: closed ") && !l.startsWith("connscope: summary")).collect(Collectors.toList());
        assertEquals(List.of(), agentLines, "connscope said nothing but its report" + context);
        assertFalse(run.stderr.contains("Exception"), context);
        return run;
    }
}
