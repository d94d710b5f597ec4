package io.connscope.it.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Fork;
import io.connscope.it.Nginx;
import io.connscope.it.driver.PipelinedTraffic;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.connscope.it.http.HttpChecks.connections;
import static io.connscope.it.http.HttpChecks.requestsOf;
import static io.connscope.it.http.HttpChecks.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pipelined HTTP/1.1 ({@link PipelinedTraffic}): 50 requests written at once, GETs, HEADs and POSTs whose bodies read
 * like request lines, to the JDK HttpServer in the same JVM and to nginx. connscope counts each request on both
 * ends, as many as the server says it served (its handler's count; nginx's access log) and the client read
 * responses, and reports each exchange with its own response, in order.
 */
class PipelinedRequestsIT {

    private static final Pattern RESULT = Pattern.compile(
            "RESULT (\\S+) local_port=(\\d+) served=(-?\\d+) responses=(\\d+)");

    @Test
    void fiftyRequestsInOneWriteCountAsFiftyOnEachEnd() throws Exception {
        int nginxPort = Nginx.freePort();
        Path dir = Nginx.newDirectory("connscope-pipelined-");
        try (Nginx nginx = Nginx.start(dir, String.join("\n",
                "  log_format ports '$remote_port $connection_requests $status';",
                "  access_log " + dir + "/access.log ports;",
                "  keepalive_requests 1000;",
                "  server { listen 127.0.0.1:" + nginxPort + "; location / { return 200 \"ok\"; } }"), nginxPort)) {
            Fork.Result r = Fork.run(List.of("-Dconnscope.events.requests=true"), PipelinedTraffic.class.getName(),
                    String.valueOf(nginxPort));
            assertEquals(0, r.exit, r.stderr);
            nginx.stop();
            List<String> log = Files.readAllLines(dir.resolve("access.log"), StandardCharsets.UTF_8);
            Matcher m = RESULT.matcher(r.stdout);
            int peers = 0;
            while (m.find()) {
                peers++;
                String peer = m.group(1);
                int clientPort = Integer.parseInt(m.group(2));
                int served = peer.equals("nginx")
                        ? (int) log.stream().filter(l -> l.startsWith(clientPort + " ")).count()
                        : Integer.parseInt(m.group(3));
                int responses = Integer.parseInt(m.group(4));
                assertEquals(PipelinedTraffic.REQUESTS, served, peer + " served");
                assertEquals(PipelinedTraffic.REQUESTS, responses, peer + ": responses the client read");

                List<JsonNode> client = connections(r, "outbound", clientPort, null);
                assertEquals(1, client.size(), peer + ": " + HttpChecks.show(client));
                check(r, peer + " client side", client.get(0), served);
                if (peer.equals("jdk-server")) {
                    List<JsonNode> server = connections(r, "inbound", null, clientPort);
                    assertEquals(1, server.size(), HttpChecks.show(server));
                    check(r, peer + " server side", server.get(0), served);
                }
            }
            assertEquals(2, peers, r.stdout);
        }
    }

    private static void check(Fork.Result r, String where, JsonNode connection, int served) throws Exception {
        assertEquals(String.valueOf(served), text(connection, "requests"), where + ": " + connection);
        assertEquals("connection_close_by_client", text(connection, "close_reason"), where + ": " + connection);
        List<JsonNode> requests = requestsOf(r, connection);
        assertEquals(served, requests.size(), where);
        for (int i = 0; i < requests.size(); i++) {
            JsonNode q = requests.get(i);
            assertEquals(i + 1, q.path("index").asInt(), where);
            assertEquals(200, q.path("status").asInt(), where + ": request " + (i + 1) + " " + q);
            assertTrue(i == 0 ? !q.path("reused").asBoolean() : q.path("reused").asBoolean(), where + ": " + q);
        }
        assertEquals("close", text(requests.get(requests.size() - 1), "request_connection"), where);
    }
}
