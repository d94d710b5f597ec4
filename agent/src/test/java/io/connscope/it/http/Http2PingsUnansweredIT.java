package io.connscope.it.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks;
import io.connscope.it.Fork;
import io.connscope.it.driver.clients.UnansweredPingsDriver;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer that stops answering PINGs ({@link UnansweredPingsDriver}: OkHttp's PING keep-alive against a raw HTTP/2
 * server that never answers one): each side's record counts the client's PINGs as the server read them, none
 * acknowledged, all unanswered at the close, and the close's reason follows what the client did about it.
 */
class Http2PingsUnansweredIT {

    private static final Pattern TRUTH = Pattern.compile("TRUTH port=(\\d+) pings=(\\d+) goaway=(\\S+)");
    /** RFC 9113 section 7's codes, by number, as connscope names them. */
    private static final List<String> CODES = List.of("no_error", "protocol_error", "internal_error",
            "flow_control_error", "settings_timeout", "stream_closed", "frame_size_error", "refused_stream", "cancel",
            "compression_error", "connect_error", "enhance_your_calm", "inadequate_security", "http_1_1_required");

    @Test
    void pingsThePeerNeverAnsweredAreCountedUnansweredOnBothSides() throws Exception {
        Fork.Result r = Fork.start(List.of(), jars(System.getProperty("connscope.clients.okhttp.newest", "")),
                UnansweredPingsDriver.class.getName()).await();
        String context = "\n" + r.describe();
        assertEquals(0, r.exit, context);
        assertTrue(r.stdout.contains("RESULT failed: "), "OkHttp gave the call up" + context);
        Matcher truth = TRUTH.matcher(r.stdout);
        assertTrue(truth.find(), context);
        int port = Integer.parseInt(truth.group(1));
        int pings = Integer.parseInt(truth.group(2));
        String goAway = truth.group(3);
        assertTrue(pings >= 1, "the server read PINGs" + context);
        String reason = goAway.equals("none") ? "ping_unanswered"
                : "goaway_by_client_" + CODES.get(Integer.parseInt(goAway));
        int records = 0;
        for (JsonNode n : r.records()) {
            boolean outbound = "outbound".equals(Checks.text(n, "direction"));
            if (!"connection".equals(Checks.text(n, "type"))
                    || (outbound ? n.path("remote_port") : n.path("local_port")).asInt() != port) {
                continue;
            }
            records++;
            JsonNode client = n.path("http2").path("pings").path("client");
            assertEquals(pings, client.path("sent").asInt(), n + context);
            assertEquals(0, client.path("acked").asInt(), n + context);
            assertEquals(pings, client.path("unanswered").asInt(), n + context);
            assertEquals(0, n.path("http2").path("pings").path("server").path("sent").asInt(), n + context);
            assertTrue(n.path("http2").path("ping_rtt_ms").isNull(), n + context);
            assertEquals(reason, Checks.text(n, "close_reason"), n + context);
            if (outbound) {
                // The console's close lines say why (the looks, or the kernel's rows), ahead of the long context.
                String closes = r.stderr.lines().filter(l -> l.startsWith("connscope: closed #"))
                        .collect(Collectors.joining("\n"));
                assertEquals("local", Checks.text(n, "close_initiator"), "the client gave up first\n" + closes + "\n"
                        + n + context);
            }
        }
        assertEquals(2, records, "the client's and the server's record" + context);
    }

    private static List<Path> jars(String directory) throws Exception {
        Path d = Paths.get(directory);
        assertTrue(Files.isDirectory(d), "no OkHttp jars at '" + directory + "'; run the ITs through Maven");
        try (Stream<Path> files = Files.list(d)) {
            return files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
    }
}
