package io.connscope.it.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Fork;
import io.connscope.it.Nginx;
import io.connscope.it.SummaryLine;
import io.connscope.it.driver.Http2Client;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JDK HttpClient speaking HTTP/2 over TLS to nginx: streams multiplexed on one connection count as requests
 * on it, all but a connection's first as reused. Ground truth: nginx's access log, which names the connection
 * ({@code $connection}) and the protocol of every request.
 */
class Http2IT {

    private Nginx nginx;
    private Path dir;

    @AfterEach
    void stop() throws Exception {
        if (nginx != null) {
            nginx.close();
        }
    }

    /** nginx serving HTTP/2 over TLS on a fresh port; returns the port. Its certificate is {@code dir/cert.pem}. */
    private int startNginx() throws Exception {
        String openssl = Nginx.tool("openssl", "openssl");
        dir = Nginx.newDirectory("connscope-h2-");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Fork.Result gen = Fork.exec(List.of(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1"));
        assertEquals(0, gen.exit, "openssl: " + gen.describe());
        int port = Nginx.freePort();
        String d = dir.toString();
        nginx = Nginx.start(dir, String.join("\n",
                "  log_format conns '$connection $connection_requests $server_protocol $status';",
                "  access_log " + d + "/access.log conns;",
                "  server { listen 127.0.0.1:" + port + " ssl http2;",
                "    ssl_certificate " + cert + "; ssl_certificate_key " + key + ";",
                "    location / { return 200 'Hello there!'; } }"), port);
        return port;
    }

    /** The client's run against a fresh nginx, once nginx stopped (its access log complete). */
    private static final class Run {
        final int port;
        final Fork.Result fork;
        final List<String> log;
        final String context;

        Run(int port, Fork.Result fork, List<String> log) {
            this.port = port;
            this.fork = fork;
            this.log = log;
            this.context = "\n--- nginx access log:\n" + String.join("\n", log) + "\n" + fork.describe();
        }
    }

    /** {@link Http2Client} with {@code jvmArg} against a fresh nginx; its ten answers all came over HTTP/2. */
    private Run run(String jvmArg) throws Exception {
        int port = startNginx();
        Fork.Result fork = Fork.run(List.of(jvmArg), Http2Client.class.getName(), Integer.toString(port),
                dir.resolve("cert.pem").toString());
        nginx.stop();
        Run run = new Run(port, fork, Files.readAllLines(dir.resolve("access.log")));
        assertTrue(fork.stdout.contains("RESULT requests=10 versions=" + String.join(",", Collections.nCopies(10, "HTTP_2"))),
                "all 10 responses came over HTTP/2" + run.context);
        return run;
    }

    @Test
    void streamsOnOneConnectionAreRequestsThatReuseIt() throws Exception {
        Run h2 = run("-Dconnscope.events.requests=true");
        String context = h2.context;
        int port = h2.port;
        assertEquals(10, h2.log.size(), context);
        Set<String> nginxConnections = new HashSet<>();
        for (String line : h2.log) {
            assertTrue(line.contains("HTTP/2.0 200"), "nginx served HTTP/2: " + line + context);
            nginxConnections.add(line.split(" ")[0]);
        }
        List<JsonNode> conns = h2.fork.records().stream()
                .filter(r -> "connection".equals(r.path("type").asText()) && r.path("remote_port").asInt() == port)
                .collect(Collectors.toList());
        assertEquals(nginxConnections.size(), conns.size(), "as many connections as nginx saw" + context);
        assertEquals(10, conns.stream().mapToInt(r -> r.path("requests").asInt()).sum(), context);
        for (JsonNode c : conns) {
            assertEquals(1, c.path("tls_handshakes").asInt(), context);
        }
        List<JsonNode> requests = h2.fork.records().stream()
                .filter(r -> "request".equals(r.path("type").asText()) && r.path("server_port").asInt() == port)
                .collect(Collectors.toList());
        assertEquals(10, requests.size(), context);
        assertEquals(10, requests.stream().filter(r -> "HTTP/2".equals(r.path("http_version").asText())).count(), context);
        assertEquals(10 - nginxConnections.size(), requests.stream().filter(r -> r.path("reused").asBoolean()).count(),
                "every stream after a connection's first reuses it" + context);
        // Counted once, from the frames the JDK's SSLEngine handed over (its stream hook stands aside), with the
        // :status nginx sent, decoded from HPACK.
        for (JsonNode c : conns) {
            assertEquals(c.path("requests").asInt(), c.path("http2").path("streams_client").asInt(), context);
            assertTrue(c.path("http2").path("unparsed").isNull(), context);
        }
        assertEquals(10, requests.stream().filter(r -> r.path("status").asInt() == 200).count(), context);
    }

    /**
     * The HTTP/2 stream advice under handlers that throw on every event ({@code FailingHandlersIT} runs the other
     * paths): the client gets all ten answers over HTTP/2, as nginx's log says, and the failures are counted.
     */
    @Test
    void handlersThatThrowOnEveryEventLeaveTheStreamsAlone() throws Exception {
        Run h2 = run("-Dconnscope.test.failing.handlers=true");
        assertEquals(10, h2.log.stream().filter(l -> l.endsWith("HTTP/2.0 200")).count(), h2.context);
        assertTrue(SummaryLine.internalErrors(h2.fork) > 0, "expected counted internal errors" + h2.context);
    }
}
