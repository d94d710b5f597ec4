package io.connscope.agent.core;

import io.connscope.agent.core.http.ByteSource;
import io.connscope.agent.core.http.CloseReason;
import io.connscope.bootstrap.AgentThread;
import io.connscope.bootstrap.SocketEventSink;

import java.io.FileDescriptor;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns the socket events reported by inlined advice into {@link ConnectionRecord}s, and hands each finished
 * record to a {@link ConnectionListener}.
 *
 * <p>Sockets are keyed by their {@link FileDescriptor} object. Every socket kind the JDK has (Socket,
 * SocketChannel, AsynchronousSocketChannel) keeps one for its whole life, and all their reads and writes pass
 * through {@code sun.nio.ch.SocketDispatcher} with it, so one table serves all of them.
 *
 * <p>The registry keeps a connection's life: connect, accept, the bytes read and written, options, close, and the
 * report; connections open before an attach are adopted here too. The other concerns each have a class of their
 * own, which the registry owns and hands its events to:
 * <ul>
 * <li>{@link ConnectionProtocols}: which protocol a connection speaks, from its first bytes, and the tracker that
 *     follows it (the place to add a protocol);</li>
 * <li>{@link TlsPlaintext}: the plaintext of SSLSockets and SSLEngines, tied to its connection (engines through
 *     the {@link EngineRendezvous});</li>
 * <li>{@link ClientPools}: what client libraries' pools say about their connections;</li>
 * <li>{@link NativeSockets}: Netty's native sockets, turned into descriptor events (the example for a transport);</li>
 * <li>{@link ConnectionAddresses}: a connection's local and peer addresses, asked of the kernel only when needed.</li>
 * <li>{@link ConnectionOwners}: which connection a client library's object stands for, once found.</li>
 * </ul>
 */
public final class ConnectionRegistry implements SocketEventSink {

    /** {@code java.net.SocketOptions.SO_KEEPALIVE}, the id that {@code Socket.setKeepAlive} passes down. */
    static final int LEGACY_SO_KEEPALIVE = 0x0008;
    /** {@code java.net.SocketOptions.SO_LINGER}, the id that {@code Socket.setSoLinger} passes down. */
    static final int LEGACY_SO_LINGER = 0x0080;
    /** {@code IOStatus.EOF}: what {@code SocketDispatcher.read} returns at end-of-stream. */
    static final long EOF = -1;

    private final ConnectionTable<ConnectionRecord> table;
    private final SocketInspector inspector;
    private final ConnectionListener listener;
    private final ConnectionProtocols protocols;
    private final TlsPlaintext tls;
    private final ClientPools pools;
    private final NativeSockets natives;
    private final ConnectionAddresses addresses;
    /** Client libraries' objects already followed to their connections. */
    private final ConnectionOwners owners;
    /** The kernel's keep-alive defaults; refreshed by the reporter, since they are read at the time of use. */
    private volatile KeepAliveSettings osDefaults;
    /** connscope.options.read=always: keep-alive options and SO_LINGER read at every close. */
    private volatile boolean readOptionsAlways;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong untracked = new AtomicLong();
    /** Connections removed from the table whose report is not yet handed to the listener. */
    private final AtomicInteger finishing = new AtomicInteger();
    /** The connect attempt running on this thread, for JDK code that reports its failure without the socket. */
    private final ThreadLocal<ConnectionRecord> connectingHere = new ThreadLocal<>();
    /**
     * After a runtime attach: a socket that reads, writes or closes without a record was open before connscope
     * came, and is adopted (marked pre-existing) the first time it is used or closed.
     */
    private volatile boolean adoptPreexisting;
    private final ListeningPorts listeningPorts = new ListeningPorts();
    /** Local ports whose inbound connections are connscope's own; copy on write. */
    private volatile int[] ignoredInboundPorts = new int[0];

    public ConnectionRegistry(int capacity, SocketInspector inspector, KeepAliveSettings osDefaults,
                              ConnectionListener listener) {
        this(capacity, inspector, osDefaults, listener, null);
    }

