package io.connscope.agent.core.http;

/**
 * Follows the HTTP/1.x exchanges on one connection from its bytes, for any client or server.
 *
 * <p>Requests flow one way (written by a client, read by a server), responses the other. HTTP/1.x without
 * pipelining alternates: a new request starts with the first request bytes after response bytes (or at the
 * start), and must begin with a request line ({@code METHOD SP}); a response starts with the first response bytes
 * after a request and begins with {@code HTTP/1.}. A 1xx interim response is followed by more of the same
 * request. Only the heads are read, and of them only the version, status, {@code Connection} and
 * {@code Keep-Alive}, the body's framing ({@code Content-Length}, {@code Transfer-Encoding}), and a request's trace
 * context ({@link TraceHeaders}). Bodies are skipped unread.
 *
 * <p>Pipelining: a known method and its space right after a complete request (its body skipped by its framing,
 * see {@link MessageBody}), before any response, begin the next request; the earlier ones wait, oldest first, for
 * their responses ({@link PipelinedRequest}), which are told apart the same way when a server writes them back to
 * back. Where a body's framing cannot be told, the bytes after it are not looked at, as without pipelining. A
 * pipelined request allocates its waiting entry (pipelining is rare; at most {@link #MAX_WAITING} wait).
 *
 * <p>Reads and writes of one connection may run on different threads, so the methods synchronize on the
 * tracker (a lock per connection, uncontended in practice). Nothing is allocated per read or write; an
 * {@link HttpExchange} is allocated per request only when someone listens for them.
 */
public final class HttpConnectionTracker {

    /** Receives each finished exchange. */
    public interface ExchangeListener {
        void onExchange(HttpExchange exchange);
    }

    private static final int IDLE = 0;
    private static final int REQUEST = 1;
    private static final int RESPONSE = 2;
    /**
     * A response seen before its request: the agent hears of a write when the system call returns, and by then
     * another thread may already have read the answer (the JDK HttpClient reads on its selector thread).
     */
    private static final int EARLY_RESPONSE = 3;

