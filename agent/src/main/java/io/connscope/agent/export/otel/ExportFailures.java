package io.connscope.agent.export.otel;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.io.PrintStream;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts what the exporters could not deliver and says so on stderr once per outage: one line when exports start
 * failing (collector down, refusing, or too slow for the export timeout), one when they succeed again. What failed
 * is dropped (the SDK's exporters have already retried): {@code connscope.export.dropped} with kinds {@code span}
 * and {@code metric_point}.
 */
final class ExportFailures {

    private final PrintStream err;
    private final AtomicLong droppedSpans = new AtomicLong();
    private final AtomicLong droppedMetricPoints = new AtomicLong();
    private final AtomicBoolean failing = new AtomicBoolean();
    /** Items handed to an exporter and not yet sent or failed: lost too if the JVM exits before they are. */
    private final AtomicLong spansInFlight = new AtomicLong();
    private final AtomicLong pointsInFlight = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger metricExportsInFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** Set at exit: exports cancelled by the shutdown are still counted, but only the exit line mentions them. */
    private volatile boolean shuttingDown;

    ExportFailures(PrintStream err) {
        this.err = err;
    }

    long droppedSpans() {
        return droppedSpans.get();
    }

    long droppedMetricPoints() {
        return droppedMetricPoints.get();
    }

    int metricExportsInFlight() {
        return metricExportsInFlight.get();
    }

    void shuttingDown() {
        shuttingDown = true;
    }

    /** What was dropped, for the exit line; null when nothing was. */
    String describeDropped(long spanEvents) {
        long spans = droppedSpans.get() + spansInFlight.get();
        long points = droppedMetricPoints.get() + pointsInFlight.get();
        if (spans + points + spanEvents == 0) {
            return null;
        }
        return spans + " spans, " + points + " metric points, " + spanEvents + " span events";
    }

    SpanExporter spans(SpanExporter exporter) {
        return new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> batch) {
                return watch(exporter.export(batch), exporter, "spans", droppedSpans, spansInFlight, batch.size());
            }

            @Override
            public CompletableResultCode flush() {
                return exporter.flush();
            }

            @Override
            public CompletableResultCode shutdown() {
                return exporter.shutdown();
            }

            @Override
            public String toString() {
                return exporter.toString();
            }
        };
    }

    MetricExporter metrics(MetricExporter exporter) {
        return new MetricExporter() {
            @Override
            public CompletableResultCode export(Collection<MetricData> batch) {
                long points = 0;
                for (MetricData m : batch) {
                    points += m.getData().getPoints().size();
                }
                metricExportsInFlight.incrementAndGet();
                CompletableResultCode result;
                try {
                    result = exporter.export(batch);
                } catch (RuntimeException e) {
                    metricExportsInFlight.decrementAndGet();
                    throw e;
                }
                result.whenComplete(metricExportsInFlight::decrementAndGet);
                return watch(result, exporter, "metrics", droppedMetricPoints, pointsInFlight, points);
            }

            @Override
            public AggregationTemporality getAggregationTemporality(InstrumentType type) {
                return exporter.getAggregationTemporality(type);
            }

            @Override
            public Aggregation getDefaultAggregation(InstrumentType type) {
                return exporter.getDefaultAggregation(type);
            }

            @Override
            public MemoryMode getMemoryMode() {
                return exporter.getMemoryMode();
            }

            @Override
            public CompletableResultCode flush() {
                return exporter.flush();
            }

            @Override
            public CompletableResultCode shutdown() {
                return exporter.shutdown();
            }

            @Override
            public String toString() {
                return exporter.toString();
            }
        };
    }

    /** The endpoint from an exporter's description, which otherwise lists its whole configuration. */
    static String endpoint(Object exporter) {
        String s = String.valueOf(exporter);
        int at = s.indexOf("endpoint=");
        if (at < 0) {
            return s.length() > 80 ? s.substring(0, 80) : s;
        }
        int end = s.indexOf(',', at);
        return s.substring(at, end < 0 ? s.length() : end);
    }

    private CompletableResultCode watch(CompletableResultCode result, Object exporter, String signal, AtomicLong dropped,
                                        AtomicLong inFlight, long items) {
        inFlight.addAndGet(items);
        result.whenComplete(() -> {
            inFlight.addAndGet(-items);
            if (result.isSuccess()) {
                if (failing.compareAndSet(true, false)) {
                    err.println("connscope: OpenTelemetry export works again (" + signal + "); dropped so far: "
                            + droppedSpans.get() + " spans, " + droppedMetricPoints.get() + " metric points");
                }
                return;
            }
            dropped.addAndGet(items);
            if (!shuttingDown && failing.compareAndSet(false, true)) {
                Throwable cause = result.getFailureThrowable();
                err.println("connscope: OpenTelemetry export of " + signal + " failed (" + endpoint(exporter)
                        + (cause == null ? "" : ": " + cause) + "); what cannot be sent is dropped and counted in "
                        + "connscope.export.dropped; the application is not affected");
            }
        });
        return result;
    }
}
