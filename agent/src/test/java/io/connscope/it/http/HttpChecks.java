package io.connscope.it.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.Checks;
import io.connscope.it.Checks.Problems;
import io.connscope.it.Fork;
import io.connscope.it.ProcNetTcp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.fail;

/** Record lookups and assertions for the HTTP ITs: connection records, request objects, the kernel's TIME_WAIT. */
final class HttpChecks {

    static String text(JsonNode record, String field) {
        return Checks.text(record, field);
    }

    private HttpChecks() {
    }

    /** Connection records (type connection) in a direction with the given local and remote ports (null: any). */
    static List<JsonNode> connections(Fork.Result r, String direction, Integer localPort, Integer remotePort)
            throws IOException {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode n : r.records()) {
            if ("connection".equals(text(n, "type")) && direction.equals(text(n, "direction"))
                    && (localPort == null || localPort.toString().equals(text(n, "local_port")))
                    && (remotePort == null || remotePort.toString().equals(text(n, "remote_port")))) {
                found.add(n);
            }
        }
        return found;
    }

    /** Every connection record of a server port: outbound ones to it and inbound ones on it. */
    static List<JsonNode> connectionsOf(Fork.Result r, int serverPort) throws IOException {
        List<JsonNode> all = new ArrayList<>(connections(r, "outbound", null, serverPort));
        all.addAll(connections(r, "inbound", serverPort, null));
        return all;
    }

    /** The request objects of one connection record, by index. */
    static List<JsonNode> requestsOf(Fork.Result r, JsonNode connection) throws IOException {
        String id = text(connection, "id");
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode n : r.records()) {
            if ("request".equals(text(n, "type")) && id.equals(text(n, "connection_id"))) {
                found.add(n);
            }
        }
        found.sort(Comparator.comparingInt(n -> n.path("index").asInt()));
        return found;
    }

    /** Request objects for a server port (either direction). */
    static List<JsonNode> requestObjects(Fork.Result r, int serverPort, String direction) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode n : r.records()) {
            if ("request".equals(text(n, "type")) && direction.equals(text(n, "direction"))
                    && String.valueOf(serverPort).equals(text(n, "server_port"))) {
                found.add(n);
            }
        }
        return found;
    }

    /** Requests per client port in the order first seen, from a comma-separated list of ports (one per request). */
    static Map<Integer, Integer> perPort(String clientPorts) {
        Map<Integer, Integer> m = new LinkedHashMap<>();
        if (clientPorts.equals("none")) {
            return m;
        }
        for (String p : clientPorts.split(",")) {
            m.merge(Integer.parseInt(p), 1, Integer::sum);
        }
        return m;
    }

    /**
     * One connection's pair of records and request objects: exactly one record on each side, {@code requests}
     * equal to {@code expected} on both, request objects index 1..expected, reused false then true, the version
     * and status given.
     */
    static JsonNode[] expectConnection(Problems p, Fork.Result r, int clientPort, int serverPort, int expected,
                                       String version, Integer status, List<JsonNode> shown) throws IOException {
        List<JsonNode> outs = connections(r, "outbound", clientPort, serverPort);
        List<JsonNode> ins = connections(r, "inbound", serverPort, clientPort);
        shown.addAll(outs);
        shown.addAll(ins);
        String tuple = clientPort + "->" + serverPort;
        p.expect(1, outs.size(), "outbound connection records for " + tuple);
        p.expect(1, ins.size(), "inbound connection records for " + tuple);
        if (outs.size() != 1 || ins.size() != 1) {
            return null;
        }
        JsonNode[] pair = {outs.get(0), ins.get(0)};
        for (JsonNode c : pair) {
            String side = text(c, "direction") + " " + tuple;
            p.expect(expected, text(c, "requests"), side + " requests");
            p.expect(0, text(c, "tls_handshakes"), side + " tls_handshakes");
            List<JsonNode> reqs = requestsOf(r, c);
            shown.addAll(reqs);
            p.expect(expected, reqs.size(), side + " request objects");
            for (int i = 0; i < reqs.size(); i++) {
                JsonNode q = reqs.get(i);
                p.expect(i + 1, text(q, "index"), side + " request #" + (i + 1) + " index");
                p.expect(i > 0, text(q, "reused"), side + " request #" + (i + 1) + " reused");
                p.expect(version, text(q, "http_version"), side + " request #" + (i + 1) + " http_version");
                p.expect(status, text(q, "status"), side + " request #" + (i + 1) + " status");
                p.expect(serverPort, text(q, "server_port"), side + " request #" + (i + 1) + " server_port");
                p.expect("127.0.0.1", text(q, "server_address"), side + " request #" + (i + 1) + " server_address");
                p.expect(text(c, "direction"), text(q, "direction"), side + " request #" + (i + 1) + " direction");
            }
        }
        return pair;
    }

    /** The kernel holds exactly one TIME_WAIT row for the tuple, on the server's side (local = server port). */
    static void expectServerTimeWait(Problems p, int clientPort, int serverPort) throws IOException {
        List<ProcNetTcp.Row> rows = ProcNetTcp.timeWait("127.0.0.1", clientPort, serverPort);
        boolean ok = rows.size() == 1 && ProcNetTcp.localIs(rows.get(0), "127.0.0.1", serverPort);
        p.check(ok, "kernel: expected one TIME_WAIT row held by the server (local port " + serverPort + ") for "
                + clientPort + "<->" + serverPort + ", but TIME_WAIT rows are " + rows + "; all rows for the tuple: "
                + ProcNetTcp.all("127.0.0.1", clientPort, serverPort));
    }

    static String show(List<JsonNode> records) {
        return records.stream().map(String::valueOf).collect(Collectors.joining("\n    ", "\n    ", ""));
    }
}
