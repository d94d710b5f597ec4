package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.fail;

/** Assertions on the agent's records against the driver's and the kernel's ground truth. */
public final class Checks {

    private Checks() {
    }

    /** Collects every mismatch, then fails once with all of them and the full context. */
    public static final class Problems {
        private final List<String> problems = new ArrayList<>();

        public void expect(Object expected, Object actual, String what) {
            if (!Objects.equals(String.valueOf(expected), String.valueOf(actual))) {
                problems.add(what + ": expected " + expected + " but was " + actual);
            }
        }

        public void check(boolean ok, String message) {
            if (!ok) {
                problems.add(message);
            }
        }

        public void failIfAny(String title, String context) {
            if (!problems.isEmpty()) {
                fail(title + ":\n  - " + String.join("\n  - ", problems) + "\n" + context);
            }
        }
    }

    /**
     * Whether the two records of one connection fit a close the kernel kept no TIME_WAIT row for: a reset ended it.
     * Either one side reset it at its close ({@code local_reset}: it had not read all the other sent), and the other
     * saw the reset or had closed already; or one side's FIN came first ({@code local}) and the other's last bytes
     * (a GOAWAY, a TLS close_notify) reached its closed socket, whose kernel answered with RST and dropped its
     * TIME_WAIT; or the first side's last bytes were unread when the other closed, whose RST ended the first side's
     * wait. Either way one side left a few bytes unread, which the byte counts show. Returns null when the records
     * fit, else why not.
     */
    public static String misfitWithoutTimeWait(JsonNode a, JsonNode b) {
        String ai = text(a, "close_initiator");
        String bi = text(b, "close_initiator");
        boolean aFirst = "local".equals(ai) || "local_reset".equals(ai);
        JsonNode first = aFirst ? a : b;
        JsonNode other = aFirst ? b : a;
        String fi = aFirst ? ai : bi;
        String oi = aFirst ? bi : ai;
        if (!"local".equals(fi) && !"local_reset".equals(fi)) {
            return "neither record says its side closed or reset first: " + ai + " / " + bi;
        }
        // Both "local": each side's look before its close saw nothing from the other, and the later close found the
        // other's last bytes (and FIN) arrived in between, unread, so its kernel sent RST (the close() race that
        // docs/close-initiator.md describes: no descriptor is left to look at after). The unread bytes must show it.
        boolean racedClose = "local".equals(fi) && "local".equals(oi);
        if (!racedClose && ("local_reset".equals(fi) ? !("remote_reset".equals(oi) || "local".equals(oi))
                : !oi.startsWith("remote"))) {
            return "the records do not mirror each other: " + fi + " / " + oi;
        }
        long unread = other.path("bytes_sent").asLong() - first.path("bytes_received").asLong();
        // Or the other way: the first side's last bytes (its close_notify) were still unread when the other side
        // closed, whose kernel then sent RST, and the first side's FIN_WAIT2 ended without TIME_WAIT.
        long unreadByOther = first.path("bytes_sent").asLong() - other.path("bytes_received").asLong();
        if ((unread <= 0 || unread > 256) && (unreadByOther <= 0 || unreadByOther > 256)) {
            return "one side should have left a few late bytes unread, not " + unread + " (the side that went first, "
                    + fi + ") and " + unreadByOther + " (the other)";
        }
        return null;
    }

    /**
     * Whether two records fit a close after which both sides hold TIME_WAIT: the FINs crossed on the wire, and each
     * side is first by its own look (docs/close-initiator.md): each record says local or remote, no reset.
     */
    public static String misfitWithCrossedFins(JsonNode a, JsonNode b) {
        for (JsonNode r : new JsonNode[] {a, b}) {
            String i = text(r, "close_initiator");
            if (!"local".equals(i) && !"remote".equals(i)) {
                return "FINs crossed (TIME_WAIT on both sides), but a record says " + i;
            }
        }
        return null;
    }

