package io.connscope.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * What a measured JVM runs with: no agent, connscope, or the OpenTelemetry Java agent. Both agents run with their
 * telemetry export off, so that what is measured is the instrumentation, not a backend: connscope prints only its
 * per-peer summary at exit ({@code console=summary}), the OpenTelemetry agent has every exporter set to none (its
 * spans are still created and ended).
 */
enum Variant {
    NONE("no agent"),
    CONNSCOPE("connscope"),
    OTEL("OpenTelemetry agent");

    final String label;

    Variant(String label) {
        this.label = label;
    }

    /** JVM arguments that attach this variant's agent (none for {@link #NONE}). */
    List<String> jvmArgs(Jars jars) {
        switch (this) {
            case CONNSCOPE:
                return List.of("-javaagent:" + jars.connscope + "=console=summary,summary.interval=0");
            case OTEL:
                return List.of("-javaagent:" + jars.otel, "-Dotel.traces.exporter=none",
                        "-Dotel.metrics.exporter=none", "-Dotel.logs.exporter=none",
                        "-Dotel.javaagent.logging=none");
            default:
                return List.of();
        }
    }

    /**
     * The jars a run uses: the built agent, demo and Spring Boot application, the fetched OpenTelemetry agent, the
     * driver's class path.
     */
    static final class Jars {
        final Path connscope;
        final Path otel;
        final Path demo;
        final Path spring;
        final String classPath;

        Jars(Path connscope, Path otel, Path demo, Path spring, String classPath) {
            this.connscope = connscope;
            this.otel = otel;
            this.demo = demo;
            this.spring = spring;
            this.classPath = classPath;
        }
    }
}
