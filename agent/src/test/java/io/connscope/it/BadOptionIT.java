package io.connscope.it;

import io.connscope.it.driver.SocketScenarios;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.connscope.it.Checks.assertPair;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bad options, from each place options come from (agent arguments, -D, environment variables, the config file):
 * one clear line on stderr per bad entry, naming the option, the value and what is accepted; the default applies
 * and tracing goes on with exact records.
 */
class BadOptionIT {

    @TempDir
    Path dir;

    @Test
    void badSummaryIntervalIsReportedOnceAndIgnored() throws Exception {
        Fork.Result r = Fork.run(List.of("-Dconnscope.summary.interval=abc"), SocketScenarios.class.getName(),
                "socket", "client-closes-first");
        String line = onlyLine(r, "connscope.summary.interval", "'abc'");
        String accepted = HelpIT.acceptedValues("connscope.summary.interval");
        if (!line.contains(accepted)) {
            fail("expected the line to say what is accepted ('" + accepted + "' as help prints it): " + line
                    + "\n" + r.describe());
        }
        assertTraced(r);
    }

    @Test
    void agentArguments() throws Exception {
        Fork.Result r = await(Fork.startWithAgentArgs("console=loud,summary.interval=-5,colour=blue", List.of(),
                List.of(), Map.of(), SocketScenarios.class.getName(), "socket", "client-closes-first"));
        assertBadEntries(r, "agent argument connscope.console", "agent argument connscope.summary.interval",
                "unknown option 'connscope.colour' in agent arguments");
    }

    @Test
    void systemProperties() throws Exception {
        Fork.Result r = Fork.run(List.of("-Dconnscope.console=loud", "-Dconnscope.summary.interval=-5",
                "-Dconnscope.colour=blue"), SocketScenarios.class.getName(), "socket", "client-closes-first");
        assertBadEntries(r, "-Dconnscope.console", "-Dconnscope.summary.interval", "unknown option '-Dconnscope.colour'");
    }

    @Test
    void environmentVariables() throws Exception {
        Fork.Result r = await(Fork.start(List.of(), List.of(), Map.of("CONNSCOPE_CONSOLE", "loud",
                "CONNSCOPE_SUMMARY_INTERVAL", "-5", "CONNSCOPE_COLOUR", "blue"), SocketScenarios.class.getName(),
                "socket", "client-closes-first"));
        assertBadEntries(r, "environment variable CONNSCOPE_CONSOLE", "environment variable CONNSCOPE_SUMMARY_INTERVAL",
                "unknown environment variable 'CONNSCOPE_COLOUR'");
    }

    @Test
    void configFile() throws Exception {
        Path file = dir.resolve("connscope.properties");
        Files.write(file, "console=loud\nsummary.interval=-5\ncolour=blue\n".getBytes(StandardCharsets.UTF_8));
        Fork.Result r = await(Fork.start(List.of(), List.of(), Map.of("CONNSCOPE_CONFIG_FILE", file.toString()),
                SocketScenarios.class.getName(), "socket", "client-closes-first"));
        assertBadEntries(r, "connscope.console in config file " + file,
                "connscope.summary.interval in config file " + file, "unknown option 'colour' in config file " + file);
    }

    @Test
    void aMissingConfigFileIsOneLineAndTheDefaultsApply() throws Exception {
        Path missing = dir.resolve("missing.properties");
        Fork.Result r = Fork.run(List.of("-Dconnscope.config.file=" + missing), SocketScenarios.class.getName(),
                "socket", "client-closes-first");
        onlyLine(r, "cannot read the config file '" + missing + "' (-Dconnscope.config.file)",
                "expected a readable UTF-8 properties file");
        assertEquals(1, connscopeLinesOtherThanReports(r).size(), "expected one connscope line besides the report: "
                + connscopeLinesOtherThanReports(r) + "\n" + r.describe());
        assertTrue(r.stderr.contains("connscope: closed #"), "expected the default console=connections in effect\n"
                + r.describe());
        assertTraced(r);
    }

