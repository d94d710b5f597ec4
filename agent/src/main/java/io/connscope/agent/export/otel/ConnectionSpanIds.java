package io.connscope.agent.export.otel;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.trace.IdGenerator;

/**
 * The ids of connscope's spans, with one twist: a connection span's ids can be chosen before the span exists.
 *
 * <p>A connection span is built when its connection closes (or its segment ends), but the spans connscope puts into
 * a request's own trace ({@link RequestTraceSpans}) are built as soon as the request is seen, and link back to the
 * connection span. So each segment of a connection reserves its span's ids when it begins ({@link #reserve}), and
 * hands them to the SDK right before starting that span ({@link #startingWith}): the SDK asks for a span id, then,
 * for a root span, a trace id, and gets these. Only on the thread that said so (the reporter's, which starts every
 * connscope span), and only once each, so a span started anywhere else gets random ids as usual.
 */
final class ConnectionSpanIds implements IdGenerator {

    private final IdGenerator random = IdGenerator.random();
    private Thread owner;
    private String nextTraceId;
    private String nextSpanId;

    /** Ids for a connection span to come: sampled, as connscope's root spans are under the default sampler. */
    SpanContext reserve() {
        return SpanContext.create(random.generateTraceId(), random.generateSpanId(), TraceFlags.getSampled(),
                TraceState.getDefault());
    }

    /** The next root span this thread starts gets {@code reserved}'s ids; call {@link #done} right after. */
    synchronized void startingWith(SpanContext reserved) {
        owner = Thread.currentThread();
        nextTraceId = reserved.getTraceId();
        nextSpanId = reserved.getSpanId();
    }

    /** Whatever the span did not take is forgotten. */
    synchronized void done() {
        owner = null;
        nextTraceId = null;
        nextSpanId = null;
    }

    @Override
    public synchronized String generateSpanId() {
        String id = nextSpanId;
        if (id != null && owner == Thread.currentThread()) {
            nextSpanId = null;
            return id;
        }
        return random.generateSpanId();
    }

    @Override
    public synchronized String generateTraceId() {
        String id = nextTraceId;
        if (id != null && owner == Thread.currentThread()) {
            nextTraceId = null;
            return id;
        }
        return random.generateTraceId();
    }
}
