package io.connscope.agent.core;

import io.connscope.agent.core.http.ByteSource;
import io.connscope.agent.core.http.Http1StartLines;
import io.connscope.agent.core.http.HttpConnectionTracker;
import io.connscope.agent.core.http2.Http2ConnectionTracker;
import io.connscope.agent.core.tls.ClientHelloKey;
import io.connscope.agent.core.tls.ServerHelloScan;
import io.connscope.agent.core.tls.TlsRecords;

import java.io.FileDescriptor;

/**
 * The protocol seam: which protocol a connection speaks, decided once from its first bytes, and the tracker that
 * follows it from then on. The registry hands it every read and write ({@link #look}); {@link TlsPlaintext} hands
 * it what the application exchanged with a TLS socket or engine ({@link #lookPlain}), where the same decision is
 * made again on the plaintext.
 *
 * <p>The first bytes toward the server: the HTTP/2 preface, an HTTP/1.x request line, a TLS ClientHello (which
 * also ties the connection to its {@code SSLEngine}, {@link EngineRendezvous}), or anything else. The first bytes
 * from the server, when they are seen first: an HTTP/2 server's SETTINGS, an HTTP/1.x status line, a TLS server
 * handshake, or anything else. A connection found to be anything else is never looked at again.
 *
 * <p>To add a protocol:
 * <ol>
 * <li>write its tracker in a package of its own, as {@code core/http/} and {@code core/http2/} are: a
 *     {@code looksLike...} test of the first bytes, one method for each direction's bytes, a request count,
 *     and an {@code onClose} that says why the connection ended;</li>
 * <li>in {@link ConnectionRecord}: a {@code PROTOCOL_} constant, a field for the tracker, and what the
 *     connection's report shows of it;</li>
 * <li>here: make the tracker ({@link #newTracker}, {@link #newHttp2Tracker} are the examples), recognize it in
 *     {@link #classify} and, if it runs over TLS, in {@link #lookPlain}; count it as followed ({@link #followed});
 *     give it its bytes ({@link #feed}, {@link #lookAt}); end it ({@link #onClose});</li>
 * <li>a protocol reached in mid-connection (h2c after HTTP/1.1's 101 Switching Protocols) is switched to in
 *     {@link #switchProtocol}.</li>
 * </ol>
 * A new transport (a socket kind whose bytes are not read through a JDK FileDescriptor) needs none of this: it
 * reports its reads and writes to the registry, as {@link NativeSockets} does.
 */
final class ConnectionProtocols {

    private final ByteSource memory;
    private final ConnectionListener listener;
    private final SocketInspector inspector;
    private final EngineRendezvous engines;

    /** @param memory where read and written bytes can be looked at; null: only TLS plaintext is looked at */
    ConnectionProtocols(ByteSource memory, ConnectionListener listener, SocketInspector inspector,
                        EngineRendezvous engines) {
        this.memory = memory;
        this.listener = listener;
        this.inspector = inspector;
        this.engines = engines;
    }

    /**
     * Looks at the bytes of a read or write: the first client-to-server bytes decide the protocol; on HTTP/1.x
     * connections the tracker follows the exchanges. {@code n} bytes are at {@code address}, or spread over
     * {@code iovCount} iovecs ({@code {void *base; size_t len}}, 16 bytes each on 64-bit Linux).
     */
    void look(ConnectionRecord r, boolean written, long address, int iovCount, long n, long nowNanos) {
        // Small, so that it inlines into the registry's onRead and onWrite: most connections stop here.
        if (memory != null && address != 0 && r.protocol != ConnectionRecord.PROTOCOL_OTHER) {
            lookAt(r, written, address, iovCount, n, nowNanos);
        }
    }

