package io.connscope.agent.export.otel;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionState;
import io.connscope.agent.core.Direction;
import io.connscope.agent.core.KeepAliveSettings;
import io.connscope.agent.core.http.CloseReason;
import io.connscope.agent.core.http.HttpExchange;
import io.connscope.agent.core.http2.Http2Summary;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.connscope.agent.export.otel.ConnscopeAttributes.*;

/**
 * One span per TCP connection, from connect start (or accept) to close, with one event per HTTP request on it.
 *
 * <p>Spans are built on the reporter thread once the connection's story is known, with explicit start and end
 * times. A connection open longer than the maximum span duration is ended as a span of its own
 * ({@code connscope.span.continued=true}) and continued by a new span linked to it, so long-lived connections
 * show before they close. Request events wait in memory only until their span ends, bounded per span and in
 * total; what does not fit is counted ({@code connscope.http.request_events.dropped} on the span, and the
 * {@code span_event} kind of {@code connscope.export.dropped}).
 *
 * <p>Each span links to the sampled requests that ran on it ({@link RequestLinks}). A segment whose links reach the
 * SDK's link limit is ended there and continued like a long-lived one, so no link is cut; only what exceeds the
 * links held at once over all connections is left out, counted ({@code connscope.http.request_links.dropped}, and
 * the {@code span_link} kind). Requests also get spans in their own traces ({@link RequestTraceSpans}), which link
 * to the segment's span by the ids it reserved ({@link ConnectionSpanIds}).
 */
final class ConnectionSpans {

    /** Request events held at once, over all connections, waiting for their spans to end. */
    static final int MAX_PENDING_EVENTS = 65_536;
    /** Request links held at once, over all connections, waiting for their spans to end. */
    static final int MAX_PENDING_LINKS = 65_536;

    private final Tracer tracer;
    private final ConnectionSpanIds ids;
    private final RequestTraceSpans requestSpans;
    /** Request links per span: the SDK's link limit, less the one a continued segment spends on its previous. */
    private final int linksPerSpan;
    private int pendingLinks;
    private volatile long droppedLinks;
    private final long maxSpanNanos;
    private final int maxEventsPerSpan;
    /** Connections with request events waiting or with an earlier span: reporter thread only. */
    private final Map<ConnectionRecord, Segment> segments = new IdentityHashMap<>();
    private int pendingEvents;
    /** Written by the reporter thread only; read by the metrics' collection. */
    private volatile long droppedEvents;

    ConnectionSpans(Tracer tracer, long maxSpanSeconds, int maxEventsPerSpan) {
        this(tracer, new ConnectionSpanIds(), maxSpanSeconds, maxEventsPerSpan, 128, false);
    }

    /** @param linkLimit the tracer provider's most links per span */
    ConnectionSpans(Tracer tracer, ConnectionSpanIds ids, long maxSpanSeconds, int maxEventsPerSpan, int linkLimit,
                    boolean reusedSpans) {
        this.tracer = tracer;
        this.ids = ids;
        this.linksPerSpan = Math.max(1, linkLimit - 1);
        this.requestSpans = new RequestTraceSpans(tracer, reusedSpans);
        this.maxSpanNanos = TimeUnit.SECONDS.toNanos(maxSpanSeconds);
        this.maxEventsPerSpan = maxEventsPerSpan;
    }

    /** The part of a connection's life not yet exported as a span. */
    private final class Segment {
        final long startEpochNanos;
        final SpanContext previous;
        final int index;
        /** The ids its span will have. */
        final SpanContext reserved = ids.reserve();
        final List<HttpExchange> events = new ArrayList<>(4);
        final RequestLinks links = new RequestLinks(linksPerSpan);
        long dropped;
        long droppedLinks;

        Segment(long startEpochNanos, SpanContext previous, int index) {
            this.startEpochNanos = startEpochNanos;
            this.previous = previous;
            this.index = index;
        }
    }

    /** Always: requests are span events, links and spans in their own traces. */
    boolean wantsRequests() {
        return true;
    }

