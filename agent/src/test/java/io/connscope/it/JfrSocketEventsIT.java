package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.driver.JfrTraffic;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.connscope.it.Checks.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * connscope and a JFR recording of socket events ({@code jdk.SocketRead}, {@code jdk.SocketWrite}, threshold 0) in
 * one JVM. JFR instruments the same JDK classes (on JDK 17 by rewriting {@code Socket}'s streams and
 * {@code SocketChannelImpl}; on JDK 25 through events the socket code emits itself): both must see every byte of
 * {@link JfrTraffic}'s connections, on plain sockets and on blocking and non-blocking channels.
 */
class JfrSocketEventsIT {

    private static final String SETTINGS = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<configuration version=\"2.0\" label=\"connscope socket events\">\n"
            + "  <event name=\"jdk.SocketRead\"><setting name=\"enabled\">true</setting>"
            + "<setting name=\"stackTrace\">false</setting><setting name=\"threshold\">0 ms</setting></event>\n"
            + "  <event name=\"jdk.SocketWrite\"><setting name=\"enabled\">true</setting>"
            + "<setting name=\"stackTrace\">false</setting><setting name=\"threshold\">0 ms</setting></event>\n"
            + "</configuration>\n";

    @TempDir
    Path dir;

    @Test
    void connscopeAndJfrBothSeeEveryByte() throws Exception {
        Path settings = dir.resolve("socket.jfc");
        Files.write(settings, SETTINGS.getBytes(StandardCharsets.UTF_8));
        Path recording = dir.resolve("sockets.jfr");
        Fork.Result r = Fork.run(List.of("-XX:StartFlightRecording=filename=" + recording + ",settings=" + settings),
                JfrTraffic.class.getName(), "socket", "channel", "nbchannel");
        List<Map<String, String>> conns = Truth.parse(r.stdout).stream().filter(t -> t.type.equals("CONN"))
                .map(t -> t.values).collect(Collectors.toList());
        assertEquals(3, conns.size(), r.describe());
        assertFalse(r.stderr.contains("could not instrument"), r.describe());
        String summary = SummaryLine.exit(r);
        assertTrue(summary != null && summary.endsWith(", internal errors 0"), summary + "\n" + r.describe());
        assertTrue(Files.exists(recording), "JFR wrote no recording\n" + r.describe());
        List<RecordedEvent> events = RecordingFile.readAllEvents(recording);

        Checks.Problems p = new Checks.Problems();
        for (Map<String, String> c : conns) {
            String kind = c.get("name");
            int client = Integer.parseInt(c.get("client_port"));
            int server = Integer.parseInt(c.get("server_port"));
            long sent = Long.parseLong(c.get("sent"));
            long received = Long.parseLong(c.get("received"));

            JsonNode out = one(r, p, "outbound", client, server);
            JsonNode in = one(r, p, "inbound", server, client);
            if (out != null && in != null) {
                p.expect(sent, text(out, "bytes_sent"), kind + " connscope outbound bytes_sent");
                p.expect(received, text(out, "bytes_received"), kind + " connscope outbound bytes_received");
                p.expect(received, text(in, "bytes_sent"), kind + " connscope inbound bytes_sent");
                p.expect(sent, text(in, "bytes_received"), kind + " connscope inbound bytes_received");
                p.expect("remote", text(out, "close_initiator"), kind + " connscope outbound close_initiator");
                p.expect("local", text(in, "close_initiator"), kind + " connscope inbound close_initiator");
            }
            // JFR's "port" is the remote one: the server's on the client's events and the other way round.
            p.expect(sent, sum(events, "jdk.SocketWrite", "bytesWritten", server), kind + " JFR client writes");
            p.expect(received, sum(events, "jdk.SocketRead", "bytesRead", server), kind + " JFR client reads");
            p.expect(received, sum(events, "jdk.SocketWrite", "bytesWritten", client), kind + " JFR server writes");
            p.expect(sent, sum(events, "jdk.SocketRead", "bytesRead", client), kind + " JFR server reads");
        }
        p.failIfAny("connscope and JFR side by side", "--- JFR socket events: " + describe(events) + "\n"
                + r.describe());
    }

    private static JsonNode one(Fork.Result r, Checks.Problems p, String direction, int local, int remote)
            throws Exception {
        List<JsonNode> found = Checks.matching(r, direction, local, remote);
        p.expect(1, found.size(), direction + " records for local port " + local + " and remote port " + remote);
        return found.size() == 1 ? found.get(0) : null;
    }

    /** The bytes of one event type on connections whose remote port is {@code port} (end-of-stream reads add 0). */
    private static long sum(List<RecordedEvent> events, String type, String field, int port) {
        long total = 0;
        for (RecordedEvent e : events) {
            if (e.getEventType().getName().equals(type) && e.getInt("port") == port) {
                total += Math.max(0, e.getLong(field));
            }
        }
        return total;
    }

    private static String describe(List<RecordedEvent> events) {
        List<String> lines = new ArrayList<>();
        for (RecordedEvent e : events) {
            String type = e.getEventType().getName();
            if (type.equals("jdk.SocketRead") || type.equals("jdk.SocketWrite")) {
                lines.add(type + " port=" + e.getInt("port") + " "
                        + (type.equals("jdk.SocketRead") ? "bytesRead=" + e.getLong("bytesRead") + " eos="
                        + e.getBoolean("endOfStream") : "bytesWritten=" + e.getLong("bytesWritten")));
            }
        }
        return lines.size() + " events\n    " + String.join("\n    ", lines);
    }
}