    /**
     * @param memory where read and written bytes can be looked at, for HTTP/1.x tracking; null turns it off
     */
    public ConnectionRegistry(int capacity, SocketInspector inspector, KeepAliveSettings osDefaults,
                              ConnectionListener listener, ByteSource memory) {
        this.table = new ConnectionTable<>(capacity, inspector.descriptorNumbers());
        this.inspector = inspector;
        this.osDefaults = osDefaults;
        this.listener = listener;
        EngineRendezvous engines = new EngineRendezvous(capacity);
        this.protocols = new ConnectionProtocols(memory, listener, inspector, engines);
        this.tls = new TlsPlaintext(capacity, table, inspector, engines, protocols);
        // These two call back into the registry: a pooled connection is found by its owner, a native socket's
        // events are the registry's own. They keep the reference; nothing runs until the registry is installed.
        this.pools = new ClientPools(capacity, this, inspector);
        this.natives = new NativeSockets(capacity, this, table, inspector);
        this.addresses = new ConnectionAddresses(capacity, inspector);
        this.owners = new ConnectionOwners(capacity);
    }

    // -- connect --

    @Override
    public void onConnectStart(FileDescriptor fd, Object remote) {
        if (!(remote instanceof InetSocketAddress) || ((InetSocketAddress) remote).isUnresolved()
                || AgentThread.isCurrent()) {
            return;
        }
        ConnectionRecord r = getOrCreate(fd);
        if (r == null || r.state != ConnectionState.NEW) {
            // Already connected or connecting: the JDK throws for this call, and the connection stays as it was.
            return;
        }
        r.id = ids.incrementAndGet();
        r.direction = Direction.OUTBOUND;
        r.remoteAddress((InetSocketAddress) remote);
        r.thread = threadName();
        r.openedAtMillis = System.currentTimeMillis();
        r.openedNanos = System.nanoTime();
        r.connectThread = Thread.currentThread();
        r.pool = pools.poolOfNewConnection();
        r.state = ConnectionState.CONNECTING;
        connectingHere.set(r);
    }

    @Override
    public void onConnectResume(FileDescriptor fd) {
        ConnectionRecord r = table.get(fd);
        if (r != null && r.state == ConnectionState.CONNECTING) {
            r.connectThread = Thread.currentThread();
            connectingHere.set(r);
        }
    }

    @Override
    public void onLocalAddressRead(FileDescriptor fd, Object address) {
        addresses.onLocalAddressRead(fd, address);
    }

    @Override
    public void onConnectFailureOnThread(Throwable error) {
        ConnectionRecord r = connectingHere.get();
        if (r != null && r.state == ConnectionState.CONNECTING && r.connectError == null) {
            r.connectError = error;
        }
    }

    @Override
    public void onConnectEnd(FileDescriptor fd, boolean connected, Throwable thrown) {
        onConnectEnd(fd, connected, thrown, null, 0);
    }

    @Override
    public void onConnectEnd(FileDescriptor fd, boolean connected, Throwable thrown, Object localAddress, int localPort) {
        ConnectionRecord r = table.get(fd);
        if (r != null && connectingHere.get() == r) {
            connectingHere.remove();
        }
        if (r == null || r.state != ConnectionState.CONNECTING) {
            return;
        }
        if (connected && thrown == null) {
            r.connectedNanos = System.nanoTime();
            addresses.onConnected(r, fd, localAddress, localPort);
            r.connectThread = null;
            r.state = ConnectionState.OPEN;
        } else if (thrown != null || r.closeDeferred) {
            // The JDK closes a socket whose connect failed before rethrowing: that close was deferred to here.
            finishing.incrementAndGet();
            try {
                if (table.remove(fd) == r) {
                    fail(r, thrown != null ? thrown : r.connectError);
                }
            } finally {
                finishing.decrementAndGet();
            }
        } else {
            // A non-blocking connect is pending; it completes in finishConnect, maybe on another thread.
            r.connectThread = null;
        }
    }

    private void fail(ConnectionRecord r, Throwable error) {
        r.error = ConnectFailure.describe(error != null ? error : r.connectError);
        r.closedAtMillis = System.currentTimeMillis();
        r.closedNanos = System.nanoTime();
        r.state = ConnectionState.FAILED;
        listener.onFinished(r);
    }

    // -- accept --

