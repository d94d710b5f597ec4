package io.connscope.agent.config;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

    @Test
    void connscopeOtelSettingsAreConnscopesOwnOpenTelemetrySettingsWithTheSamePrecedence() {
        AgentConfig c = AgentConfig.load("otel.exporter.otlp.endpoint=http://127.0.0.1:1111,otel.span.max.duration=5",
                props("connscope.otel.exporter.otlp.endpoint", "http://127.0.0.1:2222",
                        "connscope.otel.service.name", "from-property", "otel.service.name", "not-ours"),
                Map.of("CONNSCOPE_OTEL_SERVICE_NAME", "from-env", "CONNSCOPE_OTEL_EXPORTER_OTLP_PROTOCOL", "grpc",
                        "CONNSCOPE_OTEL_REQUEST_EVENTS", "3", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://not-ours"),
                err);
        assertEquals(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:1111", "otel.service.name", "from-property",
                "otel.exporter.otlp.protocol", "grpc"), c.otelOverrides());
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
