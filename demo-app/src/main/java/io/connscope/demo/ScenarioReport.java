package io.connscope.demo;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What one scenario prints: what it did, what its server and the kernel saw, what connscope saw, and a table of
 * expected against observed values in which every difference is marked {@value #MISMATCH}.
 */
final class ScenarioReport {

    static final String MISMATCH = "<<< MISMATCH";

    private final String scenario;
    private final PrintStream out;
    private final boolean attached;
    private int mismatches;
    private int checks;
    private boolean tableStarted;

    ScenarioReport(String scenario, PrintStream out, boolean attached) {
        this.scenario = scenario;
        this.out = out;
        this.attached = attached;
    }

    String scenario() {
        return scenario;
    }

    void title(String what) {
        out.println();
        out.println("== " + scenario + ": " + what);
    }

    void did(String line) {
        out.println("   did:    " + line);
    }

    /** The server's own counts: {@code server: connections=... requests=...}, which the tests read. */
    void server(HelloServer server) {
        out.println("   server: port=" + server.port() + " " + server.counts());
    }

    void kernel(String line) {
        out.println("   kernel: " + line);
    }

    void note(String line) {
        out.println("   " + line);
    }

    void seen(List<SeenConnection> connections) {
        if (!attached) {
            out.println("   connscope: not attached (run with -javaagent:agent/target/connscope-agent.jar): nothing "
                    + "to compare");
            return;
        }
        out.println("   connscope saw " + connections.size() + " connection(s):");
        for (SeenConnection c : connections) {
            out.println("     " + c.describe());
        }
    }

    /** One row of the table; without the agent the connscope rows are skipped (nothing was observed). */
    void expect(String what, Object expected, Object observed) {
        if (!attached) {
            return;
        }
        row(what, expected, observed);
    }

    /** A row about the kernel or the server, checked with or without the agent. */
    void expectAlways(String what, Object expected, Object observed) {
        row(what, expected, observed);
    }

    private void row(String what, Object expected, Object observed) {
        if (!tableStarted) {
            out.println(String.format("   %-60s %-38s %s", "check", "expected", "observed"));
            tableStarted = true;
        }
        checks++;
        boolean same = Objects.equals(String.valueOf(expected), String.valueOf(observed));
        if (!same) {
            mismatches++;
        }
        out.println(String.format("   %-60s %-38s %-38s %s", what, expected, observed, same ? "ok" : MISMATCH));
    }

    /** {@code result <scenario>: ok (n checks)} or {@code result <scenario>: MISMATCH (k of n checks)}. */
    String result() {
        if (!attached) {
            return "result " + scenario + ": not checked (connscope not attached)";
        }
        return mismatches == 0 ? "result " + scenario + ": ok (" + checks + " checks)"
                : "result " + scenario + ": MISMATCH (" + mismatches + " of " + checks + " checks)";
    }

    int mismatches() {
        return mismatches;
    }

    /** {@code local=2 remote=1}: how many connections have each value, in key order. */
    static String tally(List<SeenConnection> connections, Function<SeenConnection, Object> key) {
        Map<String, Integer> counts = new TreeMap<>();
        for (SeenConnection c : connections) {
            counts.merge(String.valueOf(key.apply(c)), 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return sb.length() == 0 ? "(none)" : sb.toString();
    }

    static int sumRequests(List<SeenConnection> connections) {
        int n = 0;
        for (SeenConnection c : connections) {
            n += Math.max(0, c.requests());
        }
        return n;
    }

    /** Requests after each connection's first: the ones that reused a connection. */
    static int reusedRequests(List<SeenConnection> connections) {
        int n = 0;
        for (SeenConnection c : connections) {
            n += Math.max(0, c.requests() - 1);
        }
        return n;
    }
}
