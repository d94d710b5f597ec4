package io.connscope.agent.export.otel;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OtelActivationTest {

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void autoStaysOffWithoutAnyExporterOrEndpoint() {
        assertFalse(OtelActivation.enabled("auto", Map.of(), props("otel.service.name", "x"), Map.of("OTEL_SERVICE_NAME", "x")));
    }

    @Test
    void autoTurnsOnForAnEndpointOrExporterFromPropertiesOrEnvironment() {
        assertTrue(OtelActivation.enabled("auto", Map.of(), props("otel.exporter.otlp.endpoint", "http://127.0.0.1:4318"), Map.of()));
        assertTrue(OtelActivation.enabled("auto", Map.of(), props(), Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318")));
        assertTrue(OtelActivation.enabled("auto", Map.of(), props(), Map.of("OTEL_METRICS_EXPORTER", "prometheus")));
    }

    @Test
    void exportersSetToNoneDoNotCount() {
        assertFalse(OtelActivation.enabled("auto", Map.of(), props("otel.traces.exporter", "none"), Map.of("OTEL_METRICS_EXPORTER", "none")));
    }

    @Test
    void onAndOffWin() {
        assertTrue(OtelActivation.enabled("on", Map.of(), props(), Map.of()));
        assertFalse(OtelActivation.enabled("off", Map.of(), props("otel.exporter.otlp.endpoint", "http://x"), Map.of()));
    }

    @Test
    void connscopesOwnSettingsDecideOverTheStandardOnes() {
        // The OpenTelemetry Java agent's exporter setting would turn connscope's export on; connscope's own "none" wins.
        assertFalse(OtelActivation.enabled("auto", Map.of("otel.traces.exporter", "none"),
                props("otel.traces.exporter", "otlp"), Map.of()));
        assertTrue(OtelActivation.enabled("auto", Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:4318"), props(), Map.of()));
    }
}
