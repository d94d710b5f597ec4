package io.connscope.agent.export.otel;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.Direction;
import io.connscope.agent.core.TestRecords;
import io.connscope.agent.core.http.HttpExchange;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.connscope.agent.export.otel.RequestTraceSpans.Kind.NONE;
import static io.connscope.agent.export.otel.RequestTraceSpans.Kind.REUSED;
import static io.connscope.agent.export.otel.RequestTraceSpans.Kind.SETUP;
import static io.connscope.agent.export.otel.RequestTraceSpans.kind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which request gets spans in its own trace, and the links of connection spans, rolled over and counted. */
class RequestTraceSpansTest {

    private static final long MS = 1_000_000L;
    private final List<SpanData> exported = new ArrayList<>();

    private SdkTracerProvider provider(ConnectionSpanIds ids, int linkLimit) {
        return SdkTracerProvider.builder().setIdGenerator(ids)
                .setSpanLimits(SpanLimits.builder().setMaxNumberOfLinks(linkLimit).build())
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
    }

    @Test
    void theFirstSampledRequestRightAfterTheConnectOpenedIt() {
        assertEquals(SETUP, kind(true, true, 1, false, false, 2 * MS, false));
        assertEquals(SETUP, kind(true, true, 1, false, false, -MS, false), "the same millisecond");
        assertEquals(SETUP, kind(true, true, 1, false, false, RequestTraceSpans.OPENER_MAX_WAIT_NANOS, false));
    }

    @Test
    void noSetupSpansForOthers() {
        assertEquals(NONE, kind(false, true, 1, false, false, 0, true), "unsampled");
        assertEquals(NONE, kind(true, false, 1, false, false, 0, true), "an accepted connection");
        assertEquals(NONE, kind(true, true, 1, false, true, 0, true), "opened ahead by its pool");
        assertEquals(NONE, kind(true, true, 1, true, false, 0, true), "open before connscope came");
        assertEquals(NONE, kind(true, true, 1, false, false, RequestTraceSpans.OPENER_MAX_WAIT_NANOS + 1, true),
                "picked up later than right after the connect");
        assertEquals(NONE, kind(true, true, 1, false, false, -2 * MS, true), "sent before the connect ended?");
        assertEquals(NONE, kind(true, true, 1, false, false, Long.MIN_VALUE, true), "connect end unknown");
    }

    @Test
    void reusedRequestsGetTheirSpanOnlyWhenAskedFor() {
        assertEquals(NONE, kind(true, true, 2, false, false, 0, false));
        assertEquals(REUSED, kind(true, true, 2, false, false, 0, true));
        assertEquals(NONE, kind(false, true, 2, false, false, 0, true), "unsampled");
        assertEquals(NONE, kind(true, false, 2, false, false, 0, true), "inbound");
    }

    private static ConnectionRecord connection() {
        return TestRecords.connectedAfter(TestRecords.open(new InetSocketAddress("127.0.0.1", 50000),
                new InetSocketAddress("127.0.0.1", 8080), Direction.OUTBOUND), 2 * MS);
    }

    private static HttpExchange request(ConnectionRecord c, int index, long afterOpenMillis, String traceId,
                                        String spanId, boolean sampled) {
        return HttpExchange.ofHttp2Stream(index, 200, -1, null, c.openedAtMillis() + afterOpenMillis, traceId, spanId,
                sampled ? 1 : 0);
    }

    private static String id(int n, int digits) {
        return String.format("%0" + digits + "x", n + 1);
    }

    @Test
    void theOpenersConnectSpanIsItsChildAndLinksToTheConnectionSpan() {
        ConnectionSpanIds ids = new ConnectionSpanIds();
        ConnectionSpans spans = new ConnectionSpans(provider(ids, 128).get("test"), ids, 60, 0, 128, false);
        ConnectionRecord c = connection();
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        spans.onRequest(c, request(c, 1, 3, trace, "00f067aa0ba902b7", true));
        spans.onRequest(c, request(c, 2, 10, trace, "00f067aa0ba902b8", true));
        assertEquals(1, exported.size(), "the connect span, at once; no reused span without the option");
        SpanData connect = exported.get(0);
        assertEquals("socket connect 127.0.0.1:8080", connect.getName());
        assertEquals(trace, connect.getTraceId());
        assertEquals("00f067aa0ba902b7", connect.getParentSpanId());
        assertEquals(2 * MS, connect.getEndEpochNanos() - connect.getStartEpochNanos());
        assertEquals(50000L, connect.getAttributes().get(ConnscopeAttributes.NETWORK_LOCAL_PORT));
        assertEquals("socket_connect", connect.getAttributes().get(ConnscopeAttributes.SPAN_TYPE),
                "a constant to search by (the Grafana dashboard's Jaeger panel), the name holding an address");
        spans.onFinished(TestRecords.closed(c));
        SpanData connection = exported.get(1);
        assertEquals(connection.getSpanContext(), connect.getLinks().get(0).getSpanContext(),
                "the link points at the connection span as exported");
        assertEquals(2, connection.getLinks().size());
        assertEquals(2L, connection.getLinks().get(1).getAttributes().get(ConnscopeAttributes.REQUEST_INDEX));
    }

