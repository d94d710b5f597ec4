package io.connscope.agent.export.otel;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.Direction;
import io.connscope.agent.core.http.HttpExchange;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;

import static io.connscope.agent.export.otel.ConnscopeAttributes.*;

/**
 * Spans connscope puts into a request's own trace, as children of the span the request's trace context names
 * (normally the HTTP client span of the application's tracer):
 * <ul>
 *   <li>for the request that opened a new outbound connection, {@code socket connect <ip>:<port>} from connect start
 *       to connect end, and for TLS {@code TLS client handshake <ip>} from the ClientHello to the client's last
 *       handshake flight, with {@code tls.resumed} when the server's first flight told
 *       ({@link io.connscope.agent.core.tls.ServerHelloScan});</li>
 *   <li>optionally ({@code connscope.otel.reused.spans}), for a request on a reused connection, a zero-length
 *       {@code connection reused} span with its index on the connection, the connection's age and how long it sat
 *       idle before the request.</li>
 * </ul>
 * Each carries {@code connscope.span.type} ({@link #TYPE_CONNECT}, {@link #TYPE_TLS_HANDSHAKE}, {@link #TYPE_REUSED}: one
 * value to search by, as in the Grafana dashboard's Jaeger panel, where the name holds an address), the connection's id
 * and local port, and links to the connection span. Only for sampled trace context:
 * under an unsampled one the parent was not exported.
 *
 * <p>Which request opened the connection ({@link #kind}): its first request, sent at most
 * {@link #OPENER_MAX_WAIT_NANOS} after the connect (for TLS: the handshake, or with its last flight) ended, on a
 * connection its pool did not hold idle before that request. A connection a pool opened ahead of time waited idle;
 * one that a different request picked up was, in the common case, picked up after a wait too. A race that hands a fresh connection to another
 * request at once is not told apart: that request then shows the setup it did not start but did use.
 */
final class RequestTraceSpans {

    /** The longest wait from a connection ready to its first request's first byte that still counts as one act. */
    static final long OPENER_MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** The values of {@code connscope.span.type}. */
    static final String TYPE_CONNECT = "socket_connect";
    static final String TYPE_TLS_HANDSHAKE = "tls_handshake";
    static final String TYPE_REUSED = "connection_reused";

    enum Kind {
        /** The request opened the connection: connect (and TLS handshake) spans. */
        SETUP,
        /** The request reused the connection: a {@code connection reused} span, when asked for. */
        REUSED,
        NONE
    }

    private final Tracer tracer;
    private final boolean reusedSpans;

    RequestTraceSpans(Tracer tracer, boolean reusedSpans) {
        this.tracer = tracer;
        this.reusedSpans = reusedSpans;
    }

    /**
     * The decision rule, on plain values: {@code readyAfterNanos} is how long after the connection was ready (connect
     * or TLS handshake ended) its request {@code index} started, {@code Long.MIN_VALUE} when not known.
     */
    static Kind kind(boolean sampled, boolean outbound, int index, boolean preexisting, boolean openedAhead,
                     long readyAfterNanos, boolean reusedSpans) {
        if (!sampled || !outbound || index < 1) {
            return Kind.NONE;
        }
        if (index > 1) {
            return reusedSpans ? Kind.REUSED : Kind.NONE;
        }
        if (preexisting || openedAhead || readyAfterNanos == Long.MIN_VALUE) {
            return Kind.NONE;
        }
        // The request's start is kept to the millisecond: a little before "ready" is the same moment.
        return readyAfterNanos >= -1_000_000L && readyAfterNanos <= OPENER_MAX_WAIT_NANOS ? Kind.SETUP : Kind.NONE;
    }

    /** A request seen on {@code c}, whose connection span (segment) will have the ids {@code connectionSpan}. */
    void onRequest(ConnectionRecord c, HttpExchange e, SpanContext connectionSpan) {
        if (!RequestLinks.linkable(e)) {
            return;
        }
        SpanContext parent = RequestLinks.target(e);
        if (!parent.isValid()) {
            return;
        }
        long requestEpochNanos = TimeUnit.MILLISECONDS.toNanos(e.startedAtMillis);
        long readyAfter = readyAfterNanos(c, requestEpochNanos);
        Kind kind = kind(true, c.direction() == Direction.OUTBOUND, e.index, c.preexisting(), c.openedAhead(),
                readyAfter, reusedSpans);
        if (kind == Kind.SETUP) {
            setup(c, parent, connectionSpan);
        } else if (kind == Kind.REUSED) {
            reused(c, e, parent, connectionSpan, requestEpochNanos);
        }
    }