    @Override
    public void onAcceptRequested(FileDescriptor listenerFd) {
        if (AgentThread.isCurrent()) {
            return;
        }
        ConnectionRecord l = getOrCreate(listenerFd);
        if (l != null) {
            l.acceptRequester = threadName();
        }
    }

    @Override
    public void onAccepted(FileDescriptor listenerFd, Object accepted, Object remote) {
        if (AgentThread.isCurrent()) {
            return;
        }
        FileDescriptor fd = accepted instanceof FileDescriptor
                ? (FileDescriptor) accepted : inspector.descriptorOf(accepted);
        if (fd == null || (remote != null && !(remote instanceof InetSocketAddress))) {
            return;
        }
        // The JDK read the accepted socket's local address on its way (NioSocketImpl.accept, SocketChannelImpl).
        InetSocketAddress read = addresses.takeLocalAddressRead(fd);
        InetSocketAddress peer = addresses.peerOfAccepted(accepted, remote, fd);
        if (peer == null) {
            return;
        }
        InetSocketAddress local = addresses.localOfAccepted(listenerFd, fd, read);
        if (local != null && isIgnoredInboundPort(local.getPort())) {
            return;
        }
        ConnectionRecord r = getOrCreate(fd);
        if (r == null) {
            return;
        }
        r.id = ids.incrementAndGet();
        r.direction = Direction.INBOUND;
        r.remoteAddress(peer);
        r.localAddress(local);
        r.thread = threadName();
        r.openedAtMillis = System.currentTimeMillis();
        r.openedNanos = System.nanoTime();
        ConnectionRecord l = listenerFd == null ? null : table.get(listenerFd);
        if (l != null) {
            // Linux copies the listener's keep-alive options and SO_LINGER into each accepted socket.
            r.appOptions |= l.appOptions;
            r.lingerSeconds = l.lingerSeconds;
            if (l.acceptRequester != null) {
                // An asynchronous accept completes on a JDK thread: credit the thread that asked for it.
                r.thread = l.acceptRequester;
                l.acceptRequester = null;
            }
        }
        if (adoptPreexisting) {
            // The listener may have been given options before connscope came; its sockets inherit them.
            r.appOptions |= ConnectionRecord.OPTIONS_UNSEEN;
        }
        r.state = ConnectionState.OPEN;
    }

    // -- the hot path: reads and writes --

    @Override
    public void onRead(FileDescriptor fd, long address, int iovCount, long n, Throwable thrown) {
        ConnectionRecord r = table.get(fd);
        if (r == null && adoptPreexisting) {
            r = adopt(fd);
        }
        if (r == null || r.state != ConnectionState.OPEN) {
            return;
        }
        if (n > 0) {
            long now = System.nanoTime();
            r.addReceived(n, now);
            protocols.look(r, false, address, iovCount, n, now);
        } else if (n == EOF) {
            CloseInitiator.CloseHistory history = r.history();
            if (history.eofNanos == 0) {
                history.eofNanos = System.nanoTime();
            }
        }
        if (thrown != null) {
            noteError(r, thrown, "read");
        }
    }

    @Override
    public void onWrite(FileDescriptor fd, long address, int iovCount, long n, Throwable thrown) {
        ConnectionRecord r = table.get(fd);
        if (r == null && adoptPreexisting) {
            r = adopt(fd);
        }
        if (r == null || r.state != ConnectionState.OPEN) {
            return;
        }
        if (n > 0) {
            long now = System.nanoTime();
            r.addSent(n, now);
            protocols.look(r, true, address, iovCount, n, now);
            protocols.checkStale(r, fd, now); // the write's clock read: a second one cost 24 ns a request
        }
        if (thrown != null) {
            noteError(r, thrown, "write");
        }
    }

    private static void noteError(ConnectionRecord r, Throwable thrown, String operation) {
        String message = String.valueOf(thrown.getMessage());
        CloseInitiator.CloseHistory history = r.history();
        boolean reset = thrown.getClass().getName().equals("sun.net.ConnectionResetException")
                || message.contains("Connection reset")
                || (message.contains("Broken pipe") && history.shutdownOutputNanos == 0);
        if (reset && !history.resetSeen) {
            history.resetSeenOn = operation;
            history.resetSeen = true;
        }
        // ETIMEDOUT from an established connection's read or write; a read timeout (SO_TIMEOUT) says "Read timed out".
        if (message.contains("Connection timed out") && !history.timedOut) {
            history.timedOutOn = operation;
            history.timedOut = true;
        }
    }

