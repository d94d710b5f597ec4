package io.connscope.agent.export.otel;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
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
 *
 * <p>Spans are also lost before any export: the batch span processor drops a span when its queue is full (the
 * collector slower than the connections), silently but for the SDK's own telemetry. {@link #spanQueue} counts
 * them: it stands in front of the batch processor and admits a span only while fewer than the queue's capacity
 * are waiting (ended and not yet handed to the exporter), so the processor's queue never overflows and every
 * span it cannot take is counted here.
 */
final class ExportFailures {

    private final PrintStream err;
    private final AtomicLong droppedSpans = new AtomicLong();
    private final AtomicLong droppedMetricPoints = new AtomicLong();
    private final AtomicBoolean failing = new AtomicBoolean();
    /** Items handed to an exporter and not yet sent or failed: lost too if the JVM exits before they are. */
    private final AtomicLong spansInFlight = new AtomicLong();
    private final AtomicLong pointsInFlight = new AtomicLong();
    /** Spans in the batch processor: admitted by {@link #spanQueue}, not yet handed to the exporter. */
    private final AtomicLong spansQueued = new AtomicLong();
    /** Spans {@link #spanQueue} turned away because the queue was full; also in {@link #droppedSpans}. */
    private final AtomicLong spansQueueFull = new AtomicLong();
    /** Whether the queue-full line was printed: once per run, the exit line has the total. */
    private volatile boolean queueFullReported;
    private final java.util.concurrent.atomic.AtomicInteger metricExportsInFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** Set at exit: exports cancelled by the shutdown are still counted, but only the exit line mentions them. */
    private volatile boolean shuttingDown;

    ExportFailures(PrintStream err) {
        this.err = err;
    }

    long droppedSpans() {
        return droppedSpans.get();
    }

    long droppedSpansQueueFull() {
        return spansQueueFull.get();
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

    /**
     * What was dropped, for the exit line; null when nothing was. Spans still queued or in flight when the exit
     * stops waiting for the collector are lost too.
     */
    String describeDropped(long spanEvents) {
        long spans = droppedSpans.get() + spansInFlight.get() + spansQueued.get();
        long points = droppedMetricPoints.get() + pointsInFlight.get();
        if (spans + points + spanEvents == 0) {
            return null;
        }
        long queueFull = spansQueueFull.get();
        return spans + " spans" + (queueFull == 0 ? "" : " (" + queueFull + " of them because the span queue was full)")
                + ", " + points + " metric points, " + spanEvents + " span events";
    }

    /**
     * The batch span processor behind a gate that admits at most {@code capacity} waiting spans and counts the
     * rest; any other processor (the console exporter's simple one) as it is. The gate needs to see the spans
     * leave the queue, so it is there only when the processor's exporter is one of {@link #spans}: with several
     * exporters behind one batch processor (the SDK composes them) the processor is left as it is.
     */
    SpanProcessor spanQueue(SpanProcessor processor, long capacity) {
        if (!(processor instanceof BatchSpanProcessor)
                || !(((BatchSpanProcessor) processor).getSpanExporter() instanceof CountedSpanExporter)) {
            return processor;
        }
        ((CountedSpanExporter) ((BatchSpanProcessor) processor).getSpanExporter()).behindQueue = true;
        return new SpanProcessor() {
            @Override
            public void onStart(Context parentContext, ReadWriteSpan span) {
                processor.onStart(parentContext, span);
            }

            @Override
            public boolean isStartRequired() {
                return processor.isStartRequired();
            }

            @Override
            public void onEnd(ReadableSpan span) {
                if (!span.getSpanContext().isSampled()) {
                    processor.onEnd(span); // not queued by the batch processor
                    return;
                }
                if (spansQueued.incrementAndGet() > capacity) {
                    spansQueued.decrementAndGet();
                    spansQueueFull.incrementAndGet();
                    droppedSpans.incrementAndGet();
                    // During an outage its line has said it already.
                    if (!queueFullReported && !shuttingDown && !failing.get()) {
                        queueFullReported = true;
                        err.println("connscope: OpenTelemetry span queue full (" + capacity + " spans): the collector"
                                + " takes spans slower than connections end; spans that do not fit are dropped and"
                                + " counted in connscope.export.dropped (reported once); the application is not"
                                + " affected");
                    }
                    return;
                }
                processor.onEnd(span);
            }

            @Override
            public boolean isEndRequired() {
                return true;
            }

            @Override
            public CompletableResultCode shutdown() {
                return processor.shutdown();
            }

            @Override
            public CompletableResultCode forceFlush() {
                return processor.forceFlush();
            }

            @Override
            public String toString() {
                return processor.toString();
            }
        };
    }

    SpanExporter spans(SpanExporter exporter) {
        return new CountedSpanExporter(exporter);
    }

    /** A span exporter whose failures (and, behind the span queue's gate, whose batches) are counted. */
    private final class CountedSpanExporter implements SpanExporter {
        private final SpanExporter exporter;
        /** Set when {@link #spanQueue} gates the batch processor that feeds it: its batches leave the queue. */
        volatile boolean behindQueue;

        CountedSpanExporter(SpanExporter exporter) {
            this.exporter = exporter;
        }

        @Override
        public CompletableResultCode export(Collection<SpanData> batch) {
            // In flight before out of the queue: the exit line, read meanwhile, never misses them.
            spansInFlight.addAndGet(batch.size());
            if (behindQueue) {
                spansQueued.addAndGet(-batch.size());
            }
            CompletableResultCode result;
            try {
                result = exporter.export(batch);
            } catch (RuntimeException e) {
                spansInFlight.addAndGet(-batch.size());
                droppedSpans.addAndGet(batch.size());
                throw e;
            }
            return watch(result, exporter, "spans", droppedSpans, spansInFlight, batch.size());
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
                pointsInFlight.addAndGet(points);
                CompletableResultCode result;
                try {
                    result = exporter.export(batch);
                } catch (RuntimeException e) {
                    metricExportsInFlight.decrementAndGet();
                    pointsInFlight.addAndGet(-points);
                    droppedMetricPoints.addAndGet(points);
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
        // The caller has counted the items in flight.
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