    /** Release stores to {@link #requests} and {@link #staleCheckDue} (see there). */
    private static final java.lang.invoke.VarHandle REQUESTS;
    private static final java.lang.invoke.VarHandle STALE_CHECK_DUE;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.lookup();
            REQUESTS = lookup.findVarHandle(HttpConnectionTracker.class, "requests", int.class);
            STALE_CHECK_DUE = lookup.findVarHandle(HttpConnectionTracker.class, "staleCheckDue", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ExchangeListener listener;
    private final HttpHeaderScanner requestHead = new HttpHeaderScanner();
    private final HttpHeaderScanner responseHead = new HttpHeaderScanner();
    /** Requests pipelined before the current one that wait for their responses, oldest first; made at the first. */
    private java.util.ArrayDeque<PipelinedRequest> waiting;
    /** The current request's body, and a pipelined response's, while they are skipped; made when first needed. */
    private MessageBody requestBody;
    private MessageBody responseBody;
    /** The current request's body is being skipped (pipelining is looked for after it). */
    private boolean inRequestBody;
    /** The current request's body cannot be told (a bad Content-Length): no pipelined request is looked for after it. */
    private boolean requestFramingLost;
    /** A pipelined response's body is being skipped, to find the next response in the same bytes. */
    private boolean inResponseBody;
    /** The response being read answers the oldest waiting request, not the current one. */
    private boolean answeringWaiting;

    private int state = IDLE;
    /**
     * Written under the lock, volatile for {@link #requests()}. Written by release stores ({@link #REQUESTS}): a
     * volatile store's fence is not needed under the lock, and on x86 it was a full barrier on every request read.
     */
    private volatile int requests;
    /** Written under the lock, volatile for {@link #traceContextMalformed()}. */
    private volatile int traceContextMalformed;
    /** Whether {@link #responseHead} belongs to the current request (false until its response starts). */
    private boolean responseStarted;
    /** When the current request started, on the monotonic clock the caller already read for the byte counters. */
    private long requestStartedNanos;
    /** When response bytes last came (0: none yet, or not told), and what that made the current request wait. */
    private long lastResponseNanos;
    private long idleBeforeNanos = -1;
    /** The connection's open time on both clocks: turns {@link #requestStartedNanos} into wall-clock time. */
    private final long anchorMillis;
    private final long anchorNanos;
    private boolean exchangeReported;
    /**
     * A request whose response went by first (EARLY_RESPONSE) has more head to come: its next bytes go on with the
     * head, not to the {@link Http1StartLines#looksLikeRequest} test, as they would in one read.
     */
    private boolean answeredHeadPending;
    /**
     * A request on a reused connection began; whether the peer had closed first is still to be checked. Written by
     * release stores ({@link #STALE_CHECK_DUE}), as {@link #requests}.
     */
    private volatile boolean staleCheckDue;
    /** The current request went out after the peer's FIN had arrived. */
    private boolean sentAfterPeerClosed;
    /** Whether the connection closed in the middle of an exchange (set by {@link #onClose}). */
    private boolean endedMidExchange;
    /** Whether the connection speaks HTTP/2 (its streams are reported by the client library). */
    private boolean http2;
    /**
     * A response said 101 Switching Protocols (an {@code Upgrade: h2c}, or a WebSocket): the bytes after its head
     * are another protocol's, and no longer read here. Volatile: the registry asks on every read and write after.
     */
    private volatile boolean switched;

    /** A tracker whose exchange times count from 0 on both clocks (tests). */
    public HttpConnectionTracker(ExchangeListener listener) {
        this(listener, 0, 0);
    }

    /**
     * @param anchorMillis wall-clock time at {@code anchorNanos} on {@link System#nanoTime()}'s clock (the
     *                     connection's open time): reading the wall clock per request cost as much as the whole
     *                     head scan
     */
    public HttpConnectionTracker(ExchangeListener listener, long anchorMillis, long anchorNanos) {
        this.listener = listener;
        this.anchorMillis = anchorMillis;
        this.anchorNanos = anchorNanos;
    }

    /** Request bytes: written by a client, read by a server, at {@code nowNanos} ({@link System#nanoTime()}). */
    public synchronized void onRequestBytes(ByteSource bytes, long address, int length, long nowNanos) {
        if (length <= 0 || http2 || switched) {
            return;
        }
        if (answeredHeadPending) {
            // The rest of a head whose response went by first: the head is read to its end before the exchange
            // is reported, whatever reads it came in.
            requestHead.feed(bytes, address, length);
            if (!requestHead.inHead()) {
                answeredHeadPending = false;
                if (!responseHead.inHead()) {
                    reportExchange();
                }
            }
            return;
        }
        if (state != REQUEST && Http1StartLines.looksLikeRequest(bytes, address, length)) {
            if (state == RESPONSE) {
                reportExchange();
            }
            boolean answered = state == EARLY_RESPONSE;
            int n = requests + 1;
            REQUESTS.setRelease(this, n);
            STALE_CHECK_DUE.setRelease(this, n > 1);
            sentAfterPeerClosed = false;
            state = REQUEST;
            responseStarted = answered;
            exchangeReported = false;
            requestStartedNanos = nowNanos;
            idleBeforeNanos = n > 1 && lastResponseNanos != 0 ? Math.max(0, nowNanos - lastResponseNanos) : -1;
            requestHead.begin(true);
            beginRequestFraming();
            if (answered) {
                // Its response went by first; the exchange ends as soon as the request head is read.
                requestHead.feed(bytes, address, length);
                state = RESPONSE;
                if (requestHead.inHead()) {
                    answeredHeadPending = true;
                } else if (!responseHead.inHead()) {
                    reportExchange();
                }
                return;
            }
        } else if (state == RESPONSE && !responseHead.inHead()) {
            // More request bytes after a complete final response that are not a request line: a body sent
            // late (after 100-continue) or a protocol this tracker does not follow. Nothing to count.
            return;
        }
        if (state != REQUEST) {
            if (requestHead.inHead()) {
                requestHead.feed(bytes, address, length);
            }
            return;
        }
        feedRequest(bytes, address, length, nowNanos);
    }

    /**
     * Bytes of the current request, whose response has not begun: its head, then its body, then, if more follows
     * and looks like a request line, the next request, pipelined.
     */
    private void feedRequest(ByteSource bytes, long address, int length, long nowNanos) {
        int offset = 0;
        while (offset < length) {
            if (requestHead.inHead()) {
                offset += requestHead.feed(bytes, address + offset, length - offset);
                if (requestHead.inHead()) {
                    return;
                }
                frameRequestBody();
                continue;
            }
            if (inRequestBody) {
                offset += requestBody.skip(bytes, address + offset, length - offset);
                if (!requestBody.done()) {
                    return;
                }
                inRequestBody = false;
                continue;
            }
            if (requestFramingLost) {
                return;
            }
            int used = pipelinedMethod(bytes, address + offset, length - offset);
            if (used < 0) {
                return; // not a request line, or one whose method is not yet all here
            }
            pipeline(nowNanos, pipelinedHead);
            offset += used;
        }
    }

    /** The current request's head has ended: skip its body by its framing before looking for a pipelined request. */
    private void frameRequestBody() {
        if (requestHead.chunked) {
            body(true).chunked();
            inRequestBody = true;
        } else if (requestHead.contentLength == HttpHeaderScanner.BAD_LENGTH) {
            requestFramingLost = true;
        } else if (requestHead.contentLength > 0) {
            body(true).length(requestHead.contentLength);
            inRequestBody = true;
        }
    }

    private MessageBody body(boolean request) {
        if (request) {
            return requestBody != null ? requestBody : (requestBody = new MessageBody());
        }
        return responseBody != null ? responseBody : (responseBody = new MessageBody());
    }

    private void beginRequestFraming() {
        inRequestBody = false;
        requestFramingLost = false;
        methodSoFar = 0;
        methodLength = 0;
    }

    /**
     * The method of a request line that may follow a complete request, as far as it has come (bytes in order, the
     * first lowest), and how many bytes: a pipelined request is told from the bytes after the one before it by a
     * known method and its space, decided byte by byte across reads, so that the same bytes count the same however
     * they were read (an unknown method is not taken for a pipelined request).
     */
    private long methodSoFar;
    private int methodLength;
    /** What {@link #pipelinedMethod} decided: whether the pipelined request is a HEAD. */
    private boolean pipelinedHead;

    /**
     * Reads a pipelined request's method from {@code length} bytes at {@code address}, after what earlier reads
     * gave: returns how many of these bytes it took (the method and its space) when a known method is complete, or
     * -1 when these bytes are no request line (the check ends) or end before the method does (it goes on).
     */
    private int pipelinedMethod(ByteSource bytes, long address, int length) {
        for (int i = 0; i < length; i++) {
            int b = bytes.byteAt(address + i);
            if (b == ' ' && methodLength > 0) {
                boolean known = Http1StartLines.knownMethod(methodSoFar, methodLength);
                pipelinedHead = known && methodSoFar == Http1StartLines.HEAD_WORD;
                methodSoFar = 0;
                methodLength = 0;
                if (!known) {
                    requestFramingLost = true; // not a request: nothing after it is looked at
                    return -1;
                }
                return i + 1;
            }
            long soFar = methodSoFar | ((long) b << (8 * methodLength));
            if (b < 'A' || b > 'Z' || methodLength == Http1StartLines.LONGEST_METHOD
                    || !Http1StartLines.methodPrefix(soFar, methodLength + 1)) {
                methodSoFar = 0;
                methodLength = 0;
                requestFramingLost = true;
                return -1;
            }
            methodSoFar = soFar;
            methodLength++;
        }
        return -1;
    }

    /** Pipelined requests waiting for their responses at once, per connection; more are counted but not kept. */
    static final int MAX_WAITING = 1024;

    /**
     * A request line follows the current request before its response: the current request waits for its response
     * (kept only as far as someone listens for exchanges), and this one becomes the current one.
     */
    private void pipeline(long nowNanos, boolean head) {
        if (waiting == null) {
            waiting = new java.util.ArrayDeque<>(4);
        }
        PipelinedRequest earlier = new PipelinedRequest(requests, requestHead.headMethod, requestStartedNanos);
        TraceHeaders trace = requestHead.traceContext();
        if (trace != null && trace.malformed() > 0) {
            traceContextMalformed += trace.malformed();
        }
        if (listener != null) {
            earlier.describe(requestHead, trace);
        }
        if (waiting.size() < MAX_WAITING) {
            waiting.add(earlier);
        } else {
            // Too many unanswered: reported now, as unanswered, so that no request goes uncounted.
            report(earlier, false);
        }
        REQUESTS.setRelease(this, requests + 1);
        // Sent right behind another request, not after the connection sat idle.
        STALE_CHECK_DUE.setRelease(this, false);
        sentAfterPeerClosed = false;
        exchangeReported = false;
        responseStarted = false;
        requestStartedNanos = nowNanos;
        // Its method is read already (and maybe in an earlier read): the scanner starts after it.
        requestHead.beginAfterMethod(head);
        beginRequestFraming();
    }

    /** Reports a pipelined request's exchange: with the response just read, or ({@code answered} false) without. */
    private void report(PipelinedRequest p, boolean answered) {
        if (listener == null) {
            return;
        }
        listener.onExchange(new HttpExchange(p.index, p.version,
                p.connection, p.keepAlive,
                answered ? responseHead.status : 0,
                answered ? HttpTokens.text(responseHead.connection, responseHead.connectionLength) : null,
                answered ? HttpTokens.text(responseHead.keepAlive, responseHead.keepAliveLength) : null,
                anchorMillis + Math.floorDiv(p.startedNanos - anchorNanos, 1_000_000L),
                p.traceId, p.spanId, p.sampled));
    }

    /**
     * Response bytes: read by a client, written by a server. Returns how many of them are HTTP/1.x: all, but after a
     * 101 Switching Protocols response head, the bytes after it belong to the protocol switched to (none, once
     * switched).
     */
    public synchronized int onResponseBytes(ByteSource bytes, long address, int length) {
        return onResponseBytes(bytes, address, length, 0);
    }

    /**
     * {@link #onResponseBytes(ByteSource, long, int)} at {@code nowNanos} ({@link System#nanoTime()}, 0 when not
     * read): the time a next request's idle wait counts from.
     */
    public synchronized int onResponseBytes(ByteSource bytes, long address, int length, long nowNanos) {
        if (nowNanos != 0 && length > 0) {
            lastResponseNanos = nowNanos;
        }
        if (switched) {
            return 0;
        }
        if (length <= 0 || http2) {
            return length;
        }
        int offset = 0;
        if ((state == IDLE || (state == RESPONSE && !responseHead.inHead()))
                && Http1StartLines.startsWithHttp(bytes, address, length) && length >= 8) {
            // A response before its request was seen (see EARLY_RESPONSE): keep its head for the request.
            if (state == RESPONSE) {
                reportExchange();
            }
            responseHead.begin(false);
            state = EARLY_RESPONSE;
        }
        if (state == EARLY_RESPONSE) {
            if (responseHead.inHead()) {
                responseHead.feed(bytes, address, length);
            }
            return length;
        }
        while (offset < length) {
            if (inResponseBody) {
                // A pipelined response's body: the next response may follow in these bytes.
                offset += responseBody.skip(bytes, address + offset, length - offset);
                if (!responseBody.done()) {
                    return length;
                }
                inResponseBody = false;
                continue;
            }
            if (state == REQUEST && !responseHead.inHead()) {
                if (!Http1StartLines.startsWithHttp(bytes, address + offset, length - offset)) {
                    return length;
                }
                responseHead.begin(false);
                answeringWaiting = waiting != null && !waiting.isEmpty();
                if (!answeringWaiting) {
                    responseStarted = true;
                    state = RESPONSE;
                }
            }
            if (!responseHead.inHead()) {
                return length;
            }
            int used = responseHead.feed(bytes, address + offset, length - offset);
            offset += used;
            if (!responseHead.inHead() && answeringWaiting) {
                if (responseHead.status >= 100 && responseHead.status < 200) {
                    continue; // interim: its final response comes next
                }
                answeringWaiting = false;
                PipelinedRequest answered = waiting.poll();
                report(answered, true);
                if (!frameResponseBody(answered.head)) {
                    return length;
                }
                continue;
            }
            if (!responseHead.inHead()) {
                if (responseHead.status == 101) {
                    // The request is answered by the switch itself; what follows is not HTTP/1.x.
                    switched = true;
                    reportExchange();
                    return offset;
                }
                if (responseHead.status >= 100 && responseHead.status < 200) {
                    // Interim (100 Continue): the final response is still to come, maybe in these same bytes.
                    state = REQUEST;
                    responseStarted = false;
                } else {
                    reportExchange();
                    return length;
                }
            }
        }
        return length;
    }

    /**
     * A pipelined request's response head has ended: skips its body by its framing, and returns whether the next
     * response can be found after it (false: a body that runs until the connection closes, or framing unknown).
     */
    private boolean frameResponseBody(boolean toHead) {
        int status = responseHead.status;
        if (toHead || status == 204 || status == 304) {
            return true;
        }
        if (responseHead.chunked) {
            body(false).chunked();
        } else if (responseHead.contentLength >= 0) {
            body(false).length(responseHead.contentLength);
        } else {
            return false;
        }
        inResponseBody = !responseBody.done();
        return true;
    }

    /** Whether a 101 Switching Protocols response ended HTTP/1.x on this connection. */
    public boolean switchedProtocols() {
        return switched;
    }

    private void reportExchange() {
        answeredHeadPending = false;
        if (exchangeReported || requests == 0) {
            return;
        }
        exchangeReported = true;
        TraceHeaders trace = requestHead.traceContext();
        if (trace != null && trace.malformed() > 0) {
            traceContextMalformed += trace.malformed();
        }
        if (listener == null) {
            return;
        }
        boolean haveResponse = responseStarted && !responseHead.inHead();
        boolean traced = trace != null && trace.found();
        boolean ids = traced && trace.hasIds();
        listener.onExchange(new HttpExchange(requests, HttpExchange.versionText(requestHead.version),
                HttpTokens.text(requestHead.connection, requestHead.connectionLength),
                HttpTokens.text(requestHead.keepAlive, requestHead.keepAliveLength),
                haveResponse ? responseHead.status : 0,
                haveResponse ? HttpTokens.text(responseHead.connection, responseHead.connectionLength) : null,
                haveResponse ? HttpTokens.text(responseHead.keepAlive, responseHead.keepAliveLength) : null,
                anchorMillis + Math.floorDiv(requestStartedNanos - anchorNanos, 1_000_000L),
                ids ? TraceHeaders.traceIdHex(trace.traceIdHigh(), trace.traceIdLow()) : null,
                ids ? TraceHeaders.spanIdHex(trace.spanId()) : null,
                traced ? HttpExchange.sampled(trace.sampled()) : null, idleBeforeNanos));
    }

    /**
     * Malformed trace headers in this connection's requests so far (each ignored). Without the lock: a volatile
     * int, read by the reporter.
     */
    public int traceContextMalformed() {
        return traceContextMalformed;
    }

    /**
     * A client opened HTTP/2 stream {@code streamId}: a request multiplexed on the connection. From then on the
     * connection's bytes are HTTP/2 frames, not HTTP/1.x, and are no longer read. A connection upgraded from
     * HTTP/1.1 ({@code Upgrade: h2c}) carries its first request as stream 1, already counted.
     */
    public synchronized void onHttp2Stream(int streamId, long nowMillis) {
        if (streamId % 2 == 0) {
            return; // server push, not a request
        }
        boolean upgraded = streamId == 1 && requests == 1 && !http2;
        http2 = true;
        state = IDLE;
        if (upgraded) {
            return;
        }
        REQUESTS.setRelease(this, requests + 1);
        if (listener != null) {
            listener.onExchange(new HttpExchange(requests, "HTTP/2", null, null, 0, null, null, nowMillis, null, null,
                    null));
        }
    }

    /**
     * Requests seen so far. Without the lock: read per read or write (is a pooled connection in use again?) and per
     * finished connection by the reporter, and one volatile int needs none.
     */
    public int requests() {
        return requests;
    }

    /**
     * The connection ended: reports the last exchange if it had no response yet, and says why the connection
     * ended, as far as HTTP explains it.
     *
     * @param client       whether this side is the HTTP client
     * @param closedByPeer whether the peer closed first (its FIN came first)
     * @param peerReset    whether the peer reset the connection
     * @param localReset   whether this side reset it (SO_LINGER 0: some pools close that way on purpose)
     */
    public synchronized String onClose(boolean client, boolean closedByPeer, boolean peerReset, boolean localReset) {
        endedMidExchange = state == REQUEST || (state == RESPONSE && responseHead.inHead());
        if (state == EARLY_RESPONSE) {
            // Its request never showed up: whatever it answered is already counted.
            state = RESPONSE;
        }
        if (waiting != null) {
            for (PipelinedRequest p; (p = waiting.poll()) != null; ) {
                report(p, false);
            }
        }
        reportExchange();
        return closeReason(client, closedByPeer, peerReset, localReset);
    }

    /**
     * After {@link #onClose}: the reason had the peer's FIN come first, for a close whose FINs met and whose order
     * the kernel tells later ({@code CloseInitiator.Verdict#kernelDecides}).
     */
    public synchronized String closeReasonIfPeerFirst(boolean client) {
        return closeReason(client, true, false, false);
    }

    private String closeReason(boolean client, boolean closedByPeer, boolean peerReset, boolean localReset) {
        if (requests == 0) {
            return null;
        }
        if (endedMidExchange) {
            if (client && sentAfterPeerClosed && (closedByPeer || peerReset)) {
                // The request went out on a connection the server had already closed while it sat idle.
                return CloseReason.STALE;
            }
            if (closedByPeer || peerReset || localReset) {
                return CloseReason.ERROR;
            }
        }
        boolean haveResponse = responseStarted && !responseHead.inHead();
        if (haveResponse && responseHead.keepAliveParameter("max") == 1) {
            return CloseReason.KEEPALIVE_MAX;
        }
        // HTTP/1.0 first: its requests and responses usually say "Connection: close" too, but the version decided.
        boolean http10 = requestHead.version == 10 || (haveResponse && responseHead.version == 10);
        boolean keepAliveAsked = requestHead.connectionHas("keep-alive")
                && (!haveResponse || responseHead.version != 10 || responseHead.connectionHas("keep-alive"));
        if (http10 && !keepAliveAsked) {
            return CloseReason.HTTP_1_0;
        }
        // The client's "close" first: servers echo it, but the client decided.
        if (requestHead.connectionHas("close")) {
            return CloseReason.CONNECTION_CLOSE_BY_CLIENT;
        }
        if (haveResponse && responseHead.connectionHas("close")) {
            return CloseReason.CONNECTION_CLOSE_BY_SERVER;
        }
        if (closedByPeer || peerReset) {
            return client ? CloseReason.STALE : CloseReason.PEER_CLOSED_IDLE;
        }
        return CloseReason.APPLICATION_CLOSE;
    }

    /**
     * Whether a request on a reused connection just began and nobody has yet checked if the peer had closed the
     * connection before it (clears the question). The registry answers with {@link #sentAfterPeerClosed()}.
     */
    public boolean takeStaleCheck() {
        if (!staleCheckDue) {
            return false; // the common case, on every write: no lock
        }
        synchronized (this) {
            boolean due = staleCheckDue;
            STALE_CHECK_DUE.setRelease(this, false);
            return due;
        }
    }

    /** The current request was sent after the peer's FIN had arrived: the connection was stale. */
    public synchronized void sentAfterPeerClosed() {
        if (state == REQUEST) {
            sentAfterPeerClosed = true;
        }
    }
}