    // -- client-library pools, and the JDK HttpClient's HTTP/2 streams on its pooled connections --

    @Override
    public void onScope(String pool, String closeReason) {
        pools.onScope(pool, closeReason);
    }

    @Override
    public void onSweepScope(long idleLimitNanos) {
        pools.onSweepScope(idleLimitNanos);
    }

    @Override
    public void onScopeEnd() {
        pools.onScopeEnd();
    }

    @Override
    public void onPooled(Object owner, String pool, boolean idle) {
        pools.onPooled(owner, pool, idle);
    }

    @Override
    public void onPoolDiscard(Object entry) {
        pools.onPoolDiscard(entry);
    }

    @Override
    public void onPoolCreated(Object pool, String name, Object settings) {
        pools.onPoolCreated(pool, name, settings);
    }

    @Override
    public void onPooledIn(Object owner, Object pool, boolean idle) {
        pools.onPooledIn(owner, pool, idle);
    }

    @Override
    public void onPoolDestroying(Object pool, Object owner) {
        pools.onPoolDestroying(pool, owner);
    }

    @Override
    public void onPoolLimit(Object duration, boolean lifetime) {
        pools.onPoolLimit(duration, lifetime);
    }

    /**
     * The connection a client library's object holds (a JDK socket, or one of Netty's native sockets), in any
     * state, or null.
     */
    ConnectionRecord connectionOf(Object owner) {
        ConnectionRecord known = owners.get(owner);
        if (known != null) {
            return known;
        }
        FileDescriptor fd = inspector.descriptorOfOwner(owner);
        if (fd == null) {
            Object socket = inspector.nativeSocketOf(owner);
            fd = socket == null ? null : natives.descriptorOf(socket);
        }
        ConnectionRecord r = fd == null ? null : table.get(fd);
        if (r != null) {
            owners.remember(owner, r);
        }
        return r;
    }

    /** {@code owner}, a pool's entry, no longer stands for its connection: its pool is discarding it. */
    void ownerDiscarded(Object owner) {
        owners.forget(owner);
    }

    @Override
    public void onHttp2Stream(Object owner, int streamId) {
        protocols.onHttp2Stream(connectionOf(owner), streamId);
    }

    // -- plaintext of TLS: the JDK's SSLSocket, its SSLEngine, and Netty's OpenSSL / BoringSSL engine --

    @Override
    public void onEngineEnter(Object engine, boolean wrap, java.nio.ByteBuffer[] in, int inOffset, int inLength,
                              java.nio.ByteBuffer[] out, int outOffset, int outLength) {
        tls.onEngineEnter(engine, wrap, in, inOffset, inLength, out, outOffset, outLength);
    }

    @Override
    public void onEngineExit(Object engine, boolean wrap, java.nio.ByteBuffer[] in, int inOffset, int inLength,
                             java.nio.ByteBuffer[] out, int outOffset, int outLength) {
        tls.onEngineExit(engine, wrap, in, inOffset, inLength, out, outOffset, outLength);
    }

    @Override
    public void onEngineWrapEnter(Object engine, java.nio.ByteBuffer[] in, int inOffset, int inLength,
                                  java.nio.ByteBuffer out) {
        tls.onEngineWrapEnter(engine, in, inOffset, inLength, out);
    }

    @Override
    public void onEngineWrapExit(Object engine, java.nio.ByteBuffer[] in, int inOffset, int inLength,
                                 java.nio.ByteBuffer out) {
        tls.onEngineWrapExit(engine, in, inOffset, inLength, out);
    }

    @Override
    public void onTlsRead(Object tlsSocket, byte[] b, int off, int n) {
        tls.onTlsRead(tlsSocket, b, off, n);
    }

    @Override
    public void onTlsWrite(Object tlsSocket, byte[] b, int off, int n) {
        tls.onTlsWrite(tlsSocket, b, off, n);
    }

    // -- Netty's native transports: their sockets, each with a FileDescriptor of the agent's --

