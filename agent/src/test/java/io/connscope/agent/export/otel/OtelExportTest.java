package io.connscope.agent.export.otel;

import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OtelExportTest {

    private static int port(Map<String, String> settings) {
        return OtelExport.prometheusPort(DefaultConfigProperties.createFromMap(settings));
    }

    @Test
    void thePrometheusPortIsKnownFromTheSettingsBeforeItsServerIsBuilt() {
        assertEquals(9464, port(Map.of("otel.metrics.exporter", "prometheus")));
        assertEquals(19464, port(Map.of("otel.metrics.exporter", "otlp, prometheus", "otel.exporter.prometheus.port", "19464")));
        assertEquals(-1, port(Map.of("otel.exporter.prometheus.port", "19464")), "otlp by default");
        assertEquals(-1, port(Map.of("otel.metrics.exporter", "otlp")));
        assertEquals(-1, port(Map.of("otel.metrics.exporter", "none")));
    }
}
