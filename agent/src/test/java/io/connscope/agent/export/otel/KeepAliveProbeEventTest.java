package io.connscope.agent.export.otel;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.Direction;
import io.connscope.agent.core.TestRecords;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A connection whose keep-alive probes the kernel saw unanswered carries one event on its span saying so. */
class KeepAliveProbeEventTest {

    private final List<SpanData> exported = new ArrayList<>();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
                @Override
                public CompletableResultCode export(Collection<SpanData> spans) {
                    exported.addAll(spans);
                    return CompletableResultCode.ofSuccess();
                }

                @Override
                public CompletableResultCode flush() {
                    return CompletableResultCode.ofSuccess();
                }

                @Override
                public CompletableResultCode shutdown() {
                    return CompletableResultCode.ofSuccess();
                }
            })).build();

    private static ConnectionRecord connection() {
        return TestRecords.open(new InetSocketAddress("127.0.0.1", 50000), new InetSocketAddress("127.0.0.1", 8080),
                Direction.OUTBOUND);
    }

    @Test
    void unansweredProbesBecomeOneEventWithTheMostSeen() {
        ConnectionSpans spans = new ConnectionSpans(provider.get("test"), 60, 0);
        ConnectionRecord r = connection();
        long seenAt = System.currentTimeMillis();
        r.noteUnansweredProbes(1, seenAt);
        r.noteUnansweredProbes(3, seenAt + 1000);
        r.noteUnansweredProbes(2, seenAt + 2000);
        spans.onFinished(TestRecords.closed(r));
        assertEquals(1, exported.size());
        List<EventData> events = exported.get(0).getEvents();
        assertEquals(1, events.size(), events.toString());
        EventData e = events.get(0);
        assertEquals("connscope.keepalive.probes_unanswered", e.getName());
        assertEquals(3L, e.getAttributes().get(ConnscopeAttributes.PROBES_UNANSWERED));
        assertTrue(e.getEpochNanos() >= TimeUnit.MILLISECONDS.toNanos(seenAt) - 1, "at the first sample that saw it");
    }

    @Test
    void aConnectionWithoutUnansweredProbesHasNoSuchEvent() {
        ConnectionSpans spans = new ConnectionSpans(provider.get("test"), 60, 0);
        spans.onFinished(TestRecords.closed(connection()));
        assertEquals(1, exported.size());
        assertTrue(exported.get(0).getEvents().isEmpty());
    }
}