    @Override
    public void onNativeConnectStart(Object socket, int fd, Object remote) {
        natives.onConnectStart(socket, fd, remote);
    }

    @Override
    public void onNativeOption(Object socket, String setter, Object value) {
        natives.onOption(socket, setter, value);
    }

    @Override
    public void onNativeConnectEnd(Object socket, boolean connected, Throwable thrown) {
        natives.onConnectEnd(socket, connected, thrown);
    }

    @Override
    public void onNativeAccepted(int fd) {
        natives.onAccepted(fd);
    }

    @Override
    public void onNativeSocket(Object socket, int fd) {
        natives.onSocket(socket, fd);
    }

    @Override
    public void onNativeRead(Object socket, long address, int iovCount, long n, Throwable thrown) {
        natives.onRead(socket, address, iovCount, n, thrown);
    }

    @Override
    public void onNativeWrite(Object socket, long address, int iovCount, long n, Throwable thrown) {
        natives.onWrite(socket, address, iovCount, n, thrown);
    }

    @Override
    public void onNativeShutdownOutput(Object socket) {
        natives.onShutdownOutput(socket);
    }

    @Override
    public void onNativeShutdownOutputDone(Object socket) {
        natives.onShutdownOutputDone(socket);
    }

    @Override
    public void onNativeClose(Object socket) {
        natives.onClose(socket);
    }

    // -- options and shutdown --

    @Override
    public void onOption(FileDescriptor fd, Object option, Object value) {
        if (option instanceof SocketOption) {
            int bit = optionBit(((SocketOption<?>) option).name());
            if (bit != 0) {
                markOption(fd, bit, value);
            }
        }
    }

    @Override
    public void onLegacyOption(FileDescriptor fd, int option, Object value) {
        if (option == LEGACY_SO_KEEPALIVE) {
            markOption(fd, ConnectionRecord.KEEPALIVE_SET);
        } else if (option == LEGACY_SO_LINGER) {
            markOption(fd, ConnectionRecord.LINGER_SET, value);
        }
    }

    static int optionBit(String optionName) {
        switch (optionName) {
            case "SO_KEEPALIVE":
                return ConnectionRecord.KEEPALIVE_SET;
            case "TCP_KEEPIDLE":
                return ConnectionRecord.KEEPIDLE_SET;
            case "TCP_KEEPINTERVAL":
                return ConnectionRecord.KEEPINTERVAL_SET;
            case "TCP_KEEPCOUNT":
                return ConnectionRecord.KEEPCOUNT_SET;
            case "SO_LINGER":
                return ConnectionRecord.LINGER_SET;
            default:
                return 0;
        }
    }

    /** The application set an option on {@code fd}: its bit in {@link ConnectionRecord#appOptions}. */
    /** The application set TCP_USER_TIMEOUT (ms) on the socket through native code (Netty's epoll). */
    void noteTcpUserTimeout(FileDescriptor fd, int millis) {
        ConnectionRecord r = table.get(fd);
        if (r != null) {
            r.tcpUserTimeoutMillis = millis;
        }
    }

    void markOption(FileDescriptor fd, int bit) {
        markOption(fd, bit, null);
    }

    private void markOption(FileDescriptor fd, int bit, Object value) {
        if (AgentThread.isCurrent()) {
            return;
        }
        ConnectionRecord r = getOrCreate(fd);
        if (r != null) {
            r.appOptions |= bit;
            if (bit == ConnectionRecord.LINGER_SET) {
                r.lingerSeconds = ConnectionRecord.lingerSeconds(value);
            }
        }
    }

    @Override
    public void onShutdownOutput(FileDescriptor fd) {
        ConnectionRecord r = table.get(fd);
        if (r == null || r.state != ConnectionState.OPEN) {
            return;
        }
        CloseInitiator.CloseHistory history = r.history();
        if (history.shutdownOutputNanos == 0) {
            // One zero-wait poll per half-close (a TLS close sends close_notify, then shuts its output): a FIN
            // already in from the peer, unread, means the peer closed first although this side's FIN goes out now.
            if (history.eofNanos == 0 && inspector.peerFinPending(fd)) {
                history.peerFinBeforeShutdown = true;
            }
            history.shutdownOutputNanos = System.nanoTime();
        }
    }

