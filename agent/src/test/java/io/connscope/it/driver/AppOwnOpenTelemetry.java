package io.connscope.it.driver;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;

/**
 * An application that ships its own OpenTelemetry API (on its class path, not relocated) and uses
 * {@code GlobalOpenTelemetry}: connscope's SDK must not be what it gets, and its spans must not reach connscope's
 * exporter. Then runs the {@link OtelScenario}, so connscope exports as usual.
 */
public final class AppOwnOpenTelemetry {

    private AppOwnOpenTelemetry() {
    }

    public static void main(String[] args) throws Exception {
        Span span = GlobalOpenTelemetry.get().getTracer("app").spanBuilder("app-own-span").startSpan();
        span.end();
        System.out.println("RESULT global_is_noop=" + (span.getSpanContext().isValid() ? 0 : 1));
        System.out.println("RESULT global_class_from_connscope="
                + (GlobalOpenTelemetry.get().getClass().getName().startsWith("io.connscope") ? 1 : 0));
        OtelScenario.main(new String[] {"linger", "1000"});
        // Still the application's own, after connscope's SDK has long been built.
        System.out.println("RESULT global_is_noop_after="
                + (GlobalOpenTelemetry.get().getTracer("app").spanBuilder("x").startSpan().getSpanContext().isValid() ? 0 : 1));
    }
}
