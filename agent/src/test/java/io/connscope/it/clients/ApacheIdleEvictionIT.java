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
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Apache HttpClient's pools evicting idle connections (5.x classic {@code closeIdle}, 4.5
 * {@code closeIdleConnections}), at both ends of the claimed versions: the client's record says
 * {@code pool_idle_timeout}, the server's that the peer closed it idle. The driver's server counts connections.
 */
class ApacheIdleEvictionIT {

    @ParameterizedTest
    @CsvSource({"httpclient5.oldest,5", "httpclient5.newest,5", "httpclient4.oldest,4", "httpclient4.newest,4"})
    void anEvictedIdleConnectionIsAPoolIdleTimeout(String clientsKey, int major) throws Exception {
        Path dir = Paths.get(System.getProperty("connscope.clients." + clientsKey, ""));
        assertTrue(Files.isDirectory(dir), "no directory for connscope.clients." + clientsKey + "; run through Maven");
        List<Path> jars;
        try (Stream<Path> files = Files.list(dir)) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
        String driver = (major == 5 ? Apache5IdleEvictionDriver.class : Apache4IdleEvictionDriver.class).getName();
        Fork.Result run = Fork.run(List.of("-Dconnscope.console=off"), jars, driver);
        String context = "\n" + run.describe();
        String result = run.stdout.lines().filter(l -> l.startsWith("RESULT scenario=evict")).findFirst()
                .orElseThrow(() -> new AssertionError("no RESULT" + context));
        assertTrue(result.contains("connections=1") && result.contains("closed=1"), result + context);
        int port = Integer.parseInt(result.replaceAll(".*server_port=(\\d+).*", "$1"));
        List<JsonNode> outbound = run.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && r.path("remote_port").asInt() == port)
                .collect(Collectors.toList());
        assertEquals(1, outbound.size(), context);
        assertEquals("pool_idle_timeout", outbound.get(0).path("close_reason").asText(), context);
        assertEquals(1, outbound.get(0).path("requests").asInt(), context);
        List<JsonNode> inbound = run.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && r.path("local_port").asInt() == port
                        && "inbound".equals(r.path("direction").asText()))
                .collect(Collectors.toList());
        assertEquals(1, inbound.size(), context);
        assertEquals("peer_closed_idle", inbound.get(0).path("close_reason").asText(), context);
    }
}