    @Override
    public void onShutdownOutputDone(FileDescriptor fd) {
        ConnectionRecord r = table.get(fd);
        if (r == null || r.state != ConnectionState.OPEN) {
            return;
        }
        CloseInitiator.CloseHistory history = r.history();
        if (history.shutdownOutputNanos != 0 && !history.peerFinBeforeShutdown && !history.peerFinDuringShutdown
                && (history.eofNanos == 0 || history.eofNanos > history.shutdownOutputNanos)
                && inspector.peerFinPending(fd)) {
            // Not in before the FIN went (nor read as end-of-stream before), in now: between the two looks
            // (microseconds, or longer when this thread was descheduled) the FINs met, and their order is the
            // kernel's to tell (the reporter asks it). A FIN read before stays in the poll's answer: not this.
            history.peerFinDuringShutdown = true;
        }
    }

    // -- close --

    @Override
    public void onClose(FileDescriptor fd) {
        close(fd, false);
    }

    @Override
    public void onShuttingClose(FileDescriptor fd) {
        close(fd, true);
    }

    /**
     * The JDK's shutdown for a selector-held channel's close returned: a connection held at {@link #close} is
     * looked at now (a peer FIN in by then may have met this side's: the kernel is to tell), or, when the
     * descriptor is gone already ({@code descriptorOpen} false: the selector let go meanwhile), finished unlooked.
     */
    @Override
    public void onShutClose(FileDescriptor fd, int number, boolean descriptorOpen) {
        ConnectionRecord r = table.get(fd, number);
        if (r == null || !r.closeHeld) {
            return;
        }
        finishing.incrementAndGet();
        try {
            if (table.remove(fd, number) == r) {
                if (descriptorOpen) {
                    finish(r, CloseInitiator.decideAfterShutdown(lookAtClose(r, fd)));
                } else {
                    r.keepAlive = KeepAliveSettings.resolve(null, appSetKeepAlive(r), osDefaults);
                    finish(r, CloseInitiator.NOT_LOOKED_AT);
                }
            }
        } finally {
            finishing.decrementAndGet();
        }
    }

    private void close(FileDescriptor fd, boolean shutting) {
        ConnectionRecord r = table.get(fd);
        if (r == null && adoptPreexisting) {
            r = adopt(fd);
        }
        if (r == null) {
            return;
        }
        if (r.state == ConnectionState.CONNECTING && r.connectThread == Thread.currentThread()) {
            // Part of a failing connect on this thread: the connect's exit reports it, with the exception.
            r.closeDeferred = true;
            return;
        }
        // Client pools close only their own (outbound) connections: an accepted one skips the thread-local lookup
        // (on a server's worker thread, a probe among the framework's many thread locals; seen in Tomcat's profile).
        String poolReason = r.direction == Direction.OUTBOUND ? pools.closeReasonNow(r) : null;
        if (poolReason != null) {
            r.poolCloseReason = poolReason;
        }
        if (shutting && r.state == ConnectionState.OPEN && CloseInitiator.decideFromHistory(r.historyIfAny()) == null) {
            // This side's FIN goes by the JDK's shutdown after this: held in the table, looked at once it went.
            r.closeHeld = true;
            return;
        }
        finishing.incrementAndGet();
        try {
            if (table.remove(fd) == r) {
                finishClosed(r, fd);
            }
        } finally {
            finishing.decrementAndGet();
        }
    }

    private void finishClosed(ConnectionRecord r, FileDescriptor fd) {
        switch (r.state) {
            case CONNECTING:
                fail(r, r.connectError);
                break;
            case OPEN:
                finish(r, lookAtClose(r, fd));
                break;
            default:
                // NEW (unconnected or listening): never a connection, nothing to report.
                break;
        }
    }

