package io.connscope.agent.export.otel;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExportFailuresTest {

    /** A collector that takes every batch and answers only once {@link #answer} is called. */
    private static final class HeldCollector implements SpanExporter {
        final AtomicInteger received = new AtomicInteger();
        final java.util.List<CompletableResultCode> waiting = new CopyOnWriteArrayList<>();
        volatile boolean answering;

        @Override
        public synchronized CompletableResultCode export(Collection<SpanData> spans) {
            received.addAndGet(spans.size());
            if (answering) {
                return CompletableResultCode.ofSuccess();
            }
            CompletableResultCode r = new CompletableResultCode();
            waiting.add(r);
            return r;
        }

        synchronized void answer() {
            answering = true;
            waiting.forEach(CompletableResultCode::succeed);
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    @Test
    void spansThatDoNotFitInTheQueueAreCountedNotLostSilently() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ExportFailures failures = new ExportFailures(new PrintStream(err, true, StandardCharsets.UTF_8));
        // The console exporter is wrapped too, and first (otel.traces.exporter=console,otlp): it has no queue.
        SpanProcessor console = SimpleSpanProcessor.create(failures.spans(new HeldCollector()));
        assertSame(console, failures.spanQueue(console, 16));
        HeldCollector collector = new HeldCollector();
        int capacity = 16;
        SpanProcessor batch = BatchSpanProcessor.builder(failures.spans(collector)).setMaxQueueSize(capacity)
                .setMaxExportBatchSize(4).setScheduleDelay(Duration.ofMillis(1)).setExporterTimeout(Duration.ofSeconds(30))
                .build();
        SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(failures.spanQueue(batch, capacity)).build();
        Tracer tracer = provider.get("test");
        int ended = 200;
        for (int i = 0; i < ended; i++) {
            tracer.spanBuilder("connection " + i).startSpan().end();
        }
        // The collector holds the first batch: at most the queue and that batch got in, the rest is counted.
        long queueFull = failures.droppedSpansQueueFull();
        assertTrue(queueFull >= ended - capacity - 4, "dropped at the queue: " + queueFull);
        assertEquals(queueFull, failures.droppedSpans());
        collector.answer();
        assertTrue(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess());
        // Every span is either delivered or counted: the batch processor itself dropped none.
        assertEquals(ended, collector.received.get() + failures.droppedSpansQueueFull(),
                "received " + collector.received.get() + ", counted " + failures.droppedSpansQueueFull());
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().filter(l -> l.contains("span queue full")).count(), text);
        assertEquals(0, text.lines().filter(l -> l.contains("export of spans failed")).count(), text);
        assertTrue(failures.describeDropped(0).contains((ended - collector.received.get()) + " spans ("), failures.describeDropped(0));
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }

    @Test
    void spansStillQueuedWhenTheExitStopsWaitingCountAsLost() throws Exception {
        ExportFailures failures = new ExportFailures(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        HeldCollector collector = new HeldCollector();
        // A long schedule delay: the spans sit in the queue, as they do behind a slow collector at exit.
        SpanProcessor batch = BatchSpanProcessor.builder(failures.spans(collector)).setMaxQueueSize(64)
                .setMaxExportBatchSize(64).setScheduleDelay(Duration.ofSeconds(60)).build();
        SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(failures.spanQueue(batch, 64)).build();
        for (int i = 0; i < 10; i++) {
            provider.get("test").spanBuilder("c").startSpan().end();
        }
        assertEquals("10 spans, 0 metric points, 0 span events", failures.describeDropped(0));
        assertEquals(0, failures.droppedSpans(), "not dropped yet, only at risk");
        collector.answer();
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }

    @Test
    void aBatchProcessorWithSeveralExportersIsLeftAsItIs() {
        ExportFailures failures = new ExportFailures(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        SpanProcessor batch = BatchSpanProcessor.builder(SpanExporter.composite(failures.spans(new HeldCollector()),
                failures.spans(new HeldCollector()))).build();
        assertSame(batch, failures.spanQueue(batch, 16));
        batch.shutdown();
    }

    @Test
    void theConsoleExportersSimpleProcessorIsLeftAsItIs() {
        ExportFailures failures = new ExportFailures(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        SpanProcessor simple = SimpleSpanProcessor.create(new HeldCollector());
        assertSame(simple, failures.spanQueue(simple, 16));
    }
}