    /**
     * A TLS client that hands its first request to the engine before its last handshake flight reaches the socket
     * (Reactor Netty: both wrapped before one flush) opened the connection all the same; a request before the connect
     * ended did not.
     */
    @Test
    void aTlsRequestWrappedBeforeTheHandshakesLastFlightWentOutOpenedItsConnection() {
        ConnectionSpanIds ids = new ConnectionSpanIds();
        ConnectionSpans spans = new ConnectionSpans(provider(ids, 128).get("test"), ids, 60, 0, 128, false);
        ConnectionRecord early = TestRecords.tlsHandshake(connection(), 2 * MS, 12 * MS);
        spans.onRequest(early, request(early, 1, 7, id(1, 32), id(1, 16), true));
        assertEquals(List.of("socket connect 127.0.0.1:8080", "TLS client handshake 127.0.0.1"),
                exported.stream().map(SpanData::getName).collect(Collectors.toList()));
        exported.clear();
        ConnectionRecord beforeConnect = TestRecords.tlsHandshake(TestRecords.connectedAfter(connection(), 5 * MS),
                5 * MS, 12 * MS);
        spans.onRequest(beforeConnect, request(beforeConnect, 1, 2, id(2, 32), id(2, 16), true));
        assertEquals(0, exported.size(), "sent before the connect ended: " + exported);
    }

    @Test
    void unsampledOrLateFirstRequestsGetNoSpanAndNoLink() {
        ConnectionSpanIds ids = new ConnectionSpanIds();
        ConnectionSpans spans = new ConnectionSpans(provider(ids, 128).get("test"), ids, 60, 0, 128, true);
        ConnectionRecord unsampled = connection();
        spans.onRequest(unsampled, request(unsampled, 1, 3, id(1, 32), id(1, 16), false));
        ConnectionRecord late = connection();
        spans.onRequest(late, request(late, 1, 5000, id(2, 32), id(2, 16), true));
        assertEquals(0, exported.size(), exported.toString());
        spans.onFinished(TestRecords.closed(unsampled));
        spans.onFinished(TestRecords.closed(late));
        assertEquals(0, exported.get(0).getLinks().size(), "no link to an unsampled request");
        assertEquals(1, exported.get(1).getLinks().size(), "a late first request is linked all the same");
    }

    @Test
    void theReusedSpanSaysIndexAndAge() {
        ConnectionSpanIds ids = new ConnectionSpanIds();
        ConnectionSpans spans = new ConnectionSpans(provider(ids, 128).get("test"), ids, 60, 0, 128, true);
        ConnectionRecord c = connection();
        spans.onRequest(c, request(c, 3, 250, id(3, 32), id(3, 16), true));
        assertEquals(1, exported.size());
        SpanData reused = exported.get(0);
        assertEquals("connection reused", reused.getName());
        assertEquals(id(3, 16), reused.getParentSpanId());
        assertEquals(3L, reused.getAttributes().get(ConnscopeAttributes.REQUEST_INDEX));
        assertEquals("connection_reused", reused.getAttributes().get(ConnscopeAttributes.SPAN_TYPE));
        assertEquals(250.0, reused.getAttributes().get(ConnscopeAttributes.CONNECTION_AGE_MS), 1.0);
        assertNull(reused.getAttributes().get(ConnscopeAttributes.CONNECTION_IDLE_BEFORE_MS), "HTTP/2: not known");
    }

    @Test
    void moreRequestsThanTheLinkLimitRollTheSpanOverAndNoneIsLeftOut() {
        ConnectionSpanIds ids = new ConnectionSpanIds();
        ConnectionSpans spans = new ConnectionSpans(provider(ids, 128).get("test"), ids, 3600, 128, 128, false);
        ConnectionRecord c = connection();
        for (int i = 1; i <= 300; i++) {
            // Sampled, but later than an opener: links only.
            spans.onRequest(c, request(c, i, 2000 + i, id(i, 32), id(i, 16), true));
        }
        spans.onFinished(TestRecords.closed(c));
        assertEquals(3, exported.size(), "127 + 127 + 46 links");
        Set<Long> indexes = new TreeSet<>();
        SpanContext previous = null;
        for (SpanData s : exported) {
            assertTrue(s.getTotalRecordedLinks() <= 128);
            assertEquals(s.getLinks().size(), s.getTotalRecordedLinks(), "nothing the SDK dropped");
            assertNull(s.getAttributes().get(ConnscopeAttributes.REQUEST_LINKS_DROPPED));
            for (LinkData l : s.getLinks()) {
                Long index = l.getAttributes().get(ConnscopeAttributes.REQUEST_INDEX);
                if (index == null) {
                    assertEquals(previous, l.getSpanContext(), "a segment links to the one before");
                } else {
                    assertEquals(id(index.intValue(), 16), l.getSpanContext().getSpanId());
                    assertTrue(indexes.add(index), "linked once: " + index);
                }
            }
            previous = s.getSpanContext();
        }
        assertEquals(300, indexes.size());
        assertEquals(List.of(true, true, false), exported.stream()
                .map(s -> Boolean.TRUE.equals(s.getAttributes().get(ConnscopeAttributes.CONTINUED)))
                .collect(Collectors.toList()));
        assertEquals(0, spans.droppedLinks());
        assertEquals(0, spans.droppedEvents(), "the events roll over with the links");
        assertEquals(300, exported.stream().mapToInt(s -> s.getEvents().size()).sum());
    }
}