    void onRequest(ConnectionRecord c, HttpExchange e) {
        Segment s = segments.get(c);
        if (s == null) {
            s = new Segment(openedEpochNanos(c), null, 0);
            segments.put(c, s);
        }
        if (RequestLinks.linkable(e)) {
            if (s.links.full()) {
                // Ended where this request began, continued by a linked segment that has room for its links.
                long at = Math.max(s.startEpochNanos, TimeUnit.MILLISECONDS.toNanos(e.startedAtMillis));
                SpanContext ended = emit(c, s, at, true);
                s = new Segment(at, ended, s.index + 1);
                segments.put(c, s);
            }
            if (pendingLinks < MAX_PENDING_LINKS) {
                s.links.add(e);
                pendingLinks++;
            } else {
                s.droppedLinks++;
                droppedLinks++;
            }
        }
        if (maxEventsPerSpan > 0) {
            if (s.events.size() < maxEventsPerSpan && pendingEvents < MAX_PENDING_EVENTS) {
                s.events.add(e);
                pendingEvents++;
            } else {
                s.dropped++;
                droppedEvents++;
            }
        }
        requestSpans.onRequest(c, e, s.reserved);
    }

    void onFinished(ConnectionRecord r) {
        Segment s = segments.remove(r);
        // Duration from the monotonic clock, so the span is as long as the connection was.
        emit(r, s, openedEpochNanos(r) + (long) (r.durationMillis(System.nanoTime()) * 1e6), false);
    }

    /**
     * Every so often: connections open longer than the maximum get their span ended and continued; request
     * events of connections whose close report never came (dropped) are let go.
     */
    void onTick(List<ConnectionRecord> open, long nowNanos) {
        long nowEpochNanos = epochNanos(nowNanos);
        for (ConnectionRecord r : open) {
            Segment s = segments.get(r);
            long start = s == null ? openedEpochNanos(r) : s.startEpochNanos;
            if (nowEpochNanos - start >= maxSpanNanos) {
                SpanContext ended = emit(r, s, nowEpochNanos, true);
                segments.put(r, new Segment(nowEpochNanos, ended, s == null ? 1 : s.index + 1));
            }
        }
        long staleBefore = System.currentTimeMillis() - 10_000;
        for (Iterator<Map.Entry<ConnectionRecord, Segment>> it = segments.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ConnectionRecord, Segment> e = it.next();
            ConnectionRecord r = e.getKey();
            if (r.state() != ConnectionState.OPEN && r.closedAtMillis() != 0 && r.closedAtMillis() < staleBefore) {
                pendingEvents -= e.getValue().events.size();
                pendingLinks -= e.getValue().links.size();
                it.remove();
            }
        }
    }

    /** At exit: the connections still open end their spans now, marked open. */
    void onExit(List<ConnectionRecord> open, long nowNanos) {
        long nowEpochNanos = epochNanos(nowNanos);
        for (ConnectionRecord r : open) {
            emit(r, segments.remove(r), nowEpochNanos, false);
        }
    }

    long droppedEvents() {
        return droppedEvents;
    }

    long droppedLinks() {
        return droppedLinks;
    }