    /** Looks before the descriptor goes: keep-alive options (into the record), and who closed first. */
    private CloseInitiator.Verdict lookAtClose(ConnectionRecord r, FileDescriptor fd) {
        // Options nobody set are the kernel's defaults: asking would cost five system calls per close for nothing.
        int options = readOptionsAlways ? ConnectionRecord.OPTIONS_UNSEEN : r.appOptions;
        boolean readKeepAlive = (options & (ConnectionRecord.KEEPALIVE_OPTIONS | ConnectionRecord.OPTIONS_UNSEEN)) != 0;
        r.keepAlive = KeepAliveSettings.resolve(readKeepAlive ? inspector.keepAlive(fd) : null,
                appSetKeepAlive(r), osDefaults);
        // The peer's FIN read (or a reset, a time-out, a shutdown seen) already decides: no poll then.
        CloseInitiator.Verdict known = CloseInitiator.decideFromHistory(r.historyIfAny());
        if (known != null) {
            return known;
        }
        int linger = r.lingerSeconds;
        boolean readLinger = linger == ConnectionRecord.LINGER_UNKNOWN
                && (options & (ConnectionRecord.LINGER_SET | ConnectionRecord.OPTIONS_UNSEEN)) != 0;
        CloseInitiator.CloseProbe probe = inspector.probeBeforeClose(fd, readLinger);
        if (probe != null && linger != ConnectionRecord.LINGER_UNKNOWN) {
            probe = new CloseInitiator.CloseProbe(probe.revents, probe.unreadBytes, linger);
        }
        return CloseInitiator.decideFromProbe(probe);
    }

    private void finish(ConnectionRecord r, CloseInitiator.Verdict verdict) {
        r.verdict = verdict;
        tls.onClose(r);
        protocols.onClose(r, verdict);
        r.freezeHttpCounts();
        // The pool knows better than "this side closed an idle connection" why it did.
        if (r.poolCloseReason != null && (r.closeReason == null || CloseReason.APPLICATION_CLOSE.equals(r.closeReason))) {
            r.closeReason = r.poolCloseReason;
        }
        r.closedAtMillis = System.currentTimeMillis();
        r.closedNanos = System.nanoTime();
        r.state = ConnectionState.CLOSED;
        listener.onFinished(r);
    }

    // -- housekeeping, called from the agent's own thread --

    /**
     * Reports connections whose sockets were garbage-collected without close, and forgets them. Their close
     * was not seen, so the initiator is only known when the peer had already closed or reset.
     */
    public int expungeCollected() {
        // TLS sockets and engines dropped by the application: their bindings go too.
        tls.expungeCollected();
        pools.expungeCollected();
        addresses.expungeCollected();
        owners.expungeCollected();
        natives.expungeCollected();
        List<ConnectionRecord> gone = table.expungeCollected();
        for (ConnectionRecord r : gone) {
            if (r.state == ConnectionState.OPEN) {
                r.keepAlive = KeepAliveSettings.resolve(null, appSetKeepAlive(r), osDefaults);
                CloseInitiator.Verdict v = CloseInitiator.decide(r.history(), null);
                finish(r, v.initiator == CloseInitiator.UNKNOWN
                        ? new CloseInitiator.Verdict(CloseInitiator.UNKNOWN, "socket garbage-collected without close")
                        : v);
            } else if (r.state == ConnectionState.CONNECTING) {
                fail(r, r.connectError);
            }
        }
        return gone.size();
    }

    /**
     * Open connections right now. With {@code readKeepAlive}, their keep-alive settings are read from the kernel
     * first (a few system calls per connection: for reports, not for hot paths).
     */
    public List<ConnectionRecord> openConnections(boolean readKeepAlive) {
        return openConnections(readKeepAlive, false);
    }

    private List<ConnectionRecord> openConnections(boolean readKeepAlive, boolean onlyUnknown) {
        List<ConnectionRecord> open = new java.util.ArrayList<>();
        table.forEach((fd, r) -> {
            if (r.state == ConnectionState.OPEN) {
                if (readKeepAlive && (!onlyUnknown || r.keepAlive == null)) {
                    r.keepAlive = KeepAliveSettings.resolve(
                            inspector.keepAlive((FileDescriptor) fd), appSetKeepAlive(r), osDefaults);
                }
                open.add(r);
            }
        });
        return open;
    }

    private static boolean appSetKeepAlive(ConnectionRecord r) {
        return (r.appOptions & ConnectionRecord.KEEPALIVE_OPTIONS) != 0;
    }

    /** With true, every close reads the socket's keep-alive options and SO_LINGER, set or not (connscope.options.read). */
    public void readOptionsAlways(boolean always) {
        readOptionsAlways = always;
    }

