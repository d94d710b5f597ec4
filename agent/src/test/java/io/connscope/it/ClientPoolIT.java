package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.driver.PoolScenarios;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JDK clients' own pools, seen by the agent: HttpURLConnection's KeepAliveCache and the HttpClient's
 * ConnectionPool name their connections and say why they close them (full, or idle too long); HTTPS requests are
 * counted inside the JDK's SSLSocket. The driver's server counts connections itself, which is the ground truth.
 */
class ClientPoolIT {

    private static List<JsonNode> select(List<JsonNode> records, String type, String direction, int serverPort) {
        return records.stream()
                .filter(r -> type.equals(r.path("type").asText()) && direction.equals(r.path("direction").asText()))
                .filter(r -> type.equals("request") ? r.path("server_port").asInt() == serverPort
                        : (direction.equals("outbound") ? r.path("remote_port") : r.path("local_port")).asInt() == serverPort)
                .collect(Collectors.toList());
    }

    private static long count(List<JsonNode> records, String field, String value) {
        return records.stream().filter(r -> value.equals(r.path(field).asText(null))).count();
    }

    @Test
    void aFullPoolClosesWhatItCannotKeepAndReusesTheRest() throws Exception {
        Fork.Result run = Fork.run(List.of("-Dhttp.maxConnections=2", "-Dconnscope.events.requests=true"),
                PoolScenarios.class.getName(), "pool-full");
        int port = run.resultValue("server_port");
        assertEquals(4, run.resultValue("connections"), run.describe());
        List<JsonNode> records = run.records();
        List<JsonNode> outbound = select(records, "connection", "outbound", port);
        String context = "\n" + run.describe();
        assertEquals(4, outbound.size(), "one record per connection the server accepted" + context);
        List<JsonNode> closed = outbound.stream().filter(r -> r.path("state").asText().equals("closed")).collect(Collectors.toList());
        assertEquals(2, closed.size(), "the pool keeps 2 of 4: it closes 2" + context);
        for (JsonNode r : closed) {
            assertEquals("pool_full", r.path("close_reason").asText(), context);
            assertEquals("local", r.path("close_initiator").asText(), context);
            assertEquals(1, r.path("requests").asInt(), context);
        }
        List<JsonNode> kept = outbound.stream().filter(r -> r.path("state").asText().equals("open")).collect(Collectors.toList());
        assertEquals(2, kept.size(), context);
        assertEquals(4, kept.stream().mapToInt(r -> r.path("requests").asInt()).sum(),
                "the 2 later requests reused the kept connections" + context);
        List<JsonNode> requests = select(records, "request", "outbound", port);
        assertEquals(6, requests.size(), context);
        assertEquals(6, count(requests, "pool", "HttpURLConnection"), "every request names its pool" + context);
        assertEquals(2, count(requests, "reused", "true"), context);
        List<JsonNode> inbound = select(records, "connection", "inbound", port);
        assertEquals(4, inbound.size(), context);
        assertEquals(2, inbound.stream().filter(r -> r.path("close_reason").asText("").equals("peer_closed_idle")
                && r.path("close_initiator").asText().equals("remote")).count(), "the server saw the client close idle connections" + context);
        assertTrue(run.stderr.contains("pool HttpURLConnection -> 127.0.0.1:" + port + ": idle=2 active=0"),
                "the summary shows the pool holding 2 idle connections" + context);
    }

    @Test
    void theKeepAliveTimerClosesAConnectionIdlePastTheServersTimeout() throws Exception {
        Fork.Result run = Fork.run(List.of(), PoolScenarios.class.getName(), "idle-timeout");
        int port = run.resultValue("server_port");
        assertEquals(1, run.resultValue("closed"), "the server saw the connection end" + run.describe());
        List<JsonNode> outbound = select(run.records(), "connection", "outbound", port);
        String context = "\n" + run.describe();
        assertEquals(1, outbound.size(), context);
        assertEquals("pool_idle_timeout", outbound.get(0).path("close_reason").asText(), context);
        assertEquals("local", outbound.get(0).path("close_initiator").asText(), context);
        List<JsonNode> inbound = select(run.records(), "connection", "inbound", port);
        assertEquals("remote", inbound.get(0).path("close_initiator").asText(), context);
        assertEquals("peer_closed_idle", inbound.get(0).path("close_reason").asText(), context);
    }