    private SpanContext emit(ConnectionRecord r, Segment s, long endEpochNanos, boolean continued) {
        long start = s == null ? openedEpochNanos(r) : s.startEpochNanos;
        SpanBuilder b = tracer.spanBuilder(name(r)).setNoParent()
                .setSpanKind(r.direction() == Direction.OUTBOUND ? SpanKind.CLIENT : SpanKind.SERVER)
                .setStartTimestamp(start, TimeUnit.NANOSECONDS)
                .setAllAttributes(attributes(r));
        if (s != null && s.previous != null) {
            b.addLink(s.previous);
            b.setAttribute(SEGMENT, (long) s.index);
        }
        if (continued) {
            b.setAttribute(CONTINUED, true);
        }
        Span span;
        if (s != null) {
            ids.startingWith(s.reserved);
            try {
                span = b.startSpan();
            } finally {
                ids.done();
            }
            s.links.addTo(span);
            pendingLinks -= s.links.size();
            if (s.droppedLinks > 0) {
                span.setAttribute(REQUEST_LINKS_DROPPED, s.droppedLinks);
            }
        } else {
            span = b.startSpan();
        }
        if (s != null) {
            for (HttpExchange e : s.events) {
                span.addEvent("http.request", requestAttributes(e),
                        Math.max(start, TimeUnit.MILLISECONDS.toNanos(e.startedAtMillis)), TimeUnit.NANOSECONDS);
            }
            pendingEvents -= s.events.size();
            if (s.dropped > 0) {
                span.setAttribute(REQUEST_EVENTS_DROPPED, s.dropped);
            }
        }
        if (r.maxUnansweredProbes() > 0 && !continuedBefore(s, r)) {
            // The kernel sampler saw keep-alive probes go unanswered: the peer stopped answering.
            span.addEvent("connscope.keepalive.probes_unanswered",
                    Attributes.of(PROBES_UNANSWERED, (long) r.maxUnansweredProbes()),
                    Math.max(start, TimeUnit.MILLISECONDS.toNanos(r.unansweredProbesSeenAtMillis())), TimeUnit.NANOSECONDS);
        }
        Http2Summary h2 = r.http2();
        if (h2 != null) {
            http2Events(span, h2, start, Math.max(start, endEpochNanos));
        }
        if (r.state() == ConnectionState.FAILED) {
            span.setStatus(StatusCode.ERROR, r.error());
        } else if (CloseReason.ERROR.equals(r.closeReason())) {
            span.setStatus(StatusCode.ERROR, r.closeDetail());
        }
        span.end(Math.max(start, endEpochNanos), TimeUnit.NANOSECONDS);
        return span.getSpanContext();
    }

