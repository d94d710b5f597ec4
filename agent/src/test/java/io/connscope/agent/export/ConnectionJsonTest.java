package io.connscope.agent.export;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionRegistry;
import io.connscope.agent.core.KeepAliveSettings;
import io.connscope.agent.core.SocketInspector;
import org.junit.jupiter.api.Test;

import java.io.FileDescriptor;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionJsonTest {

    private static final KeepAliveSettings OS = new KeepAliveSettings(false, 7200, 75, 9, KeepAliveSettings.Source.OS_DEFAULT);

    /** The documented field names, in order. */
    private static final List<String> FIELDS = List.of("type", "id", "direction", "local_address", "local_port",
            "remote_address", "remote_port", "opened_at", "closed_at", "connect_ms", "duration_ms", "bytes_sent",
            "bytes_received", "close_initiator", "close_detail", "close_reason", "state", "error", "keepalive", "thread", "requests",
            "trace_context_malformed", "tls_handshakes", "preexisting", "keepalive_probes_unanswered_max", "http2");

    private static List<String> topLevelKeys(String json) {
        List<String> keys = new ArrayList<>();
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            } else if (c == '"') {
                int end = json.indexOf('"', i + 1);
                if (depth == 1 && json.charAt(end + 1) == ':') {
                    keys.add(json.substring(i + 1, end));
                }
                inString = end < 0;
                i = end;
            }
        }
        return keys;
    }

    @Test
    void aClosedConnectionHasExactlyTheDocumentedFields() {
        List<ConnectionRecord> out = new ArrayList<>();
        ConnectionRegistry registry = new ConnectionRegistry(100, SocketInspector.NONE, OS, out::add);
        FileDescriptor fd = new FileDescriptor();
        registry.onConnectStart(fd, new InetSocketAddress("127.0.0.1", 8080));
        registry.onConnectEnd(fd, true, null);
        registry.onWrite(fd, 0L, 0, 12, null);
        registry.onRead(fd, 0L, 0, -1, null);
        registry.onClose(fd);
        String json = ConnectionJson.toJson(out.get(0), System.nanoTime());
        assertEquals(FIELDS, topLevelKeys(json), json);
        assertTrue(json.contains("\"direction\":\"outbound\""), json);
        assertTrue(json.contains("\"remote_address\":\"127.0.0.1\",\"remote_port\":8080"), json);
        assertTrue(json.contains("\"bytes_sent\":12,\"bytes_received\":0"), json);
        // Why the initiator was decided so, as the console line gives it in parentheses.
        assertTrue(json.contains("\"close_initiator\":\"remote\",\"close_detail\":\"peer FIN read as end-of-stream\","
                + "\"close_reason\":null,\"state\":\"closed\",\"error\":null"), json);
        assertTrue(json.contains("\"keepalive\":{\"enabled\":false,\"idle_s\":7200,\"interval_s\":75,\"count\":9,\"user_timeout_ms\":null,\"source\":\"os_default\"}"), json);
        assertTrue(json.endsWith("\"requests\":0,\"trace_context_malformed\":0,\"tls_handshakes\":0,\"preexisting\":false,\"keepalive_probes_unanswered_max\":0,"
                + "\"http2\":null}"), json);
        assertTrue(json.startsWith("{\"type\":\"connection\",\"id\":"), json);
        Matcher closedAt = Pattern.compile("\"closed_at\":\"(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z)\"").matcher(json);
        assertTrue(closedAt.find(), "closed_at is ISO-8601 UTC: " + json);
        assertTrue(!json.contains("\n"));
    }

    @Test
    void aFailedConnectCarriesItsErrorAndNoInitiator() {
        List<ConnectionRecord> out = new ArrayList<>();
        ConnectionRegistry registry = new ConnectionRegistry(100, SocketInspector.NONE, OS, out::add);
        FileDescriptor fd = new FileDescriptor();
        registry.onConnectStart(fd, new InetSocketAddress("127.0.0.1", 1));
        registry.onConnectEnd(fd, false, new ConnectException("Connection \"refused\""));
        String json = ConnectionJson.toJson(out.get(0), System.nanoTime());
        assertEquals(FIELDS, topLevelKeys(json), json);
        assertTrue(json.contains("\"connect_ms\":null"), json);
        assertTrue(json.contains("\"close_initiator\":null,\"close_detail\":null,\"close_reason\":null,\"state\":\"failed\",\"error\":\"refused: java.net.ConnectException: Connection \\\"refused\\\"\""), json);
        assertTrue(json.contains("\"local_address\":null,\"local_port\":null"), json);
    }

    @Test
    void stringsAreEscaped() {
        StringBuilder sb = new StringBuilder();
        ConnectionJson.field(sb, "t", "a\"b\\c\nd\u0001");
        assertEquals("\"t\":\"a\\\"b\\\\c\\nd\\u0001\"", sb.toString());
    }
}