    /**
     * How long after the connection was ready its request began ({@link #kind}'s {@code readyAfterNanos}). Over TLS a
     * request handed to the engine after the connect but before the client's last handshake flight reached the
     * socket went out with that flight (Reactor Netty wraps both before one flush, milliseconds apart on a busy
     * machine): it is the one that waited for the handshake, so it counts as ready at once.
     */
    private static long readyAfterNanos(ConnectionRecord c, long requestEpochNanos) {
        long ready = readyNanos(c);
        if (ready == 0) {
            return Long.MIN_VALUE;
        }
        long after = requestEpochNanos - epochNanos(c, ready);
        long connected = c.connectedNanos();
        if (after < 0 && ready != connected && connected != 0
                && requestEpochNanos >= epochNanos(c, connected) - TimeUnit.MILLISECONDS.toNanos(1)) {
            return 0;
        }
        return after;
    }

    /**
     * When the connection was ready for its first request: the TLS handshake's end, or else (not TLS, or its end not
     * seen) the connect's.
     */
    private static long readyNanos(ConnectionRecord c) {
        long handshakeEnd = c.tlsHandshakeEndNanos();
        return c.tlsHelloNanos() != 0 && handshakeEnd != 0 ? handshakeEnd : c.connectedNanos();
    }

    private void setup(ConnectionRecord c, SpanContext parent, SpanContext connectionSpan) {
        long connected = c.connectedNanos();
        if (connected == 0) {
            return;
        }
        InetAddress peer = c.remoteInet();
        String peerText = peer == null ? "?" : peer.getHostAddress();
        Span connect = start("socket connect " + peerText + ":" + c.remotePort(), TYPE_CONNECT, parent,
                epochNanos(c, c.openedNanos()), c, connectionSpan);
        if (peer != null) {
            connect.setAttribute(NETWORK_PEER_ADDRESS, peerText);
            connect.setAttribute(NETWORK_PEER_PORT, (long) c.remotePort());
        }
        connect.end(epochNanos(c, connected), TimeUnit.NANOSECONDS);
        long hello = c.tlsHelloNanos();
        long done = c.tlsHandshakeEndNanos();
        if (hello != 0 && done != 0) {
            Span tls = start("TLS client handshake " + peerText, TYPE_TLS_HANDSHAKE, parent, epochNanos(c, hello), c,
                    connectionSpan);
            if (peer != null) {
                tls.setAttribute(SERVER_ADDRESS, peerText);
            }
            Boolean resumed = c.tlsResumed();
            if (resumed != null) {
                tls.setAttribute(TLS_RESUMED, resumed);
            }
            tls.end(epochNanos(c, done), TimeUnit.NANOSECONDS);
        }
    }

    private void reused(ConnectionRecord c, HttpExchange e, SpanContext parent, SpanContext connectionSpan,
                        long requestEpochNanos) {
        Span span = start("connection reused", TYPE_REUSED, parent, requestEpochNanos, c, connectionSpan);
        span.setAttribute(REQUEST_INDEX, (long) e.index);
        span.setAttribute(CONNECTION_AGE_MS,
                Math.max(0, requestEpochNanos - TimeUnit.MILLISECONDS.toNanos(c.openedAtMillis())) / 1e6);
        if (e.idleBeforeNanos >= 0) {
            span.setAttribute(CONNECTION_IDLE_BEFORE_MS, e.idleBeforeNanos / 1e6);
        }
        span.end(requestEpochNanos, TimeUnit.NANOSECONDS);
    }

    private Span start(String name, String type, SpanContext parent, long startEpochNanos, ConnectionRecord c,
                       SpanContext connectionSpan) {
        AttributesBuilder a = Attributes.builder().put(SPAN_TYPE, type).put(CONNECTION_ID, c.id());
        if (c.localPort() != 0) {
            a.put(NETWORK_LOCAL_PORT, (long) c.localPort());
        }
        return tracer.spanBuilder(name)
                .setParent(Context.root().with(Span.wrap(parent)))
                .setSpanKind(SpanKind.INTERNAL)
                .setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS)
                .setAllAttributes(a.build())
                .addLink(connectionSpan)
                .startSpan();
    }

    /** A nanoTime of {@code c}'s as epoch nanoseconds, on the same anchor as its connection span's start. */
    static long epochNanos(ConnectionRecord c, long nanoTime) {
        return TimeUnit.MILLISECONDS.toNanos(c.openedAtMillis()) + (nanoTime - c.openedNanos());
    }
}