    /**
     * A span event per GOAWAY (either side's) and per RST_STREAM from the peer, those kept on the connection, within
     * this span's time (a continued connection's later span does not repeat an earlier one's).
     */
    private static void http2Events(Span span, Http2Summary h2, long startEpochNanos, long endEpochNanos) {
        for (Http2Summary.GoAway g : h2.goAways) {
            long at = TimeUnit.MILLISECONDS.toNanos(g.atMillis);
            if (at >= startEpochNanos - 1_000_000L && at <= endEpochNanos) {
                AttributesBuilder b = Attributes.builder().put(H2_SENDER, g.from).put(H2_ERROR_CODE, g.error)
                        .put(H2_LAST_STREAM_ID, (long) g.lastStreamId);
                putIfNotNull(b, H2_GOAWAY_DEBUG, g.debug);
                span.addEvent("connscope.http2.goaway", b.build(), Math.max(at, startEpochNanos), TimeUnit.NANOSECONDS);
            }
        }
        String peer = h2.localIsClient ? "server" : "client";
        for (Http2Summary.PeerReset reset : h2.peerResets) {
            long at = TimeUnit.MILLISECONDS.toNanos(reset.atMillis);
            if (at >= startEpochNanos - 1_000_000L && at <= endEpochNanos) {
                span.addEvent("connscope.http2.rst_stream", Attributes.of(H2_SENDER, peer, H2_ERROR_CODE, reset.error,
                        H2_STREAM_ID, (long) reset.streamId), Math.max(at, startEpochNanos), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Whether an earlier span of a continued connection already carried its unanswered-probes event. */
    private static boolean continuedBefore(Segment s, ConnectionRecord r) {
        return s != null && s.previous != null
                && TimeUnit.MILLISECONDS.toNanos(r.unansweredProbesSeenAtMillis()) < s.startEpochNanos;
    }

    /** Low-cardinality names: what the connection is, never where it goes (that is in the attributes). */
    static String name(ConnectionRecord r) {
        String direction = r.direction().wireName();
        if (r.state() == ConnectionState.FAILED) {
            return direction + " TCP connect";
        }
        String protocol = r.isHttp() ? "HTTP" : r.tlsHandshakes() > 0 ? "TLS" : "TCP";
        return direction + " " + protocol + " connection";
    }

    static Attributes attributes(ConnectionRecord r) {
        AttributesBuilder b = Attributes.builder()
                .put(NETWORK_TRANSPORT, "tcp")
                .put(CONNECTION_ID, r.id())
                .put(DIRECTION, r.direction().wireName())
                .put(STATE, r.state().wireName());
        InetSocketAddress remote = r.remoteAddress();
        InetSocketAddress local = r.localAddress();
        if (remote != null && remote.getAddress() != null) {
            b.put(NETWORK_TYPE, remote.getAddress() instanceof Inet6Address ? "ipv6" : "ipv4");
            b.put(NETWORK_PEER_ADDRESS, remote.getAddress().getHostAddress()).put(NETWORK_PEER_PORT, (long) remote.getPort());
        }
        if (local != null && local.getAddress() != null) {
            b.put(NETWORK_LOCAL_ADDRESS, local.getAddress().getHostAddress()).put(NETWORK_LOCAL_PORT, (long) local.getPort());
        }
        // The IP address, as in the metrics and the JSON Lines: connscope sees sockets, not the names behind them.
        InetSocketAddress server = r.serverAddress();
        if (server != null && server.getAddress() != null) {
            b.put(SERVER_ADDRESS, server.getAddress().getHostAddress()).put(SERVER_PORT, (long) server.getPort());
        }
        if (r.direction() == Direction.INBOUND && remote != null && remote.getAddress() != null) {
            b.put(CLIENT_ADDRESS, remote.getAddress().getHostAddress()).put(CLIENT_PORT, (long) remote.getPort());
        }
        if (r.state() == ConnectionState.FAILED) {
            // ConnectFailure.describe: "kind: exception", e.g. "refused: java.net.ConnectException: ...".
            String error = r.error();
            int colon = error == null ? -1 : error.indexOf(':');
            b.put(ERROR_TYPE, colon > 0 ? error.substring(0, colon) : "failed");
        }
        putIfNotNull(b, CLOSE_INITIATOR, r.closeInitiator() == null ? null : r.closeInitiator().wireName());
        putIfNotNull(b, CLOSE_REASON, r.closeReason());
        putIfNotNull(b, CLOSE_DETAIL, r.closeDetail());
        KeepAliveSettings k = r.keepAlive();
        if (k != null) {
            if (k.enabled != null) {
                b.put(KEEPALIVE_ENABLED, k.enabled);
            }
            putIfNotNull(b, KEEPALIVE_IDLE, k.idleSeconds);
            putIfNotNull(b, KEEPALIVE_INTERVAL, k.intervalSeconds);
            putIfNotNull(b, KEEPALIVE_COUNT, k.count);
            b.put(KEEPALIVE_SOURCE, k.source.wireName());
        }
        if (r.tcpUserTimeoutMillis() >= 0) {
            b.put(KEEPALIVE_USER_TIMEOUT, (long) r.tcpUserTimeoutMillis());
        }
        b.put(BYTES_SENT, r.bytesSent()).put(BYTES_RECEIVED, r.bytesReceived());
        if (r.connectMillis() >= 0) {
            b.put(CONNECT_MS, r.connectMillis());
        }
        Integer requests = r.requests();
        if (requests != null) {
            b.put(REQUESTS, (long) requests);
        }
        if (r.tlsHandshakes() > 0) {
            b.put(TLS_HANDSHAKES, (long) r.tlsHandshakes());
        }
        int malformed = r.traceContextMalformed();
        if (malformed > 0) {
            b.put(TRACE_CONTEXT_MALFORMED, (long) malformed);
        }
        Http2Summary h2 = r.http2();
        if (h2 != null) {
            http2Attributes(b, h2);
        }
        putIfNotNull(b, POOL, r.pool());
        if (r.preexisting()) {
            b.put(PREEXISTING, true);
        }
        putIfNotNull(b, THREAD_NAME, r.thread());
        return b.build();
    }

    private static void http2Attributes(AttributesBuilder b, Http2Summary h2) {
        b.put(H2_CLIENT_STREAMS, (long) h2.clientStreams).put(H2_SERVER_STREAMS, (long) h2.serverStreams)
                .put(H2_MAX_OPEN_STREAMS, (long) h2.maxOpenStreams)
                .put(H2_CLIENT_PINGS_SENT, (long) h2.clientPings.sent).put(H2_CLIENT_PINGS_ACKED, (long) h2.clientPings.acked)
                .put(H2_SERVER_PINGS_SENT, (long) h2.serverPings.sent).put(H2_SERVER_PINGS_ACKED, (long) h2.serverPings.acked)
                .put(H2_CLIENT_PINGS_UNANSWERED, (long) h2.clientPings.unanswered)
                .put(H2_SERVER_PINGS_UNANSWERED, (long) h2.serverPings.unanswered)
                .put(H2_CLIENT_RESETS, (long) sum(h2.clientResets)).put(H2_SERVER_RESETS, (long) sum(h2.serverResets))
                .put(H2_GOAWAYS, (long) h2.goAwayCount);
        if (h2.clientMaxConcurrentStreams >= 0) {
            b.put(H2_CLIENT_MAX_CONCURRENT, h2.clientMaxConcurrentStreams);
        }
        if (h2.serverMaxConcurrentStreams >= 0) {
            b.put(H2_SERVER_MAX_CONCURRENT, h2.serverMaxConcurrentStreams);
        }
        if (h2.clientPings.avgIntervalMillis >= 0) {
            b.put(H2_CLIENT_PING_INTERVAL_AVG, h2.clientPings.avgIntervalMillis);
        }
        if (h2.serverPings.avgIntervalMillis >= 0) {
            b.put(H2_SERVER_PING_INTERVAL_AVG, h2.serverPings.avgIntervalMillis);
        }
        if (h2.rttCount > 0) {
            b.put(H2_PING_RTT_MIN, h2.rttMinMillis).put(H2_PING_RTT_AVG, h2.rttAvgMillis).put(H2_PING_RTT_MAX, h2.rttMaxMillis);
        }
    }

    static int sum(Map<String, Integer> counts) {
        int n = 0;
        for (int v : counts.values()) {
            n += v;
        }
        return n;
    }

    static Attributes requestAttributes(HttpExchange e) {
        AttributesBuilder b = Attributes.builder()
                .put(REQUEST_INDEX, (long) e.index)
                .put(REUSED, e.reused);
        // Semantic conventions: "1.1", "2", without the "HTTP/" of the wire.
        putIfNotNull(b, NETWORK_PROTOCOL_VERSION, e.httpVersion == null ? null
                : e.httpVersion.startsWith("HTTP/") ? e.httpVersion.substring(5) : e.httpVersion);
        if (e.status != 0) {
            b.put(HTTP_STATUS, (long) e.status);
        }
        putIfNotNull(b, REQUEST_CONNECTION, e.requestConnection);
        putIfNotNull(b, REQUEST_KEEP_ALIVE, e.requestKeepAlive);
        putIfNotNull(b, RESPONSE_CONNECTION, e.responseConnection);
        putIfNotNull(b, RESPONSE_KEEP_ALIVE, e.responseKeepAlive);
        if (e.grpcStatus >= 0) {
            b.put(GRPC_STATUS, (long) e.grpcStatus);
        }
        putIfNotNull(b, H2_RESET, e.resetCode);
        putIfNotNull(b, REQUEST_TRACE_ID, e.traceId);
        putIfNotNull(b, REQUEST_SPAN_ID, e.spanId);
        if (e.sampled != null) {
            b.put(REQUEST_SAMPLED, e.sampled);
        }
        return b.build();
    }

    private static void putIfNotNull(AttributesBuilder b, AttributeKey<String> key, String value) {
        if (value != null) {
            b.put(key, value);
        }
    }

    private static void putIfNotNull(AttributesBuilder b, AttributeKey<Long> key, Integer value) {
        if (value != null) {
            b.put(key, (long) value);
        }
    }

    private static long openedEpochNanos(ConnectionRecord r) {
        return TimeUnit.MILLISECONDS.toNanos(r.openedAtMillis());
    }

    /** A nanoTime as wall-clock nanoseconds since the epoch. */
    private static long epochNanos(long nanoTime) {
        return TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()) - (System.nanoTime() - nanoTime);
    }
}
