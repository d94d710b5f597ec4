package io.connscope.it.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.TestJars;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * gRPC-java at the version the build compiles against (agent/pom.xml grpc.version), every scenario: besides the
 * base's, PING keep-alive a server accepts and one it punishes with {@code too_many_pings} (about 35 s in all).
 */
class GrpcHttp2IT extends AbstractGrpcHttp2IT {

    @Override
    List<Path> grpcJars() {
        return TestJars.grpc();
    }

    @Override
    String scenarios() {
        return null;
    }

    @Test
    void pingsTheServerAcceptsAreAcknowledgedAndTimed() throws Exception {
        Pair p = new Pair("lenient_pings");
        p.assertFramesMatch();
        JsonNode pings = p.client.path("http2").path("pings").path("client");
        assertTrue(pings.path("sent").asInt() >= 2, "keep-alive PINGs every 10 s for 25 s" + p.context);
        assertEquals(pings.path("sent").asInt(), pings.path("acked").asInt(), "all answered" + p.context);
        JsonNode rtt = p.client.path("http2").path("ping_rtt_ms");
        assertEquals(pings.path("acked").asInt(), rtt.path("count").asInt(), "a round trip per answered PING" + p.context);
        assertTrue(rtt.path("min").asDouble() > 0 && rtt.path("min").asDouble() <= rtt.path("max").asDouble(), p.context);
        assertTrue(rtt.path("max").asDouble() < 1000, "loopback round trips" + p.context);
        // Keep-alive side by side: gRPC set TCP_USER_TIMEOUT to its keepAliveTimeout (15 s) through epoll.
        assertEquals(15000, p.client.path("keepalive").path("user_timeout_ms").asInt(), p.context);
        assertTrue(p.server.path("keepalive").path("user_timeout_ms").isNull(), p.context);
        // The server's own PINGs (gRPC's flow-control probes, its shutdown's) are timed on its record, not the client's.
        int serverAcked = p.server.path("http2").path("pings").path("server").path("acked").asInt();
        assertEquals(serverAcked, p.server.path("http2").path("ping_rtt_ms").path("count").asInt(), p.context);
        assertTrue(p.client.path("http2").path("goaways").path(0).path("error").asText("no_error").equals("no_error"),
                "no enhance_your_calm" + p.context);
        p.assertCloseMatchesKernel();
    }

    @Test
    void aClientThatPingsTooOftenGetsEnhanceYourCalm() throws Exception {
        Pair p = new Pair("too_many_pings");
        p.assertFramesMatch();
        JsonNode g = p.firstGoAway();
        assertEquals("server", g.path("from").asText(), p.context);
        assertEquals("enhance_your_calm", g.path("error").asText(), p.context);
        assertEquals("too_many_pings", g.path("debug").asText(), p.context);
        assertEquals(1, p.serverFrame("OUTBOUND_GO_AWAY_CODE11"), "gRPC's server says so too" + p.context);
        assertEquals("goaway_by_server_enhance_your_calm", p.client.path("close_reason").asText(), p.context);
        assertEquals("goaway_by_server_enhance_your_calm", p.server.path("close_reason").asText(), p.context);
        p.assertCloseMatchesKernel();
    }

    @Test
    void theConsoleLineShowsTheHttp2Part() {
        String line = run.stderr.lines().filter(l -> l.contains("goaway=server:enhance_your_calm:too_many_pings"))
                .findFirst().orElse(null);
        if (line == null) {
            fail("a console line with the too_many_pings GOAWAY\n" + run.describe());
        }
        assertTrue(line.contains(" h2 max_open_streams="), line);
        assertTrue(line.contains("close_reason=goaway_by_server_enhance_your_calm"), line);
    }
}