    /** The kernel's keep-alive defaults now (they may change while the JVM runs: a sysctl). */
    public void osKeepAliveDefaults(KeepAliveSettings defaults) {
        if (defaults != null) {
            osDefaults = defaults;
        }
    }

    /** Called once when connscope is attached to a running JVM: connections open already are picked up. */
    public void adoptPreexistingConnections() {
        adoptPreexisting = true;
    }

    /**
     * A connected TCP socket connscope has no record of, found in use after a runtime attach: a record for it
     * from now on. Its direction comes from whether something listens on its local port. Sockets of connscope's
     * own threads, sockets without a peer and sockets beyond the table's capacity are left alone.
     */
    private ConnectionRecord adopt(FileDescriptor fd) {
        if (AgentThread.isCurrent() || table.isFull()) {
            return null;
        }
        InetSocketAddress remote = inspector.remoteAddress(fd);
        InetSocketAddress local = remote == null ? null : inspector.localAddress(fd);
        if (local == null || isIgnoredInboundPort(local.getPort())) {
            return null;
        }
        ConnectionRecord r = getOrCreate(fd);
        if (r == null) {
            return null;
        }
        synchronized (r) {
            if (r.state == ConnectionState.NEW) {
                r.id = ids.incrementAndGet();
                r.preexisting = true;
                r.appOptions |= ConnectionRecord.OPTIONS_UNSEEN;
                r.direction = listeningPorts.isListening(local.getPort()) ? Direction.INBOUND : Direction.OUTBOUND;
                r.remoteAddress(addresses.shared(remote));
                r.localAddress(addresses.shared(local));
                r.thread = threadName();
                r.openedAtMillis = System.currentTimeMillis();
                r.openedNanos = System.nanoTime();
                r.connectedNanos = r.openedNanos;
                r.state = ConnectionState.OPEN;
            }
        }
        return r;
    }

    /**
     * Open connections right now for metrics: keep-alive settings are read from the kernel only for connections
     * whose settings are not known yet, so a collection costs system calls only for new connections.
     */
    public List<ConnectionRecord> openConnectionsForMetrics() {
        return openConnections(true, true);
    }

    /**
     * Connections accepted on this local port are connscope's own (its Prometheus endpoint being scraped): they
     * are not traced. The JDK's HttpServer accepts on a thread it starts without inherited thread locals, so the
     * {@link AgentThread} mark does not reach it. Rarely called; each accept reads a usually empty array.
     */
    public synchronized void ignoreInboundPort(int port) {
        int[] ports = java.util.Arrays.copyOf(ignoredInboundPorts, ignoredInboundPorts.length + 1);
        ports[ports.length - 1] = port;
        ignoredInboundPorts = ports;
    }

    private boolean isIgnoredInboundPort(int port) {
        for (int p : ignoredInboundPorts) {
            if (p == port) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits, at most {@code timeoutMillis}, until no close is between leaving the table and reaching the
     * listener; the exit report calls it so that such a connection is neither open nor lost.
     */
    public void awaitClosesInFlight(long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (finishing.get() > 0 && System.nanoTime() - deadline < 0) {
            // Parked, not spinning: on a busy machine a spin can hold the core the closing thread needs.
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    /** Sockets in the table: open connections, connects in progress, sockets with options set, listeners. */
    public int trackedSockets() {
        return table.size();
    }

    /** TLS sockets and engines currently tied to a connection (for tests). */
    int tlsBindings() {
        return tls.bindings();
    }

    /** Sockets not traced because the table was full. */
    public long untracked() {
        return untracked.get();
    }

    private ConnectionRecord getOrCreate(FileDescriptor fd) {
        ConnectionRecord r = table.get(fd);
        if (r != null) {
            return r;
        }
        r = table.putIfAbsent(fd, new ConnectionRecord());
        if (r == null) {
            untracked.incrementAndGet();
        }
        return r;
    }

    private static String threadName() {
        Thread t = Thread.currentThread();
        String name = t.getName();
        if (name.isEmpty() && t.getClass().getName().equals("java.lang.VirtualThread")) {
            // Virtual threads are nameless unless the application names them.
            return "virtual#" + t.getId();
        }
        return name;
    }
}
