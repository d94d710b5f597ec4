package io.connscope.it.clients;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Fork;
import io.connscope.it.driver.clients.OkHttpPoolDriver;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OkHttp's pool closing idle connections, at both ends of the claimed versions: one because the pool keeps only
 * one idle connection ({@code pool_full}), the other because it sat idle past the pool's keep-alive
 * ({@code pool_idle_timeout}); both named by their pool. The driver's server counts connections itself.
 */
class OkHttpPoolSweepIT {

    @ParameterizedTest
    @ValueSource(strings = {"okhttp.oldest", "okhttp.newest"})
    void theSweepSaysWhyItClosedEachConnection(String clientsKey) throws Exception {
        Path dir = Paths.get(System.getProperty("connscope.clients." + clientsKey, ""));
        assertTrue(Files.isDirectory(dir), "no directory for connscope.clients." + clientsKey + "; run through Maven");
        List<Path> jars;
        try (Stream<Path> files = Files.list(dir)) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
        Fork.Result run = Fork.run(List.of("-Dconnscope.console=summary"), jars, OkHttpPoolDriver.class.getName());
        String context = "\n" + run.describe();
        String result = run.stdout.lines().filter(l -> l.startsWith("RESULT scenario=sweep")).findFirst()
                .orElseThrow(() -> new AssertionError("no RESULT" + context));
        int port = Integer.parseInt(result.replaceAll(".*server_port=(\\d+).*", "$1"));
        assertTrue(result.contains("connections=2") && result.contains("closed=2"), result + context);
        List<JsonNode> outbound = run.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && r.path("remote_port").asInt() == port)
                .collect(Collectors.toList());
        assertEquals(2, outbound.size(), context);
        List<String> reasons = outbound.stream().map(r -> r.path("close_reason").asText()).sorted().collect(Collectors.toList());
        assertEquals(List.of("pool_full", "pool_idle_timeout"), reasons, context);
        for (JsonNode r : outbound) {
            assertEquals("local", r.path("close_initiator").asText(), context);
            assertEquals(1, r.path("requests").asInt(), context);
        }
    }
}