    public static String text(JsonNode record, String field) {
        JsonNode n = record.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    static List<JsonNode> matching(Fork.Result r, String direction, Integer localPort, Integer remotePort)
            throws IOException {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode n : r.records()) {
            if (direction.equals(text(n, "direction"))
                    && (localPort == null || localPort.toString().equals(text(n, "local_port")))
                    && (remotePort == null || remotePort.toString().equals(text(n, "remote_port")))) {
                found.add(n);
            }
        }
        return found;
    }

    /** The one outbound record of a scenario's connection (client port to server port). */
    static JsonNode outbound(Fork.Result r, Truth t) throws IOException {
        return one(r, t, "outbound", t.port("client_port"), t.port("server_port"));
    }

    /** The one inbound record of a scenario's connection (server port from client port). */
    static JsonNode inbound(Fork.Result r, Truth t) throws IOException {
        return one(r, t, "inbound", t.port("server_port"), t.port("client_port"));
    }

    private static JsonNode one(Fork.Result r, Truth t, String direction, int local, int remote) throws IOException {
        List<JsonNode> found = matching(r, direction, local, remote);
        if (found.size() != 1) {
            fail("scenario " + t.name() + ": expected exactly one " + direction + " record with local_port " + local
                    + " and remote_port " + remote + ", found " + found.size() + ": " + found
                    + "\n--- ground truth: " + t + "\n" + r.describe());
        }
        return found.get(0);
    }

    /** Both records of a scenario: closed, with the given initiators and the right addresses. */
    static void assertPair(Fork.Result r, Truth t, String outInitiator, String inInitiator) throws IOException {
        JsonNode out = outbound(r, t);
        JsonNode in = inbound(r, t);
        Problems p = new Problems();
        p.expect(outInitiator, text(out, "close_initiator"), "outbound close_initiator");
        p.expect(inInitiator, text(in, "close_initiator"), "inbound close_initiator");
        for (JsonNode n : List.of(out, in)) {
            String dir = text(n, "direction");
            p.expect("closed", text(n, "state"), dir + " state");
            p.check(text(n, "closed_at") != null, dir + " closed_at: expected a timestamp but was null");
            p.expect(t.get("address"), text(n, "remote_address"), dir + " remote_address");
            p.expect(t.get("address"), text(n, "local_address"), dir + " local_address");
            p.check(text(n, "error") == null, dir + " error: expected null but was " + text(n, "error"));
        }
        p.failIfAny("scenario " + t.name() + " (" + t.values.get("kind") + ")", context(r, t, out, in));
    }

    /** The kernel's view: TIME_WAIT on the client side, the server side, or nowhere (a reset). */
    static void assertTimeWait(Fork.Result r, Truth t, String side) throws IOException {
        String address = t.get("address");
        int client = t.port("client_port");
        int server = t.port("server_port");
        List<ProcNetTcp.Row> rows = ProcNetTcp.timeWait(address, client, server);
        String where = "kernel TIME_WAIT rows for " + address + " " + client + "<->" + server + " ("
                + ProcNetTcp.endpoint(address, client) + " / " + ProcNetTcp.endpoint(address, server) + "): " + rows
                + "; all rows for the tuple: " + ProcNetTcp.all(address, client, server);
        String ctx = "\n--- ground truth: " + t + "\n" + r.describe();
        if (side.equals("none")) {
            if (!rows.isEmpty()) {
                fail("scenario " + t.name() + ": expected no TIME_WAIT (connection was reset), but " + where + ctx);
            }
            return;
        }
        int holderPort = side.equals("client") ? client : server;
        String holder = ProcNetTcp.endpoint(address, holderPort);
        if (rows.size() != 1 || !ProcNetTcp.localIs(rows.get(0), address, holderPort)) {
            fail("scenario " + t.name() + ": expected exactly one TIME_WAIT row held by the " + side + " (local "
                    + holder + "), but " + where + ctx);
        }
    }

    static String context(Fork.Result r, Truth t, JsonNode... records) {
        return "--- ground truth: " + t + "\n--- records: "
                + java.util.Arrays.stream(records).map(String::valueOf).collect(Collectors.joining("\n    ", "\n    ", ""))
                + "\n" + r.describe();
    }
}