    private void lookAt(ConnectionRecord r, boolean written, long address, int iovCount, long n, long nowNanos) {
        boolean towardServer = written == (r.direction == Direction.OUTBOUND);
        // Set by an earlier read (a ClientHello's record header read alone), not by this one's classify below.
        TlsState tls = r.tlsOrNull();
        boolean helloBodyDue = tls != null && tls.awaitingHelloBody;
        if (r.protocol == ConnectionRecord.PROTOCOL_UNKNOWN) {
            // Not returning when it is not HTTP: a read on another thread may have classified the connection
            // while this write waited for the lock, and the write is then the ClientHello awaited below.
            classify(r, towardServer, address, iovCount, n);
        }
        if (tls == null) {
            tls = r.tlsOrNull(); // classify may have made it just now
        }
        if (tls != null && tls.awaitingClientHello && towardServer) {
            tls.awaitingClientHello = false;
            if (r.direction == Direction.OUTBOUND && tls.helloNanos == 0) {
                tls.helloNanos = nowNanos; // the handshake's start; its next write is the client's last flight
            }
            long start = chunkStart(address, iovCount);
            int length = chunkLength(address, iovCount, n);
            if (TlsRecords.looksLikeClientHello(memory, start, Math.min(length, 16))) {
                ClientHelloKey key = ClientHelloKey.ofRecord(memory, start, length);
                if (key != null) {
                    engines.onConnectionHello(r, key);
                }
            }
            return;
        }
        if (helloBodyDue && towardServer) {
            // A server read the ClientHello's record header alone; its body, with the random, comes next. Only
            // next: a read after that starts inside the message, where the random cannot be told (found by fuzzing).
            tls.awaitingHelloBody = false;
            ClientHelloKey key = ClientHelloKey.ofMessage(memory, chunkStart(address, iovCount),
                    chunkLength(address, iovCount, n));
            if (key != null) {
                engines.onConnectionHello(r, key);
            }
            return;
        }
        int protocol = r.protocol;
        if (protocol != ConnectionRecord.PROTOCOL_HTTP1 && protocol != ConnectionRecord.PROTOCOL_HTTP2) {
            // TLS connections are followed through their plaintext, not their records.
            if (protocol == ConnectionRecord.PROTOCOL_TLS) {
                TlsState t = r.tls();
                if (written && towardServer && t.handshakeEndNanos == 0) {
                    noteClientHandshake(t, address, iovCount, n, nowNanos);
                } else if (!written && t.scan != null) {
                    scanServerHello(t, address, iovCount, n);
                }
            }
            return;
        }
        if (iovCount <= 0) {
            feed(r, protocol, towardServer, address, (int) Math.min(n, Integer.MAX_VALUE), nowNanos);
        } else {
            long remaining = n;
            for (int i = 0; i < iovCount && remaining > 0; i++) {
                long base = memory.longAt(address + 16L * i);
                long take = Math.min(memory.longAt(address + 16L * i + 8), remaining);
                if (take > 0) {
                    feed(r, protocol, towardServer, base, (int) take, nowNanos);
                    remaining -= take;
                }
            }
        }
        markInUse(r, protocol == ConnectionRecord.PROTOCOL_HTTP2 ? r.http2.requests() : r.http.requests());
    }

    /** A connection carrying a new request is in use, whatever its pool last said. */
    private static void markInUse(ConnectionRecord r, int requests) {
        if (r.pooledIdle && requests != r.requestsWhenPooled) {
            r.pooledIdle = false;
        }
    }

    /**
     * A client's request on a reused connection has just gone out (in the clear, or as TLS records right after
     * its plaintext was seen): if the server's FIN was already waiting, the pooled connection
     * was stale. One zero-timeout poll per reused request that follows at least {@link #STALE_CHECK_MIN_IDLE_NANOS}
     * without bytes from the server, none per read or write.
     */
    void checkStale(ConnectionRecord r, FileDescriptor fd, long nowNanos) {
        if (staleCheckDue(r, nowNanos)) {
            pollStale(r, fd);
        }
    }

    /** {@link #checkStale}'s poll, once {@link #staleCheckDue} said it is due. */
    void pollStale(ConnectionRecord r, FileDescriptor fd) {
        if (fd != null && inspector.peerFinPending(fd)) {
            r.http.sentAfterPeerClosed();
        }
    }

    /**
     * Whether {@link #checkStale}'s poll is due now (taking it: once per reused request); for a caller that finds
     * the descriptor only then (a TLS socket's, through its fields), and then polls with {@link #pollStale}.
     */
    boolean staleCheckDue(ConnectionRecord r) {
        return staleCheckDue(r, 0);
    }

    /** {@link #staleCheckDue(ConnectionRecord)} at {@code nowNanos}, taken by the caller; 0 to read the clock if due. */
    private boolean staleCheckDue(ConnectionRecord r, long nowNanos) {
        HttpConnectionTracker h = r.http;
        return h != null && r.direction == Direction.OUTBOUND && h.takeStaleCheck()
                && (nowNanos != 0 ? nowNanos : System.nanoTime()) - r.lastReceivedNanos >= STALE_CHECK_MIN_IDLE_NANOS;
    }

    /**
     * A server's FIN on an idle connection comes from its idle timeout (seconds, in every server connscope has
     * met), not within a millisecond of its last response: a connection a busy pool hands straight on is not
     * polled, which saved a system call per request of a pooled client under load.
     */
    static final long STALE_CHECK_MIN_IDLE_NANOS = 1_000_000L;

