package io.connscope.agent.export.otel;

import io.connscope.agent.core.http.HttpExchange;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;

import java.util.ArrayList;
import java.util.List;

import static io.connscope.agent.export.otel.ConnscopeAttributes.REQUEST_INDEX;

/**
 * The links one connection span (one segment of it) gets: one per sampled request that ran on the connection, to
 * the span its trace context names (the client's span for a request sent, the caller's for one received), with the
 * request's index on the connection. An unsampled request's span was not exported, so it gets no link.
 *
 * <p>Held until the span is built, at most {@code capacity} per span: the owner rolls the connection over into a
 * new, linked segment when it is full ({@link #full}), so the SDK's link limit never cuts links silently.
 */
final class RequestLinks {

    private final int capacity;
    private final List<HttpExchange> requests = new ArrayList<>(2);

    RequestLinks(int capacity) {
        this.capacity = capacity;
    }

    /** Whether {@code e} names a sampled span to link to (ids present, sampled flag set). */
    static boolean linkable(HttpExchange e) {
        return e.traceId != null && e.spanId != null && Boolean.TRUE.equals(e.sampled);
    }

    boolean full() {
        return requests.size() >= capacity;
    }

    int size() {
        return requests.size();
    }

    void add(HttpExchange e) {
        requests.add(e);
    }

    /** Adds the links to {@code span} (started, not ended); returns how many were added. */
    int addTo(Span span) {
        int added = 0;
        for (HttpExchange e : requests) {
            SpanContext target = target(e);
            if (target.isValid()) {
                span.addLink(target, Attributes.of(REQUEST_INDEX, (long) e.index));
                added++;
            }
        }
        return added;
    }

    /** The span a request's trace context names, as a remote, sampled span context (invalid when its ids are). */
    static SpanContext target(HttpExchange e) {
        return SpanContext.createFromRemoteParent(e.traceId, e.spanId, TraceFlags.getSampled(), TraceState.getDefault());
    }
}
