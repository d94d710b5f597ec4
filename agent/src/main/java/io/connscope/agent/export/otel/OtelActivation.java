package io.connscope.agent.export.otel;

import io.connscope.agent.core.AsciiCase;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Whether connscope starts OpenTelemetry export: {@code connscope.otel=on|off}, or with {@code auto} (the default)
 * when the standard OpenTelemetry settings name an exporter or an OTLP endpoint. Without any, the console report
 * stays the only output and no SDK is built.
 */
public final class OtelActivation {

    /** The settings that turn export on in {@code auto} mode, as system properties; each also as {@code OTEL_*}. */
    static final List<String> TRIGGERS = Arrays.asList("otel.traces.exporter", "otel.metrics.exporter",
            "otel.exporter.otlp.endpoint", "otel.exporter.otlp.traces.endpoint", "otel.exporter.otlp.metrics.endpoint");

    private OtelActivation() {
    }

    /**
     * {@code overrides} are connscope's own OpenTelemetry settings ({@code connscope.otel.*}, as {@code otel.*}
     * keys): where one of them names a trigger, it decides over {@code -Dotel.*} and {@code OTEL_*}.
     */
    public static boolean enabled(String mode, Map<String, String> overrides, Properties properties, Map<String, String> env) {
        if ("on".equals(mode)) {
            return true;
        }
        if ("off".equals(mode)) {
            return false;
        }
        for (String key : TRIGGERS) {
            String value = overrides.get(key);
            if (value == null) {
                value = properties.getProperty(key);
            }
            if (value == null) {
                value = env.get(AsciiCase.upper(key).replace('.', '_'));
            }
            if (value != null && !value.trim().isEmpty() && !(key.endsWith(".exporter") && value.trim().equals("none"))) {
                return true;
            }
        }
        return false;
    }
}