    private void feed(ConnectionRecord r, int protocol, boolean towardServer, long address, int length, long nowNanos) {
        if (protocol == ConnectionRecord.PROTOCOL_HTTP2) {
            Http2ConnectionTracker h2 = r.http2;
            if (towardServer) {
                h2.onClientBytes(memory, address, length, nowNanos);
            } else {
                h2.onServerBytes(memory, address, length, nowNanos);
            }
        } else {
            HttpConnectionTracker h = r.http;
            int used = h.switchedProtocols() ? 0 : length;
            if (used > 0 && towardServer) {
                h.onRequestBytes(memory, address, length, nowNanos);
            } else if (used > 0) {
                used = h.onResponseBytes(memory, address, length, nowNanos);
            }
            if (used < length && h.switchedProtocols()) {
                switchProtocol(r, towardServer, address + used, length - used, nowNanos);
            }
        }
    }

    /**
     * The bytes after a 101 Switching Protocols: HTTP/2 (an {@code Upgrade: h2c} accepted) when the client's are the
     * preface or the server's a SETTINGS frame; anything else (a WebSocket) is not followed further.
     */
    private void switchProtocol(ConnectionRecord r, boolean towardServer, long address, int length, long nowNanos) {
        synchronized (r) {
            if (r.protocol == ConnectionRecord.PROTOCOL_HTTP1) {
                if (towardServer ? Http2ConnectionTracker.looksLikePreface(memory, address, length)
                        : Http2ConnectionTracker.looksLikeServerSettings(memory, address, length)) {
                    Http2ConnectionTracker h2 = newHttp2Tracker(r);
                    h2.upgradedFromHttp1(nowNanos);
                    r.http2 = h2;
                    r.protocol = ConnectionRecord.PROTOCOL_HTTP2;
                } else {
                    r.protocol = ConnectionRecord.PROTOCOL_OTHER;
                }
            }
            // The other direction may have switched it already (the server's SETTINGS read before the preface's
            // write was reported): these bytes are HTTP/2 all the same.
            if (r.protocol != ConnectionRecord.PROTOCOL_HTTP2) {
                return;
            }
        }
        feed(r, ConnectionRecord.PROTOCOL_HTTP2, towardServer, address, length, nowNanos);
    }

    /**
     * A TLS client's write while its handshake is not known to be over: the first is the ClientHello, the next one
     * that is not a ClientHello again (after a HelloRetryRequest) is the client's last handshake flight (TLS 1.3:
     * its Finished, when the handshake is complete on its side; TLS 1.2: its key exchange and Finished, one round
     * trip before the server's Finished). Once per connection, no allocation; later writes stop at the volatile read.
     */
    private void noteClientHandshake(TlsState t, long address, int iovCount, long n, long nowNanos) {
        if (t.helloNanos == 0) {
            t.helloNanos = nowNanos;
            t.scan = new ServerHelloScan();
            return;
        }
        long start = chunkStart(address, iovCount);
        if (chunkLength(address, iovCount, n) >= 6 && memory.byteAt(start) == 0x16 && memory.byteAt(start + 5) == 0x01) {
            return;
        }
        t.handshakeEndNanos = nowNanos;
    }

    /** An outbound TLS connection's read while its ServerHello is not read through: did the handshake resume? */
    private void scanServerHello(TlsState t, long address, int iovCount, long n) {
        ServerHelloScan scan = t.scan;
        int result = ServerHelloScan.UNDECIDED;
        if (iovCount <= 0) {
            result = scan.feed(memory, address, (int) Math.min(n, Integer.MAX_VALUE));
        } else {
            long remaining = n;
            for (int i = 0; i < iovCount && remaining > 0 && result == ServerHelloScan.UNDECIDED; i++) {
                long take = Math.min(memory.longAt(address + 16L * i + 8), remaining);
                if (take > 0) {
                    result = scan.feed(memory, memory.longAt(address + 16L * i), (int) take);
                    remaining -= take;
                }
            }
        }
        if (result != ServerHelloScan.UNDECIDED) {
            t.resumption = result;
            t.scan = null;
        }
    }

    /** Where the first bytes of a read or write are: at {@code address}, or in the first of its iovecs. */
    private long chunkStart(long address, int iovCount) {
        return iovCount > 0 ? memory.longAt(address) : address;
    }

