package io.connscope.agent.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import io.connscope.agent.core.http.HttpConnectionTracker;
import io.connscope.agent.core.http2.Http2ConnectionTracker;
import io.connscope.agent.core.http2.Http2Summary;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Everything connscope knows about one TCP connection (or a socket on its way to becoming one).
 *
 * <p>Counters are written by the application's threads on every read and write, so they are updated with atomic
 * adds and never allocate; the rest is written once, at connect, accept or close, by the thread that wins the
 * connection's removal from the {@link ConnectionTable}.
 */
public final class ConnectionRecord {

    private static final VarHandle BYTES_SENT;
    private static final VarHandle BYTES_RECEIVED;
    private static final VarHandle LAST_ACTIVITY;
    private static final VarHandle LAST_RECEIVED;
    private static final VarHandle HISTORY;
    private static final VarHandle TLS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            BYTES_SENT = lookup.findVarHandle(ConnectionRecord.class, "bytesSent", long.class);
            BYTES_RECEIVED = lookup.findVarHandle(ConnectionRecord.class, "bytesReceived", long.class);
            LAST_ACTIVITY = lookup.findVarHandle(ConnectionRecord.class, "lastActivityNanos", long.class);
            LAST_RECEIVED = lookup.findVarHandle(ConnectionRecord.class, "lastReceivedNanos", long.class);
            HISTORY = lookup.findVarHandle(ConnectionRecord.class, "history", CloseInitiator.CloseHistory.class);
            TLS = lookup.findVarHandle(ConnectionRecord.class, "tls", TlsState.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Bits of {@link #appOptions}: which keep-alive options the application set. */
    public static final int KEEPALIVE_SET = 1;
    public static final int KEEPIDLE_SET = 2;
    public static final int KEEPINTERVAL_SET = 4;
    public static final int KEEPCOUNT_SET = 8;
    static final int KEEPALIVE_OPTIONS = KEEPALIVE_SET | KEEPIDLE_SET | KEEPINTERVAL_SET | KEEPCOUNT_SET;
    /** The application set SO_LINGER. */
    static final int LINGER_SET = 16;
    /**
     * Options may have been set where connscope does not see it: a Netty native socket (set through JNI), a
     * connection open before an attach or accepted from a listener configured before it.
     */
    static final int OPTIONS_UNSEEN = 32;
    /** {@link #lingerSeconds} when the application set none connscope saw the value of. */
    static final int LINGER_UNKNOWN = Integer.MIN_VALUE;

    /** SO_LINGER as the application set it (-1 off), so that the close need not ask the kernel again. */
    volatile int lingerSeconds = LINGER_UNKNOWN;

    /** SO_LINGER's seconds from a value given to {@code setOption} (-1 off, as the JDK clamps it), or unknown. */
    static int lingerSeconds(Object value) {
        if (value instanceof Integer) {
            int seconds = (Integer) value;
            return seconds < 0 ? -1 : Math.min(seconds, 65535);
        }
        return Boolean.FALSE.equals(value) ? -1 : LINGER_UNKNOWN;
    }

    /** Sequential per JVM, assigned when the socket starts connecting or is accepted. */
    long id;
    volatile ConnectionState state = ConnectionState.NEW;
    Direction direction;

    /**
     * The local address as its shared InetAddress ({@link AddressCanon}) and the port: 40 bytes less per open
     * connection than an InetSocketAddress kept whole (docs/performance.md). See {@link #localAddress()}.
     */
    private InetAddress localInet;
    private int localPort;
    /** Likewise the remote address: its InetAddress (the application's, or a shared one) and the port. */
    private InetAddress remoteInet;
    private int remotePort;
    String thread;

    /** Wall-clock ms and nanoTime when the connect started (outbound) or the accept returned (inbound). */
    long openedAtMillis;
    long openedNanos;
    /** nanoTime when the connect completed; 0 while connecting. */
    volatile long connectedNanos;
    long closedAtMillis;
    long closedNanos;
    /** Its pool held it idle before it carried any request: opened ahead of the requests that use it. */
    volatile boolean openedAhead;

    private volatile long bytesSent;
    private volatile long bytesReceived;
    /** nanoTime of the last read or write that moved bytes. */
    volatile long lastActivityNanos;
    /** nanoTime of the last read that moved bytes: how long a client's connection sat since its last response. */
    volatile long lastReceivedNanos;

    /**
     * What the connection's life told about its close (end of stream, shutdown, a reset, a time-out), made at the
     * first such event by {@link #history()}: an idle open connection carries none, 40 bytes less of each open
     * connection's heap.
     */
    private volatile CloseInitiator.CloseHistory history;
    CloseInitiator.Verdict verdict;
    KeepAliveSettings keepAlive;
    /** Socket options set on this socket or on the listener it came from: bits above. */
    volatile int appOptions;
    /**
     * TCP_USER_TIMEOUT in ms as the application set it through native code (Netty's epoll; gRPC sets its keep-alive
     * timeout there), -1 when not seen set. The JDK has no such option, so it is only known when set.
     */
    volatile int tcpUserTimeoutMillis = -1;

    /** The thread running the connect attempt right now; a close from it is part of the failed connect. */
    volatile Thread connectThread;
    volatile boolean closeDeferred;
    /** A close whose FIN the JDK sends by a shutdown: the record waits for that, and is looked at after it. */
    volatile boolean closeHeld;
    volatile Throwable connectError;
    String error;
    /** What the first client-to-server bytes showed: one of the PROTOCOL_ constants. */
    volatile int protocol;
    static final int PROTOCOL_UNKNOWN = 0;
    static final int PROTOCOL_HTTP1 = 1;
    static final int PROTOCOL_TLS = 2;
    static final int PROTOCOL_OTHER = 3;
    static final int PROTOCOL_HTTP2 = 4;
    /** Set when the protocol is HTTP/1.x, in the clear or (for JDK SSLSockets) inside TLS. */
    volatile HttpConnectionTracker http;
    /** Set when the connection speaks HTTP/2, in the clear or inside TLS (its frames are followed). */
    volatile Http2ConnectionTracker http2;
    /** Set once the connection turns out to be TLS (see {@link #tls()}); null for the others. */
    private volatile TlsState tls;
    /**
     * The HTTP trackers' counts, taken at close by {@link #freezeHttpCounts()}; -1 before. The reporter reads
     * finished records a few ms after their close, when their trackers have left the cache: one miss each cost
     * 0.5 % of a churning server's CPU.
     */
    private int requestsAtClose = -1;
    private int malformedAtClose;
    String closeReason;
    /** The client pool the connection belongs to (opened inside its scope), or null. */
    volatile String pool;
    /** Whether its pool holds it idle right now (false: in use, or not pooled). */
    volatile boolean pooledIdle;
    /** Requests it had carried when its pool last took it back; a later request means it is in use again. */
    volatile int requestsWhenPooled;
    /** What the pool said while closing it, e.g. {@code pool_idle_timeout}. */
    volatile String poolCloseReason;

    /** Found already open after a runtime attach: its open time and what it did before are unknown. */
    boolean preexisting;

    /** On an asynchronous listener: the thread whose accept is pending. */
    volatile String acceptRequester;

    /** The most keep-alive probes the kernel had sent unanswered at one sample (/proc); 0 when none seen. */
    private volatile int maxUnansweredProbes;
    /** Wall-clock ms of the sample that first saw an unanswered probe; 0 when none seen. */
    private volatile long unansweredProbesSeenAtMillis;

    ConnectionRecord() {
    }

    public long id() {
        return id;
    }

    // One writer per direction: the JDK holds the socket's write (read) lock around the system call, Netty's
    // native transport its event loop. So release stores suffice where an atomic add or a volatile store would
    // fence every read and write; the reporter's volatile reads see them.

    void addSent(long n, long nowNanos) {
        BYTES_SENT.setRelease(this, bytesSent + n);
        LAST_ACTIVITY.setRelease(this, nowNanos);
    }

    void addReceived(long n, long nowNanos) {
        BYTES_RECEIVED.setRelease(this, bytesReceived + n);
        LAST_ACTIVITY.setRelease(this, nowNanos);
        LAST_RECEIVED.setRelease(this, nowNanos);
    }

    public ConnectionState state() {
        return state;
    }

    public Direction direction() {
        return direction;
    }

    /** A new InetSocketAddress each call (for reports, off the application's threads); null when unknown. */
    public InetSocketAddress localAddress() {
        InetAddress a = localInet;
        return a == null ? null : new InetSocketAddress(a, localPort);
    }

    void localAddress(InetSocketAddress a) {
        localPort = a == null ? 0 : a.getPort();
        localInet = a == null ? null : a.getAddress();
    }

    /** A new InetSocketAddress each call (for reports, off the application's threads); null when unknown. */
    public InetSocketAddress remoteAddress() {
        InetAddress a = remoteInet;
        return a == null ? null : new InetSocketAddress(a, remotePort);
    }

    void remoteAddress(InetSocketAddress a) {
        remotePort = a == null ? 0 : a.getPort();
        remoteInet = a == null ? null : a.getAddress();
    }

    /** The local InetAddress as kept (no InetSocketAddress made); null when unknown. */
    public InetAddress localInet() {
        return localInet;
    }

    /** The remote InetAddress as kept (no InetSocketAddress made); null when unknown. */
    public InetAddress remoteInet() {
        return remoteInet;
    }

    /** The remote port as kept; 0 when unknown. */
    public int remotePort() {
        return remoteInet == null ? 0 : remotePort;
    }

    /** The local port as kept; 0 when unknown. */
    public int localPort() {
        return localInet == null ? 0 : localPort;
    }

    /** {@link #serverAddress()}'s InetAddress, without making an InetSocketAddress; null when unknown. */
    public InetAddress serverInet() {
        return direction == Direction.OUTBOUND ? remoteInet : localInet;
    }

    /** {@link #serverAddress()}'s port, without making an InetSocketAddress. */
    public int serverPort() {
        return direction == Direction.OUTBOUND ? remotePort : localPort;
    }

    /** Whether {@code a} is this connection's remote address (without making an InetSocketAddress). */
    boolean remoteIs(InetSocketAddress a) {
        return a != null && a.getPort() == remotePort && a.getAddress() != null && a.getAddress().equals(remoteInet);
    }

    /** The server's end: the remote address of an outbound connection, our own local address of an inbound one. */
    public InetSocketAddress serverAddress() {
        InetAddress a = serverInet();
        return a == null ? null : new InetSocketAddress(a, serverPort());
    }

    public String thread() {
        return thread;
    }

    public long openedAtMillis() {
        return openedAtMillis;
    }

    /**
     * Whether it was open before connscope was attached: {@link #openedAtMillis} is then when connscope first saw
     * it, and durations, bytes and requests count from there.
     */
    public boolean preexisting() {
        return preexisting;
    }

    /** Wall-clock close time, 0 while open. */
    public long closedAtMillis() {
        return closedAtMillis;
    }

    /** nanoTime when the connect started (outbound) or the accept returned (inbound). */
    public long openedNanos() {
        return openedNanos;
    }

    /** nanoTime when the connect completed; 0 while connecting or when it failed. */
    public long connectedNanos() {
        return connectedNanos;
    }

    /** nanoTime when an outbound TLS connection's ClientHello was written; 0 when not seen. */
    public long tlsHelloNanos() {
        TlsState t = tls;
        return t == null ? 0 : t.helloNanos;
    }

    /** nanoTime when an outbound TLS connection's client sent its last handshake flight; 0 when not seen. */
    public long tlsHandshakeEndNanos() {
        TlsState t = tls;
        return t == null ? 0 : t.handshakeEndNanos;
    }

    /** Whether an outbound TLS connection's handshake resumed a session; null when not known. */
    public Boolean tlsResumed() {
        TlsState t = tls;
        int r = t == null ? io.connscope.agent.core.tls.ServerHelloScan.UNDECIDED : t.resumption;
        return r == io.connscope.agent.core.tls.ServerHelloScan.RESUMED ? Boolean.TRUE
                : r == io.connscope.agent.core.tls.ServerHelloScan.FULL ? Boolean.FALSE : null;
    }

    /** Whether its pool held it idle before it carried a request (a pool that opens connections ahead). */
    public boolean openedAhead() {
        return openedAhead;
    }

    /** Milliseconds the connect took; -1 for inbound connections and connects that did not complete. */
    public double connectMillis() {
        if (direction != Direction.OUTBOUND || connectedNanos == 0 || preexisting) {
            return -1;
        }
        return (connectedNanos - openedNanos) / 1e6;
    }

    /** Milliseconds from open to {@code nowNanos}, whether or not it has closed since. */
    public double openMillis(long nowNanos) {
        return (nowNanos - openedNanos) / 1e6;
    }

    /** Milliseconds from open to close, or to {@code nowNanos} while open. */
    public double durationMillis(long nowNanos) {
        long end = closedNanos != 0 ? closedNanos : nowNanos;
        return (end - openedNanos) / 1e6;
    }

    /** Milliseconds without any byte moved before the close (or before {@code nowNanos} while open). */
    public double idleMillis(long nowNanos) {
        long end = closedNanos != 0 ? closedNanos : nowNanos;
        long last = lastActivityNanos != 0 ? lastActivityNanos : (connectedNanos != 0 ? connectedNanos : openedNanos);
        return Math.max(0, end - last) / 1e6;
    }

    public long bytesSent() {
        return bytesSent;
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    public CloseInitiator closeInitiator() {
        return verdict == null ? null : verdict.initiator;
    }

    /** The close's FINs met and the kernel's state of the socket is to tell which was first (the reporter asks it). */
    public boolean closeInitiatorForKernel() {
        CloseInitiator.Verdict v = verdict;
        return v != null && v.kernelDecides;
    }

    /**
     * The reporter thread: the kernel told whether this side's FIN was first, and {@code peerFirst} when the rows
     * said the peer's was (this side's row in CLOSE_WAIT or LAST_ACK, or the peer's, on this host, in a first FIN's
     * state). When the peer's was, the protocol's reason is the one for a peer that closed first (as if the close
     * had shown it), unless a pool's reason stands.
     */
    public void settleCloseInitiator(boolean thisSideFirst, boolean peerFirst) {
        if (closeInitiatorForKernel()) {
            verdict = CloseInitiator.settledByKernel(verdict, thisSideFirst, peerFirst);
            CloseInitiator.CloseHistory h = history();
            if (verdict.initiator == CloseInitiator.REMOTE && h.closeReasonIfPeerFirst != null
                    && (poolCloseReason == null || !poolCloseReason.equals(closeReason))) {
                closeReason = h.closeReasonIfPeerFirst;
            }
            h.closeReasonIfPeerFirst = null;
        }
    }

    /** Why the initiator was decided as it was, for people; null while open. */
    public String closeDetail() {
        return verdict == null ? null : verdict.reason;
    }

    public KeepAliveSettings keepAlive() {
        return keepAlive;
    }

    /** TCP_USER_TIMEOUT in ms as the application set it (through native code), or -1 when not seen set. */
    public int tcpUserTimeoutMillis() {
        return tcpUserTimeoutMillis;
    }

    /** For failed connects: what went wrong. */
    public String error() {
        return error;
    }

    /**
     * HTTP/1.x requests the connection carried: 0 for a connection that carried none (or another protocol),
     * null for TLS connections, whose requests the socket layer cannot see.
     */
    public Integer requests() {
        if (requestsAtClose >= 0) {
            return requestsAtClose;
        }
        Http2ConnectionTracker h2 = http2;
        if (h2 != null) {
            return h2.requests();
        }
        HttpConnectionTracker h = http;
        if (h != null) {
            return h.requests();
        }
        return protocol == PROTOCOL_TLS && tlsPlaintext() != PROTOCOL_OTHER ? null : 0;
    }

    /**
     * Malformed trace-context headers ({@code traceparent}, {@code b3}, {@code X-B3-*}) in the requests the
     * connection carried, HTTP/1.x or HTTP/2: each was ignored. 0 when none (or not HTTP).
     */
    public int traceContextMalformed() {
        if (requestsAtClose >= 0) {
            return malformedAtClose;
        }
        Http2ConnectionTracker h2 = http2;
        HttpConnectionTracker h = http;
        return (h2 == null ? 0 : h2.traceContextMalformed()) + (h == null ? 0 : h.traceContextMalformed());
    }

    /**
     * At close, on the closing thread while the trackers are still in its cache: what {@link #requests()} and
     * {@link #traceContextMalformed()} will say from then on (a finished connection's counts do not change). The
     * reporter reads them after the record's hand-over, which publishes them.
     */
    void freezeHttpCounts() {
        if (http != null || http2 != null) {
            // Malformed first: once requestsAtClose is set, both accessors answer from the record.
            malformedAtClose = traceContextMalformed();
            requestsAtClose = requests();
        }
    }

    /** A byte array as a {@link io.connscope.agent.core.http.ByteSource}, re-pointed for each read or write. */
    static final class HeapBytes implements io.connscope.agent.core.http.ByteSource {
        byte[] array;

        @Override
        public int byteAt(long address) {
            return array[(int) address] & 0xff;
        }
    }

    /** The client pool it belongs to, or null. */
    public String pool() {
        return pool;
    }

    /** Whether its pool holds it idle right now. */
    public boolean pooledIdle() {
        return pooledIdle;
    }

    /** A ByteBuffer as a {@link io.connscope.agent.core.http.ByteSource} (absolute reads), re-pointed per use. */
    static final class BufferBytes implements io.connscope.agent.core.http.ByteSource {
        java.nio.ByteBuffer buffer;

        @Override
        public int byteAt(long address) {
            return buffer.get((int) address) & 0xff;
        }
    }

    /** The kernel sampler's thread: the kernel showed {@code probes} keep-alive probes unanswered. */
    public void noteUnansweredProbes(int probes, long nowMillis) {
        if (unansweredProbesSeenAtMillis == 0) {
            unansweredProbesSeenAtMillis = nowMillis;
        }
        if (probes > maxUnansweredProbes) {
            maxUnansweredProbes = probes;
        }
    }

    /** The most keep-alive probes seen unanswered at once (a peer that stopped answering); 0 when none. */
    public int maxUnansweredProbes() {
        return maxUnansweredProbes;
    }

    /** When unanswered keep-alive probes were first seen (wall-clock ms), 0 when never. */
    public long unansweredProbesSeenAtMillis() {
        return unansweredProbesSeenAtMillis;
    }

    /** Whether HTTP (1.x or 2) was seen on this connection. */
    public boolean isHttp() {
        return http != null || http2 != null;
    }

    /** What the connection's HTTP/2 frames showed, or null when it does not speak HTTP/2 (or was not followed). */
    public Http2Summary http2() {
        Http2ConnectionTracker h2 = http2;
        return h2 == null ? null : h2.summary();
    }

    /** TLS handshakes seen at the socket layer: the ClientHello that opens a TLS connection. */
    public int tlsHandshakes() {
        return protocol == PROTOCOL_TLS ? 1 : 0;
    }

    /** Why an HTTP connection ended (see {@code CloseReason}); null for other connections and while open. */
    public String closeReason() {
        return closeReason;
    }

    /**
     * The close history if an event made one, else null: for a close that only asks. A history made there just to be
     * read empty cost an allocation and a compare-and-set on every close of a connection with nothing to tell (0.2 %
     * of a Spring Boot server's CPU under churn).
     */
    CloseInitiator.CloseHistory historyIfAny() {
        return history;
    }

    /**
     * The close history, made on first use. Two threads may come at once (an end of stream read on one, a close on
     * another): one history wins, and both write to it.
     */
    CloseInitiator.CloseHistory history() {
        CloseInitiator.CloseHistory h = history;
        if (h == null) {
            h = new CloseInitiator.CloseHistory();
            if (!HISTORY.compareAndSet(this, null, h)) {
                h = history;
            }
        }
        return h;
    }

    /**
     * The TLS state, made on first use: when the connection's bytes show TLS, or a JDK SSLSocket or an SSLEngine
     * meets it. Two threads may come at once (a read and a write classifying it): one state wins, both use it.
     */
    TlsState tls() {
        TlsState t = tls;
        if (t == null) {
            t = new TlsState();
            if (!TLS.compareAndSet(this, null, t)) {
                t = tls;
            }
        }
        return t;
    }

    /** Inside TLS, what the first plaintext showed: PROTOCOL_UNKNOWN until a JDK SSLSocket's or SSLEngine's is seen. */
    int tlsPlaintext() {
        TlsState t = tls;
        return t == null ? PROTOCOL_UNKNOWN : t.plaintext;
    }

    /** The TLS state, or null when the connection has not turned out to be TLS. */
    TlsState tlsOrNull() {
        return tls;
    }
}
