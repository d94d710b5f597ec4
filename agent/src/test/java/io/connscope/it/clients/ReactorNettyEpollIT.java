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
 * Reactor Netty on its default transport with the native epoll jar its POM brings (1.0.0, linux-x86_64): epoll
 * bypasses the JDK's sockets, and connscope does not trace it. The application must work as without the agent,
 * connscope must say nothing about it (no error, no half-made record), and what it does trace (the JDK server on
 * the other end) must stay exact.
 */
class ReactorNettyEpollIT {

    @Test
    void theEpollTransportRunsUntracedAndTheAgentStaysQuietAndCorrect() throws Exception {
        Fork.Result run = run(List.of());
        String context = "\n" + run.describe();
        assertEquals(List.of("RESULT transport=EpollSocketChannel"), transports(run), "Reactor Netty chose epoll" + context);
        for (String scenario : List.of("sequential", "server-close")) {
            int port = port(run, scenario, context);
            List<JsonNode> outbound = run.records().stream()
                    .filter(r -> "outbound".equals(r.path("direction").asText()) && (r.path("remote_port").asInt() == port
                            || r.path("server_port").asInt() == port))
                    .collect(Collectors.toList());
            assertTrue(outbound.isEmpty(), scenario + ": the epoll client's connections are not traced: " + outbound + context);
        }
    }

    /** The README's way out: {@code -Dreactor.netty.native=false} puts Reactor Netty on NIO, which is traced. */
    @Test
    void withNativeOffReactorNettyRunsOnNioAndIsTraced() throws Exception {
        Fork.Result run = run(List.of("-Dreactor.netty.native=false"));
        String context = "\n" + run.describe();
        assertEquals(List.of("RESULT transport=NioSocketChannel"), transports(run), context);
        int port = port(run, "sequential", context);
        List<JsonNode> outbound = run.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && "outbound".equals(r.path("direction").asText())
                        && r.path("remote_port").asInt() == port)
                .collect(Collectors.toList());
        assertEquals(1, outbound.size(), context);
        assertEquals(5, outbound.get(0).path("requests").asInt(), context);
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