    /** How many of the {@code n} bytes are in that first piece. */
    private int chunkLength(long address, int iovCount, long n) {
        long length = iovCount > 0 ? Math.min(memory.longAt(address + 8), n) : n;
        return (int) Math.min(length, Integer.MAX_VALUE);
    }

    /** A tracker for {@code r}'s HTTP exchanges, reporting each one only when the listener wants them. */
    private HttpConnectionTracker newTracker(ConnectionRecord r) {
        return new HttpConnectionTracker(listener.wantsRequests() ? e -> listener.onRequest(r, e) : null,
                r.openedAtMillis, r.openedNanos);
    }

    /** An HTTP/2 tracker for {@code r}'s frames, reporting each stream only when the listener wants them. */
    private Http2ConnectionTracker newHttp2Tracker(ConnectionRecord r) {
        return new Http2ConnectionTracker(listener.wantsRequests() ? e -> listener.onRequest(r, e) : null,
                r.direction == Direction.OUTBOUND, r.openedAtMillis, r.openedNanos);
    }

    /** Decides the protocol from the connection's first bytes; returns whether it is HTTP (1.x or 2), followed. */
    private boolean classify(ConnectionRecord r, boolean towardServer, long address, int iovCount, long n) {
        long start = chunkStart(address, iovCount);
        int length = chunkLength(address, iovCount, n);
        synchronized (r) {
            if (r.protocol != ConnectionRecord.PROTOCOL_UNKNOWN) {
                return followed(r.protocol);
            }
            int len = Math.min(length, 16);
            if (!towardServer) {
                // The server spoke first: not HTTP (SMTP, MySQL, ...), unless its bytes answer a request or a
                // ClientHello whose write is reported a moment later (another thread read the answer first), or
                // are the SETTINGS an HTTP/2 server sends without waiting for the client's preface.
                if (Http2ConnectionTracker.looksLikeServerSettings(memory, start, length)) {
                    r.http2 = newHttp2Tracker(r);
                    r.protocol = ConnectionRecord.PROTOCOL_HTTP2;
                } else if (Http1StartLines.looksLikeResponse(memory, start, len)) {
                    r.http = newTracker(r);
                    r.protocol = ConnectionRecord.PROTOCOL_HTTP1;
                } else if (TlsRecords.looksLikeServerHandshake(memory, start, len)) {
                    // The ServerHello read before the write of the ClientHello was reported: that write still
                    // carries the random that ties an SSLEngine to this connection. A client reads this ServerHello
                    // for whether its handshake resumed, now: it will not come again.
                    TlsState t = r.tls();
                    t.awaitingClientHello = true;
                    if (r.direction == Direction.OUTBOUND) {
                        t.scan = new ServerHelloScan();
                    }
                    r.protocol = ConnectionRecord.PROTOCOL_TLS;
                } else {
                    r.protocol = ConnectionRecord.PROTOCOL_OTHER;
                }
            } else if (Http2ConnectionTracker.looksLikePreface(memory, start, length)) {
                r.http2 = newHttp2Tracker(r);
                r.protocol = ConnectionRecord.PROTOCOL_HTTP2;
            } else if (Http1StartLines.looksLikeRequest(memory, start, len)) {
                r.http = newTracker(r);
                r.protocol = ConnectionRecord.PROTOCOL_HTTP1;
            } else if (TlsRecords.looksLikeClientHello(memory, start, len)) {
                TlsState t = r.tls();
                r.protocol = ConnectionRecord.PROTOCOL_TLS;
                ClientHelloKey key = ClientHelloKey.ofRecord(memory, start, length);
                if (key != null) {
                    engines.onConnectionHello(r, key);
                } else if (ClientHelloKey.isRecordHeaderAlone(memory, start, length)) {
                    t.awaitingHelloBody = true;
                }
            } else {
                r.protocol = ConnectionRecord.PROTOCOL_OTHER;
            }
            return followed(r.protocol);
        }
    }

    private static boolean followed(int protocol) {
        return protocol == ConnectionRecord.PROTOCOL_HTTP1 || protocol == ConnectionRecord.PROTOCOL_HTTP2;
    }

    /** Plaintext from an SSLSocket's byte array; one reader and one writer at a time per socket, so each view is safe. */
    void lookPlain(ConnectionRecord r, ConnectionRecord.HeapBytes view, boolean written, byte[] b, int off, int n) {
        view.array = b;
        try {
            lookPlain(r, view, written, off, n);
        } finally {
            view.array = null;
        }
    }

