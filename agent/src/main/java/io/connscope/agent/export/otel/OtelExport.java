package io.connscope.agent.export.otel;

import io.connscope.agent.config.AgentConfig;
import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionRegistry;
import io.connscope.agent.core.http.HttpExchange;
import io.connscope.agent.export.Reporter;
import io.connscope.agent.export.TelemetryExport;
import io.connscope.bootstrap.AgentThread;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder;
import io.opentelemetry.sdk.autoconfigure.internal.AutoConfigureUtil;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * OpenTelemetry export: connection spans and metrics through connscope's own, relocated SDK, set up by
 * OpenTelemetry's autoconfigure from the standard {@code OTEL_*} variables and {@code -Dotel.*} properties.
 *
 * <p>Private by construction: the SDK is never made global, so the application's {@code GlobalOpenTelemetry} (and
 * the OpenTelemetry Java agent's) never see it, and being relocated it cannot clash with another OpenTelemetry
 * version the application ships. The exporters' own traffic is invisible to connscope: the SDK is built on the
 * reporter's {@link AgentThread}, so every thread it starts (batch processor, metric reader, OkHttp's task
 * runner) is connscope's too and its connections are never traced; OTLP requests are dispatched on AgentThreads
 * as well; connections to the Prometheus endpoint's port are ignored.
 *
 * <p>Export is asynchronous: spans go through the SDK's batch processor, metrics are collected on its reader's
 * thread; when the collector is down or slow, what cannot be sent is dropped, counted in
 * {@code connscope.export.dropped} and reported on stderr once per outage; spans that do not fit in the span
 * queue are counted too ({@link ExportFailures#spanQueue}).
 */
public final class OtelExport implements TelemetryExport {

    /** Distinct peers in the per-peer metrics; further peers share one overflow series. */
    static final int MAX_PEERS = 2000;
    /**
     * The instrumentation scope of every span and metric. The resource, service.name included, is the application's
     * (OTEL_SERVICE_NAME, otel.service.name, OTEL_RESOURCE_ATTRIBUTES, read by autoconfigure): connscope's spans sit
     * in the application's traces, and a service of their own would draw a false dependency edge in Jaeger.
     */
    static final String INSTRUMENTATION_SCOPE = "io.connscope";
    /** Links per span unless otel.span.link.count.limit says otherwise: beyond, connection spans roll over. */
    static final int DEFAULT_LINK_LIMIT = 1024;
    /** How long the exit waits for the last export. */
    static final long EXIT_FLUSH_MILLIS = 3000;

    /** The relocated SDK's loggers: kept strongly so their level (off) sticks. */
    private static final Logger SDK_LOGGER = Logger.getLogger(OpenTelemetrySdk.class.getPackage().getName()
            .replaceFirst("\\.sdk$", ""));
    /** Except the console exporters' ({@code OTEL_*_EXPORTER=console}), which write what they export through it. */
    private static final Logger CONSOLE_EXPORTER_LOGGER = Logger.getLogger(
            io.opentelemetry.exporter.logging.LoggingSpanExporter.class.getPackage().getName());

    private final OpenTelemetrySdk sdk;
    private final ConnectionRegistry registry;
    private final ConnectionSpans spans;
    private final ConnectionMetrics metrics;
    private final ExportFailures failures;
    private final long tickNanos;
    private final PrintStream err;
    private long nextTick;

    private OtelExport(OpenTelemetrySdk sdk, ConnectionRegistry registry, Reporter reporter, ExportFailures failures,
                       long maxSpanSeconds, int eventsPerSpan, ConnectionSpanIds ids, int linkLimit, boolean reusedSpans,
                       PrintStream err) {
        this.sdk = sdk;
        this.err = err;
        this.registry = registry;
        this.failures = failures;
        this.spans = new ConnectionSpans(sdk.getTracer(INSTRUMENTATION_SCOPE), ids, maxSpanSeconds, eventsPerSpan,
                linkLimit, reusedSpans);
        this.metrics = new ConnectionMetrics(sdk.getMeter(INSTRUMENTATION_SCOPE), MAX_PEERS,
                registry::openConnectionsForMetrics, () -> dropped(reporter),
                () -> reporter.kernel() == null ? null : reporter.kernel().latest());
        // Long-lived connections are checked for span rollover a few times per maximum span duration.
        this.tickNanos = TimeUnit.SECONDS.toNanos(Math.max(1, maxSpanSeconds / 10));
    }

    /** A factory for the reporter: builds the SDK on the reporter's thread. */
    public static TelemetryExport.Factory factory(long maxSpanSeconds, int eventsPerSpan, boolean reusedSpans,
                                                  Map<String, String> overrides, PrintStream err) {
        return (registry, reporter) -> start(registry, reporter, maxSpanSeconds, eventsPerSpan, reusedSpans, overrides,
                err);
    }

    /**
     * {@code overrides}: connscope's own {@code otel.*} settings ({@code connscope.otel.*}), over the standard ones,
     * so that connscope can export elsewhere than the OpenTelemetry Java agent that reads the same {@code otel.*}.
     */
    static OtelExport start(ConnectionRegistry registry, Reporter reporter, long maxSpanSeconds, int eventsPerSpan,
                            boolean reusedSpans, Map<String, String> overrides, PrintStream err) {
        // The SDK logs each failed export through java.util.logging, into the application's log: connscope
        // reports outages itself, once (ExportFailures).
        SDK_LOGGER.setLevel(Level.OFF);
        CONSOLE_EXPORTER_LOGGER.setLevel(Level.INFO);
        ExportFailures failures = new ExportFailures(err);
        ReadSettings[] read = new ReadSettings[1];
        ConnectionSpanIds ids = new ConnectionSpanIds();
        int[] linkLimit = {DEFAULT_LINK_LIMIT};
        AutoConfiguredOpenTelemetrySdkBuilder builder = AutoConfiguredOpenTelemetrySdk.builder()
                .setComponentLoader(ComponentLoader.forClassLoader(OtelExport.class.getClassLoader()))
                .disableShutdownHook()
                .addPropertiesSupplier(OtelExport::defaults)
                .addPropertiesSupplier(() -> spanLimitDefaults(eventsPerSpan))
                .addTracerProviderCustomizer((tracerProvider, config) -> {
                    linkLimit[0] = config.getInt("otel.span.link.count.limit", 128);
                    return tracerProvider.setIdGenerator(ids);
                })
                .addSpanExporterCustomizer((exporter, config) -> failures.spans(onAgentThreads(exporter, retry(config))))
                .addSpanProcessorCustomizer((processor, config) ->
                        failures.spanQueue(processor, config.getInt("otel.bsp.max.queue.size", 2048)))
                .addMetricExporterCustomizer((exporter, config) -> failures.metrics(onAgentThreads(exporter, retry(config))))
                // connscope.otel.* settings win over the otel.* that the OpenTelemetry Java agent reads too.
                .addPropertiesCustomizer(config -> overrides)
                // Before any reader is built: the Prometheus server listens as soon as it is built, and a scrape
                // accepted before its port is ignored would be traced.
                .addPropertiesCustomizer(config -> {
                    int port = prometheusPort(config);
                    if (port >= 0) {
                        registry.ignoreInboundPort(port);
                    }
                    return Map.of();
                });
        // Every component is built with the settings below: what none of them asks for had no effect.
        AutoConfigureUtil.setConfigPropertiesCustomizer(builder, config -> read[0] = new ReadSettings(config));
        AutoConfiguredOpenTelemetrySdk configured = builder.build();
        if (read[0] != null) {
            for (String unread : read[0].unread(overrides.keySet())) {
                err.println("connscope: " + AgentConfig.OTEL_OVERRIDE_PREFIX + unread + " had no effect: the "
                        + "OpenTelemetry SDK did not read " + unread + " (misspelt, or a setting of an exporter that "
                        + "is not configured); expected one of the SDK's otel.* settings, "
                        + "https://opentelemetry.io/docs/languages/java/configuration/");
            }
        }
        return new OtelExport(configured.getOpenTelemetrySdk(), registry, reporter, failures, maxSpanSeconds,
                eventsPerSpan, ids, linkLimit[0], reusedSpans, err);
    }

    /**
     * The SDK keeps the first 128 links and events of a span and only counts the rest: room for connscope's links
     * (more roll the span over, see {@link ConnectionSpans}) and for the request events asked for, with some to
     * spare for the connection's other events. The user's own otel.span.*.count.limit wins.
     */
    static Map<String, String> spanLimitDefaults(int eventsPerSpan) {
        Map<String, String> d = new HashMap<>();
        d.put("otel.span.link.count.limit", String.valueOf(DEFAULT_LINK_LIMIT));
        d.put("otel.span.event.count.limit", String.valueOf(Math.max(128, eventsPerSpan + 64)));
        return d;
    }

    /**
     * Defaults that differ from the Java SDK's, each overridden by the user's own setting: OTLP over http/protobuf
     * (the specification's default; the Java SDK's own is grpc); no log export (connscope has no logs); the
     * Prometheus endpoint on loopback only; a span queue that holds a few seconds of churn.
     */
    static Map<String, String> defaults() {
        Map<String, String> d = new HashMap<>();
        d.put("otel.exporter.otlp.protocol", "http/protobuf");
        d.put("otel.logs.exporter", "none");
        d.put("otel.exporter.prometheus.host", "127.0.0.1");
        d.put("otel.bsp.max.queue.size", "16384");
        d.put("otel.bsp.max.export.batch.size", "1024");
        return d;
    }

    /** The port the Prometheus endpoint will listen on, or -1 when the metrics exporters do not include it. */
    static int prometheusPort(ConfigProperties config) {
        for (String exporter : config.getList("otel.metrics.exporter", List.of("otlp"))) {
            if (exporter.trim().equals("prometheus")) {
                return config.getInt("otel.exporter.prometheus.port", 9464);
            }
        }
        return -1;
    }

    /**
     * The retry policy the user configured: {@code toBuilder()} of the 1.55 exporters forgets a disabled retry
     * ({@code otel.java.exporter.otlp.retry.disabled=true}) and would put the default back.
     */
    private static RetryPolicy retry(ConfigProperties config) {
        return config.getBoolean("otel.java.exporter.otlp.retry.disabled", false) ? null : RetryPolicy.getDefault();
    }

    /** OTLP exporters rebuilt to send from connscope's own threads, so their connections are never traced. */
    static SpanExporter onAgentThreads(SpanExporter exporter, RetryPolicy retry) {
        SpanExporter rebuilt = exporter;
        if (exporter instanceof OtlpHttpSpanExporter) {
            rebuilt = ((OtlpHttpSpanExporter) exporter).toBuilder().setExecutorService(agentExecutor("spans"))
                    .setRetryPolicy(retry).build();
        } else if (exporter instanceof OtlpGrpcSpanExporter) {
            rebuilt = ((OtlpGrpcSpanExporter) exporter).toBuilder().setExecutorService(agentExecutor("spans"))
                    .setRetryPolicy(retry).build();
        }
        if (rebuilt != exporter) {
            exporter.shutdown();
        }
        return rebuilt;
    }

    static MetricExporter onAgentThreads(MetricExporter exporter, RetryPolicy retry) {
        MetricExporter rebuilt = exporter;
        if (exporter instanceof OtlpHttpMetricExporter) {
            rebuilt = ((OtlpHttpMetricExporter) exporter).toBuilder().setExecutorService(agentExecutor("metrics"))
                    .setRetryPolicy(retry).build();
        } else if (exporter instanceof OtlpGrpcMetricExporter) {
            rebuilt = ((OtlpGrpcMetricExporter) exporter).toBuilder().setExecutorService(agentExecutor("metrics"))
                    .setRetryPolicy(retry).build();
        }
        if (rebuilt != exporter) {
            exporter.shutdown();
        }
        return rebuilt;
    }

    /** Like OkHttp's own dispatcher pool (it bounds concurrency itself), with connscope's threads. */
    private static ExecutorService agentExecutor(String signal) {
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                task -> new AgentThread(task, "connscope-otlp-" + signal));
    }

    private Map<String, Long> dropped(Reporter reporter) {
        Map<String, Long> d = new LinkedHashMap<>();
        d.put("report", reporter.droppedReports());
        d.put("span_event", spans.droppedEvents());
        d.put("span_link", spans.droppedLinks());
        d.put("span", failures.droppedSpans());
        d.put("metric_point", failures.droppedMetricPoints());
        return d;
    }

    @Override
    public void onRequest(ConnectionRecord connection, HttpExchange exchange) {
        spans.onRequest(connection, exchange);
    }

    @Override
    public void onFinished(ConnectionRecord record) {
        metrics.onFinished(record);
        spans.onFinished(record);
    }

    @Override
    public void onTick(long nowNanos) {
        if (nowNanos - nextTick >= 0) {
            nextTick = nowNanos + tickNanos;
            spans.onTick(registry.openConnections(false), nowNanos);
        }
    }

    @Override
    public void onExit(List<ConnectionRecord> open, long nowNanos) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXIT_FLUSH_MILLIS);
        spans.onExit(open, nowNanos);
        CompletableResultCode traces = sdk.getSdkTracerProvider().forceFlush();
        // The metric reader refuses a flush while one of its periodic exports is in flight: let that finish, then
        // collect once more, so that the last export has the final totals.
        while (failures.metricExportsInFlight() > 0 && remainingMillis(deadline) > 0) {
            sleepQuietly(20);
        }
        CompletableResultCode metrics = sdk.getSdkMeterProvider().forceFlush();
        traces.join(remainingMillis(deadline), TimeUnit.MILLISECONDS);
        metrics.join(remainingMillis(deadline), TimeUnit.MILLISECONDS);
        failures.shuttingDown();
        // The SDK's shutdown blocks inside for up to seconds when the collector does not answer: run it aside and
        // wait only what is left of the exit's time (its thread is a daemon and does not hold the JVM).
        Thread shutdown = new AgentThread(sdk::shutdown, "connscope-otel-shutdown");
        shutdown.start();
        try {
            shutdown.join(Math.max(50, remainingMillis(deadline)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String lost = failures.describeDropped(spans.droppedEvents());
        long links = spans.droppedLinks();
        if (links > 0) {
            lost = (lost == null ? "" : lost + ", ") + links + " span links";
        }
        if (lost != null) {
            err.println("connscope: OpenTelemetry export dropped " + lost);
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
