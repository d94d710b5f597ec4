package io.connscope.agent.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentConfigTest {

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String[] errLines() {
        String s = errBytes.toString(StandardCharsets.UTF_8);
        return s.isEmpty() ? new String[0] : s.split("\n");
    }

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void defaultsApplyWhenNothingIsSet() {
        AgentConfig c = AgentConfig.load(null, new Properties(), Map.of(), err);
        assertTrue(c.bool(Option.ENABLED));
        assertEquals("connections", c.string(Option.CONSOLE));
        assertEquals(60, c.number(Option.SUMMARY_INTERVAL));
        assertEquals("", c.string(Option.EVENTS_FILE));
        assertEquals(100_000, c.number(Option.MAX_CONNECTIONS));
        assertEquals(0, errLines().length);
    }

    @Test
    void agentArgumentsBeatSystemPropertiesWhichBeatTheEnvironment() {
        AgentConfig c = AgentConfig.load("summary.interval=5,console=summary",
                props("connscope.summary.interval", "7", "connscope.console", "off", "connscope.max.connections", "500"),
                Map.of("CONNSCOPE_SUMMARY_INTERVAL", "9", "CONNSCOPE_MAX_CONNECTIONS", "600",
                        "CONNSCOPE_EVENTS_FILE", "/tmp/e.jsonl"),
                err);
        assertEquals(5, c.number(Option.SUMMARY_INTERVAL));
        assertEquals("summary", c.string(Option.CONSOLE));
        assertEquals(500, c.number(Option.MAX_CONNECTIONS));
        assertEquals("/tmp/e.jsonl", c.string(Option.EVENTS_FILE));
        assertEquals(0, errLines().length);
    }

    @Test
    void aBadNumberGivesOneLineNamingTheOptionAndWhatIsAcceptedThenTheDefault() {
        AgentConfig c = AgentConfig.load(null, props("connscope.summary.interval", "abc"), Map.of(), err);
        assertEquals(60, c.number(Option.SUMMARY_INTERVAL));
        String[] lines = errLines();
        assertEquals(1, lines.length, String.join("\n", lines));
        assertEquals("connscope: invalid value 'abc' for -Dconnscope.summary.interval: expected a whole number from 0 "
                + "to 86400; using the default '60'", lines[0]);
    }

    @Test
    void outOfRangeAndBadChoicesAndBadBooleansAreEachReported() {
        AgentConfig c = AgentConfig.load("max.connections=3", props("connscope.console", "loud"),
                Map.of("CONNSCOPE_ENABLED", "yes"), err);
        assertEquals(100_000, c.number(Option.MAX_CONNECTIONS));
        assertEquals("connections", c.string(Option.CONSOLE));
        assertTrue(c.bool(Option.ENABLED));
        String all = errBytes.toString(StandardCharsets.UTF_8);
        assertEquals(3, errLines().length, all);
        assertTrue(all.contains("'3' for agent argument connscope.max.connections: expected a whole number from 16 to 10000000"), all);
        assertTrue(all.contains("'loud' for -Dconnscope.console: expected one of off, summary, connections"), all);
        assertTrue(all.contains("'yes' for environment variable CONNSCOPE_ENABLED: expected true or false"), all);
    }

    @Test
    void unknownKeysAreReportedWithTheKnownOnes() {
        AgentConfig.load("colour=blue", props("connscope.evnts.file", "/x"), Map.of("CONNSCOPE_FOO", "1"), err);
        String all = errBytes.toString(StandardCharsets.UTF_8);
        assertEquals(3, errLines().length, all);
        assertTrue(all.contains("unknown option 'connscope.colour' in agent arguments; known: connscope.enabled,"), all);
        assertTrue(all.contains("unknown option '-Dconnscope.evnts.file'"), all);
        assertTrue(all.contains("unknown environment variable 'CONNSCOPE_FOO'; known: CONNSCOPE_ENABLED,"), all);
    }

    @Test
    void anAgentArgumentWithoutEqualsIsReportedAndSkipped() {
        AgentConfig c = AgentConfig.load("verbose,console=off", new Properties(), Map.of(), err);
        assertEquals("off", c.string(Option.CONSOLE));
        assertEquals(1, errLines().length);
        assertTrue(errLines()[0].contains("'verbose' is not key=value"));
    }

    @Test
    void theOptionTableListsEveryOptionWithItsEnvironmentName() {
        String table = AgentConfig.optionTable();
        for (Option o : Option.values()) {
            assertTrue(table.contains("| `" + o.key() + "` | `" + o.envName() + "` |"), o.key());
        }
        assertFalse(table.contains("null"));
    }

    @Test
    void instrumentationsAreLeftOutByNameAlsoAsAnAgentArgumentListBetweenOtherOptions() {
        AgentConfig c = AgentConfig.load("instrumentation.disabled=okhttp,netty-pool,console=summary", new Properties(),
                Map.of(), err);
        assertEquals(java.util.Set.of("netty-pool", "okhttp"), c.names(Option.INSTRUMENTATION_DISABLED));
        assertEquals("summary", c.string(Option.CONSOLE));
        assertEquals(0, errLines().length);
        assertEquals(java.util.Set.of(), AgentConfig.load(null, new Properties(), Map.of(), err)
                .names(Option.INSTRUMENTATION_DISABLED));
    }

    @Test
    void anUnknownInstrumentationNameGivesOneLineListingTheNamesAndNothingIsLeftOut() {
        AgentConfig c = AgentConfig.load(null, props("connscope.instrumentation.disabled", "okhttp,nosuch"), Map.of(), err);
        assertEquals(java.util.Set.of(), c.names(Option.INSTRUMENTATION_DISABLED));
        assertEquals(1, errLines().length);
        assertTrue(errLines()[0].contains("-Dconnscope.instrumentation.disabled") && errLines()[0].contains("socket-dispatcher"),
                errLines()[0]);
    }

    @Test
    void aPieceWithoutValueAfterAnOrdinaryOptionIsStillReported() {
        AgentConfig c = AgentConfig.load("console=summary,bogus", new Properties(), Map.of(), err);
        assertEquals("summary", c.string(Option.CONSOLE));
        assertEquals(1, errLines().length);
        assertTrue(errLines()[0].contains("'bogus' is not key=value"), errLines()[0]);
    }

    // -- the properties file --

    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        Path f = dir.resolve("connscope.properties");
        Files.write(f, text.getBytes(StandardCharsets.UTF_8));
        return f;
    }

    @Test
    void theFileNamedByAnySourceGivesOptionsWithOrWithoutThePrefix() throws IOException {
        Path f = file("# comment\nconsole = summary\nconnscope.summary.interval=7\n\n! other comment\n"
                + "instrumentation.disabled=okhttp, netty-pool\n");
        for (AgentConfig c : List.of(
                AgentConfig.load("config.file=" + f, new Properties(), Map.of(), err),
                AgentConfig.load(null, props("connscope.config.file", f.toString()), Map.of(), err),
                AgentConfig.load(null, new Properties(), Map.of("CONNSCOPE_CONFIG_FILE", f.toString()), err))) {
            assertEquals("summary", c.string(Option.CONSOLE));
            assertEquals(7, c.number(Option.SUMMARY_INTERVAL));
            assertEquals(java.util.Set.of("netty-pool", "okhttp"), c.names(Option.INSTRUMENTATION_DISABLED));
            assertEquals(f.toString(), c.string(Option.CONFIG_FILE));
        }
        assertEquals(0, errLines().length, String.join("\n", errLines()));
    }

    @Test
    void agentArgumentsThenSystemPropertiesThenTheEnvironmentThenTheFileThenTheDefault() throws IOException {
        Path f = file("console=off\nsummary.interval=1\nmax.connections=111\nqueue.size=222\nevents.requests=true\n");
        AgentConfig c = AgentConfig.load("console=summary,config.file=" + f,
                props("connscope.summary.interval", "2", "connscope.console", "connections"),
                Map.of("CONNSCOPE_MAX_CONNECTIONS", "333", "CONNSCOPE_SUMMARY_INTERVAL", "3"), err);
        assertEquals("summary", c.string(Option.CONSOLE));
        assertEquals(2, c.number(Option.SUMMARY_INTERVAL));
        assertEquals(333, c.number(Option.MAX_CONNECTIONS));
        assertEquals(222, c.number(Option.QUEUE_SIZE));
        assertTrue(c.bool(Option.EVENTS_REQUESTS));
        assertEquals("auto", c.string(Option.OTEL));
        assertEquals(0, errLines().length, String.join("\n", errLines()));
    }

    @Test
    void theFileNameFollowsThePrecedenceToo() throws IOException {
        Path a = file("console=off\n");
        Path b = dir.resolve("b.properties");
        Files.write(b, "console=summary\n".getBytes(StandardCharsets.UTF_8));
        AgentConfig c = AgentConfig.load(null, props("connscope.config.file", b.toString()),
                Map.of("CONNSCOPE_CONFIG_FILE", a.toString()), err);
        assertEquals("summary", c.string(Option.CONSOLE));
    }

    @Test
    void aMissingFileGivesOneLineAndTheDefaultsApply() {
        Path missing = dir.resolve("nope.properties");
        AgentConfig c = AgentConfig.load(null, props("connscope.config.file", missing.toString()), Map.of(), err);
        assertEquals("connections", c.string(Option.CONSOLE));
        String[] lines = errLines();
        assertEquals(1, lines.length, String.join("\n", lines));
        assertTrue(lines[0].startsWith("connscope: cannot read the config file '" + missing
                + "' (-Dconnscope.config.file): java.io.FileNotFoundException"), lines[0]);
        assertTrue(lines[0].endsWith("expected a readable UTF-8 properties file of key=value lines; "
                + "its options are not applied"), lines[0]);
    }

    @Test
    void aDirectoryOrAnUnreadableFileGivesOneLine() throws IOException {
        AgentConfig.load("config.file=" + dir, new Properties(), Map.of(), err);
        Path locked = file("console=off\n");
        boolean unreadable = locked.toFile().setReadable(false) && !Files.isReadable(locked);
        AgentConfig c = AgentConfig.load("config.file=" + locked, new Properties(), Map.of(), err);
        String[] lines = errLines();
        assertTrue(lines[0].contains("cannot read the config file '" + dir + "' (agent argument connscope.config.file)"),
                lines[0]);
        if (unreadable) {
            // Not when the tests run as root, who reads any file.
            assertEquals(2, lines.length, String.join("\n", lines));
            assertTrue(lines[1].contains("(Permission denied)"), lines[1]);
            assertEquals("connections", c.string(Option.CONSOLE));
        }
    }

    @Test
    void aMalformedFileGivesOneLineAndNoneOfItsOptions() throws IOException {
        // Properties.load accepts any line as a key; a broken unicode escape is what it rejects, and so is text
        // that is not UTF-8.
        Path f = file("console=off\nsummary.interval=\\u12\n");
        AgentConfig c = AgentConfig.load(null, new Properties(), Map.of("CONNSCOPE_CONFIG_FILE", f.toString()), err);
        assertEquals("connections", c.string(Option.CONSOLE));
        Files.write(f, new byte[] {'c', 'o', 'n', 's', 'o', 'l', 'e', '=', (byte) 0xff, '\n'});
        AgentConfig.load(null, new Properties(), Map.of("CONNSCOPE_CONFIG_FILE", f.toString()), err);
        String[] lines = errLines();
        assertEquals(2, lines.length, String.join("\n", lines));
        assertTrue(lines[0].contains("(environment variable CONNSCOPE_CONFIG_FILE): java.lang.IllegalArgumentException"),
                lines[0]);
        assertTrue(lines[1].contains("MalformedInputException"), lines[1]);
    }

    @Test
    void inTheFileUnknownKeysLinesWithoutValueAndBadValuesGiveOneLineEach() throws IOException {
        Path f = file("colour=blue\nverbose\nconsole=loud\nsummary.interval=99999999\nenabled=yes\n"
                + "config.file=/other\nqueue.size=100\n");
        AgentConfig c = AgentConfig.load("config.file=" + f, new Properties(), Map.of(), err);
        assertEquals("connections", c.string(Option.CONSOLE));
        assertEquals(60, c.number(Option.SUMMARY_INTERVAL));
        assertTrue(c.bool(Option.ENABLED));
        assertEquals(100, c.number(Option.QUEUE_SIZE));
        String all = errBytes.toString(StandardCharsets.UTF_8);
        assertEquals(6, errLines().length, all);
        assertTrue(all.contains("connscope: unknown option 'colour' in config file " + f + "; known: connscope.enabled,"),
                all);
        assertTrue(all.contains("connscope: unknown option 'verbose' in config file " + f + "; known: "), all);
        assertTrue(all.contains("connscope: invalid value 'loud' for connscope.console in config file " + f
                + ": expected one of off, summary, connections; using the default 'connections'"), all);
        assertTrue(all.contains("invalid value '99999999' for connscope.summary.interval in config file " + f
                + ": expected a whole number from 0 to 86400; using the default '60'"), all);
        assertTrue(all.contains("invalid value 'yes' for connscope.enabled in config file " + f
                + ": expected true or false"), all);
        assertTrue(all.contains("connscope: config file " + f + ": 'config.file' is ignored there"), all);
    }

    @Test
    void enabledFalseInTheFileTurnsTheAgentOff() throws IOException {
        Path f = file("enabled=false\n");
        assertFalse(AgentConfig.load(null, props("connscope.config.file", f.toString()), Map.of(), err)
                .bool(Option.ENABLED));
        assertTrue(AgentConfig.load("enabled=true,config.file=" + f, new Properties(), Map.of(), err)
                .bool(Option.ENABLED));
    }

    @Test
    void theTestSwitchIsNotAnUnknownOption() {
        AgentConfig.load(null, props("connscope.test.failing.handlers", "true"), Map.of(), err);
        assertEquals(0, errLines().length, String.join("\n", errLines()));
        assertFalse(AgentConfig.optionTable().contains("connscope.test."));
    }

    // -- connscope.otel.*: OpenTelemetry settings for connscope only --

    @Test
    void connscopeOtelSettingsAreConnscopesOwnOpenTelemetrySettingsWithTheSamePrecedence() throws IOException {
        Path f = file("otel.exporter.otlp.headers=from-file\notel.service.name=not-from-file\n");
        AgentConfig c = AgentConfig.load("otel.exporter.otlp.endpoint=http://127.0.0.1:1111,otel.span.max.duration=5",
                props("connscope.otel.exporter.otlp.endpoint", "http://127.0.0.1:2222",
                        "connscope.otel.service.name", "from-property", "otel.service.name", "not-ours"),
                Map.of("CONNSCOPE_OTEL_SERVICE_NAME", "from-env", "CONNSCOPE_OTEL_EXPORTER_OTLP_PROTOCOL", "grpc",
                        "CONNSCOPE_OTEL_REQUEST_EVENTS", "3", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://not-ours",
                        "CONNSCOPE_CONFIG_FILE", f.toString()),
                err);
        assertEquals(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:1111", "otel.service.name", "from-property",
                "otel.exporter.otlp.protocol", "grpc", "otel.exporter.otlp.headers", "from-file"), c.otelOverrides());
        // connscope's own options under connscope.otel are options, not OpenTelemetry settings.
        assertEquals(5, c.number(Option.OTEL_SPAN_MAX_DURATION));
        assertEquals(3, c.number(Option.OTEL_REQUEST_EVENTS));
        assertEquals(0, errLines().length, String.join("\n", errLines()));
    }

    @Test
    void connscopeOtelAloneIsStillAnUnknownOption() {
        AgentConfig c = AgentConfig.load(null, props("connscope.otel.", "x"), Map.of(), err);
        assertTrue(c.otelOverrides().isEmpty());
        assertEquals(1, errLines().length);
    }
}