    @Test
    void theConfigFilesOptionsApply() throws Exception {
        Path file = dir.resolve("connscope.properties");
        Files.write(file, "# quieter\nconnscope.console=summary\n".getBytes(StandardCharsets.UTF_8));
        Fork.Result r = await(Fork.startWithAgentArgs("config.file=" + file, List.of(), List.of(), Map.of(),
                SocketScenarios.class.getName(), "socket", "client-closes-first"));
        assertTrue(connscopeLinesOtherThanReports(r).isEmpty(), "expected no complaint: "
                + connscopeLinesOtherThanReports(r) + "\n" + r.describe());
        assertTrue(!r.stderr.contains("connscope: closed #") && SummaryLine.exit(r) != null,
                "expected console=summary from the file: no per-connection lines, an exit summary\n" + r.describe());
        assertTraced(r);
    }

    private static Fork.Result await(Fork.Running running) throws Exception {
        Fork.Result r = running.await();
        assertEquals(0, r.exit, "forked JVM exit code\n" + r.describe());
        return r;
    }

    /**
     * console=loud (not a choice), summary.interval=-5 (out of range) and an unknown key colour: one line each, the
     * defaults (console=connections shows per-connection lines) in effect, tracing exact.
     */
    private static void assertBadEntries(Fork.Result r, String consoleFrom, String intervalFrom, String unknown)
            throws Exception {
        String console = onlyLine(r, "'loud' for " + consoleFrom + ":", "expected "
                + HelpIT.acceptedValues("connscope.console") + "; using the default 'connections'");
        String interval = onlyLine(r, "'-5' for " + intervalFrom + ":", "expected "
                + HelpIT.acceptedValues("connscope.summary.interval") + "; using the default '60'");
        String colour = onlyLine(r, unknown, "; known: ");
        List<String> all = connscopeLinesOtherThanReports(r);
        assertEquals(3, all.size(), "expected exactly the three lines " + List.of(console, interval, colour)
                + ", got " + all + "\n" + r.describe());
        int closedLines = 0;
        for (String line : r.stderr.split("\n")) {
            closedLines += line.startsWith("connscope: closed #") ? 1 : 0;
        }
        assertEquals(2, closedLines, "expected the default console=connections: one line per connection\n"
                + r.describe());
        assertTraced(r);
    }

    /** The one stderr line containing both texts; fails when there is none or more than one. */
    private static String onlyLine(Fork.Result r, String a, String b) {
        List<String> lines = new ArrayList<>();
        for (String line : r.stderr.split("\n")) {
            if (line.contains(a) && line.contains(b)) {
                lines.add(line);
            }
        }
        assertEquals(1, lines.size(), "expected exactly one stderr line with '" + a + "' and '" + b + "', got "
                + lines + "\n" + r.describe());
        assertTrue(lines.get(0).startsWith("connscope: "), lines.get(0));
        return lines.get(0);
    }

    /** connscope's stderr lines that are not its report (connection lines, the summary and its table). */
    static List<String> connscopeLinesOtherThanReports(Fork.Result r) {
        List<String> lines = new ArrayList<>();
        for (String line : r.stderr.split("\n")) {
            if (line.startsWith("connscope: ") && !line.startsWith("connscope: closed #")
                    && !line.startsWith("connscope: failed #") && !line.startsWith("connscope: summary (")) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** The scenario's one connection, both ends, exactly as without the bad options. */
    private static void assertTraced(Fork.Result r) throws Exception {
        Truth t = Truth.parse(r.stdout).stream().filter(x -> x.type.equals("SCENARIO")).findFirst()
                .orElseGet(() -> fail("driver printed no SCENARIO line\n" + r.describe()));
        assertEquals(2, r.records().size(), "expected 2 records (one connection)\n" + r.describe());
        assertPair(r, t, "local", "remote");
    }
}