    /** Like {@link #look}, for plaintext the application exchanged with a TLS socket or engine. */
    void lookPlain(ConnectionRecord r, ByteSource view, boolean written, int off, int n) {
        boolean towardServer = written == (r.direction == Direction.OUTBOUND);
        TlsState t = r.tls();
        if (t.plaintext == ConnectionRecord.PROTOCOL_UNKNOWN) {
            synchronized (r) {
                if (t.plaintext == ConnectionRecord.PROTOCOL_UNKNOWN) {
                    if (towardServer && Http2ConnectionTracker.looksLikePreface(view, off, n)
                            || !towardServer && Http2ConnectionTracker.looksLikeServerSettings(view, off, n)) {
                        // h2 by ALPN: the preface, or the SETTINGS a server sends first.
                        r.http2 = newHttp2Tracker(r);
                        t.plaintext = ConnectionRecord.PROTOCOL_HTTP2;
                    } else if (towardServer && Http1StartLines.looksLikeRequest(view, off, Math.min(n, 16))) {
                        r.http = newTracker(r);
                        t.plaintext = ConnectionRecord.PROTOCOL_HTTP1;
                    } else {
                        t.plaintext = ConnectionRecord.PROTOCOL_OTHER;
                    }
                }
            }
        }
        int protocol = t.plaintext;
        if (protocol == ConnectionRecord.PROTOCOL_HTTP2) {
            Http2ConnectionTracker h2 = r.http2;
            if (towardServer) {
                h2.onClientBytes(view, off, n, System.nanoTime());
            } else {
                h2.onServerBytes(view, off, n, System.nanoTime());
            }
            markInUse(r, h2.requests());
            return;
        }
        HttpConnectionTracker h = r.http;
        if (h != null && protocol == ConnectionRecord.PROTOCOL_HTTP1) {
            if (towardServer) {
                h.onRequestBytes(view, off, n, System.nanoTime());
            } else {
                h.onResponseBytes(view, off, n, System.nanoTime());
            }
            markInUse(r, h.requests());
        }
    }

    /** {@code r} closed: its trackers end, and {@code r.closeReason} is what they make of the close. */
    void onClose(ConnectionRecord r, CloseInitiator.Verdict verdict) {
        Http2ConnectionTracker h2 = r.http2;
        HttpConnectionTracker h = h2 != null ? null : r.http;
        if (h2 != null) {
            boolean seen = verdict.initiator != CloseInitiator.UNKNOWN;
            String reason = h2.onClose(seen && verdict.initiator == CloseInitiator.REMOTE,
                    seen && verdict.initiator == CloseInitiator.REMOTE_RESET,
                    seen && verdict.initiator == CloseInitiator.LOCAL_RESET);
            r.closeReason = seen ? reason : null;
            if (verdict.kernelDecides) {
                r.history().closeReasonIfPeerFirst = h2.closeReasonIfPeerFirst();
            }
        }
        if (h != null && verdict.initiator == CloseInitiator.UNKNOWN) {
            // Collected without close: report its last exchange, but there is no telling why it ended.
            h.onClose(r.direction == Direction.OUTBOUND, false, false, false);
        } else if (h != null) {
            r.closeReason = h.onClose(r.direction == Direction.OUTBOUND, verdict.initiator == CloseInitiator.REMOTE,
                    verdict.initiator == CloseInitiator.REMOTE_RESET, verdict.initiator == CloseInitiator.LOCAL_RESET);
            if (verdict.kernelDecides) {
                r.history().closeReasonIfPeerFirst = h.closeReasonIfPeerFirst(r.direction == Direction.OUTBOUND);
            }
        }
    }

    private static boolean engineBound(ConnectionRecord r) {
        TlsState t = r.tlsOrNull();
        return t != null && t.engineBound;
    }

    /**
     * The JDK HttpClient opened HTTP/2 stream {@code streamId} on {@code r} (null: not a connection connscope
     * knows): counted as a request, unless the connection's frames are followed.
     */
    void onHttp2Stream(ConnectionRecord r, int streamId) {
        if (r == null || r.state != ConnectionState.OPEN || r.http2 != null || engineBound(r)) {
            // A connection whose frames are followed counts its streams from them: one count, not two. Its engine
            // may not have handed over the preface yet (another thread wraps it), but it will.
            return;
        }
        HttpConnectionTracker h = r.http;
        if (h == null) {
            synchronized (r) {
                h = r.http;
                if (h == null) {
                    h = newTracker(r);
                    r.http = h;
                }
            }
        }
        h.onHttp2Stream(streamId, System.currentTimeMillis());
    }
}