    @Test
    void theHttpClientsPoolClosesConnectionsIdlePastItsKeepAliveTimeout() throws Exception {
        Fork.Result run = Fork.run(List.of("-Djdk.httpclient.keepalive.timeout=2", "-Dconnscope.events.requests=true"),
                PoolScenarios.class.getName(), "httpclient-idle");
        int port = run.resultValue("server_port");
        String context = "\n" + run.describe();
        assertEquals(1, run.resultValue("connections"), "3 sequential requests on one connection" + context);
        assertEquals(1, run.resultValue("closed"), "the server saw the client close it" + context);
        List<JsonNode> outbound = select(run.records(), "connection", "outbound", port);
        assertEquals(1, outbound.size(), context);
        assertEquals(3, outbound.get(0).path("requests").asInt(), context);
        assertEquals("pool_idle_timeout", outbound.get(0).path("close_reason").asText(), context);
        assertEquals("local", outbound.get(0).path("close_initiator").asText(), context);
        List<JsonNode> requests = select(run.records(), "request", "outbound", port);
        assertEquals(3, count(requests, "pool", "HttpClient"), context);
        List<JsonNode> inbound = select(run.records(), "connection", "inbound", port);
        assertEquals("peer_closed_idle", inbound.get(0).path("close_reason").asText(), context);
    }

    /** A keystore with one EC key for 127.0.0.1, made by the JDK's keytool. */
    private static Path keystore(Path dir) throws Exception {
        Path keystore = dir.resolve("ks.p12");
        Path keytool = Paths.get(Fork.java()).resolveSibling("keytool");
        Fork.Result gen = Fork.exec(List.of(keytool.toString(), "-genkeypair", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit", "-alias", "test",
                "-keyalg", "EC", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-validity", "2"));
        assertEquals(0, gen.exit, "keytool: " + gen.describe());
        return keystore;
    }

    @Test
    void httpsRequestsAreCountedInsideTheJdksSslEngineOnBothSides(@TempDir Path dir) throws Exception {
        Fork.Result run = Fork.run(List.of("-Dconnscope.events.requests=true"), PoolScenarios.class.getName(),
                "https-engine", keystore(dir).toString());
        int port = run.resultValue("server_port");
        String context = "\n" + run.describe();
        assertEquals(1, run.resultValue("connections"), "the HttpClient reused one connection" + context);
        assertEquals(4, run.resultValue("requests"), context);
        for (String direction : List.of("outbound", "inbound")) {
            List<JsonNode> conns = select(run.records(), "connection", direction, port);
            assertEquals(1, conns.size(), direction + context);
            assertEquals(4, conns.get(0).path("requests").asInt(), direction + ": requests inside TLS" + context);
            assertEquals(1, conns.get(0).path("tls_handshakes").asInt(), direction + context);
            List<JsonNode> requests = select(run.records(), "request", direction, port);
            assertEquals(4, requests.size(), direction + context);
            assertEquals(3, count(requests, "reused", "true"), direction + context);
            assertEquals(4, count(requests, "status", "200"), direction + context);
        }
    }

    @Test
    void httpsRequestsAreCountedInsideTheJdksSslSocketOnBothSides(@TempDir Path dir) throws Exception {
        Path keystore = keystore(dir);
        Fork.Result run = Fork.run(List.of("-Dconnscope.events.requests=true"), PoolScenarios.class.getName(),
                "https", keystore.toString());
        int port = run.resultValue("server_port");
        String context = "\n" + run.describe();
        assertEquals(1, run.resultValue("connections"), "HttpsURLConnection reused one connection" + context);
        for (String direction : List.of("outbound", "inbound")) {
            List<JsonNode> conns = select(run.records(), "connection", direction, port);
            assertEquals(1, conns.size(), direction + context);
            assertEquals(3, conns.get(0).path("requests").asInt(), direction + ": requests inside TLS" + context);
            assertEquals(1, conns.get(0).path("tls_handshakes").asInt(), direction + context);
            List<JsonNode> requests = select(run.records(), "request", direction, port);
            assertEquals(3, requests.size(), direction + context);
            assertEquals(2, count(requests, "reused", "true"), direction + context);
        }
    }
}
