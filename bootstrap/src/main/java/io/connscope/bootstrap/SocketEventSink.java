package io.connscope.bootstrap;

import java.io.FileDescriptor;

/**
 * What the agent does with the socket events that inlined advice reports through {@link SocketEvents}.
 *
 * <p>This interface lives on the boot class path because {@link SocketEvents} holds a reference to it;
 * the implementation lives in the agent. Every socket is identified by its {@link FileDescriptor} object,
 * the one value that the JDK's socket classes and its {@code SocketDispatcher} (where all socket reads and
 * writes go through) have in common. Implementations must not throw: the callers swallow throwables, but an
 * exception still costs the host application time.
 */
public interface SocketEventSink {

    /** An outbound connect is starting to {@code remote} (a {@link java.net.SocketAddress}). */
    void onConnectStart(FileDescriptor fd, Object remote);

    /** A connect that was started returned or threw. {@code connected} says whether the connection is established. */
    void onConnectEnd(FileDescriptor fd, boolean connected, Throwable thrown);

    /**
     * Like {@link #onConnectEnd(FileDescriptor, boolean, Throwable)}, with the local address the JDK stored after
     * the connect ({@code localAddress}, a {@link java.net.SocketAddress}, or null) or its local port (0 when not
     * known), which spare the agent asking the kernel again.
     */
    default void onConnectEnd(FileDescriptor fd, boolean connected, Throwable thrown, Object localAddress, int localPort) {
        onConnectEnd(fd, connected, thrown);
    }

    /** A connect attempt resumes (non-blocking {@code finishConnect}) on the current thread. */
    void onConnectResume(FileDescriptor fd);

    /**
     * The JDK read a socket's local address from the kernel on the current thread ({@code Net.localAddress}, an
     * {@code InetSocketAddress}): a connect or accept under way on this thread may use it instead of asking again.
     */
    void onLocalAddressRead(FileDescriptor fd, Object address);

    /**
     * A socket exception is on its way to the application on this thread, without the socket at hand
     * (the JDK's helper that adds addresses to socket exception messages). Meaningful only while a connect
     * attempt runs on this thread.
     */
    void onConnectFailureOnThread(Throwable error);

    /** The application asked an asynchronous listener for a connection; it may be accepted on another thread. */
    void onAcceptRequested(FileDescriptor listener);

    /**
     * A connection was accepted. {@code listener} is the listening socket's descriptor when known (else null);
     * {@code accepted} is the new connection's {@link FileDescriptor}, or a {@code java.net.SocketImpl} whose
     * descriptor the agent reads.
     */
    void onAccepted(FileDescriptor listener, Object accepted, Object remote);

    /**
     * {@code n} bytes (or an EOF marker / negative status) were read from the socket, or the read threw.
     * The bytes are at {@code address} in native memory; with {@code iovCount > 0} {@code address} is an array
     * of that many {@code iovec}s (a scattering read). Both are valid only during this call.
     */
    void onRead(FileDescriptor fd, long address, int iovCount, long n, Throwable thrown);

    /** {@code n} bytes were written to the socket, or the write threw; {@code address} as for {@link #onRead}. */
    void onWrite(FileDescriptor fd, long address, int iovCount, long n, Throwable thrown);

    /** The application read {@code n} bytes of plaintext from a TLS socket ({@code SSLSocket}) at {@code b[off]}. */
    void onTlsRead(Object tlsSocket, byte[] b, int off, int n);

    /** The application wrote {@code n} bytes of plaintext to a TLS socket ({@code SSLSocket}) from {@code b[off]}. */
    void onTlsWrite(Object tlsSocket, byte[] b, int off, int n);

    /**
     * Code that manages connections for a client library runs on this thread: connections opened now belong to
     * {@code pool} and connections closed now close for {@code closeReason} (either may be null). Scopes nest
     * and end with {@link #onScopeEnd}.
     */
    void onScope(String pool, String closeReason);

    void onScopeEnd();

    /**
     * A client library's pool took a connection ({@code idle} false) or got it back ({@code idle} true); a
     * non-null {@code pool} names the pool. {@code owner} holds the socket: a {@code java.net.Socket}, or an object
     * the agent knows how to open.
     */
    void onPooled(Object owner, String pool, boolean idle);

    /**
     * A client library made a connection pool: its connections are named {@code name}, and {@code settings} is the
     * library's object the agent reads the pool's limits from (idle time, lifetime), or null.
     */
    void onPoolCreated(Object pool, String name, Object settings);

    /** Like {@link #onPooled}, for a pool announced by {@link #onPoolCreated}: the connection's name is the pool's. */
    void onPooledIn(Object owner, Object pool, boolean idle);

    /**
     * A pool announced by {@link #onPoolCreated} is about to close the connection {@code owner} holds, maybe on
     * another thread later: why (its idle time or lifetime beyond the pool's limits) is decided now.
     */
    void onPoolDestroying(Object pool, Object owner);

    /**
     * A pool sweeps idle connections on this thread: those it closes idle for {@code idleLimitNanos} or more timed
     * out, others were closed because it holds too many idle ones. Ends with {@link #onScopeEnd}.
     */
    void onSweepScope(long idleLimitNanos);

    /**
     * A client pool is about to close the connection of one of its entries ({@code entry}: an Apache HttpClient
     * {@code PoolEntry}, whose deadlines say whether it outlived its time to live or its keep-alive). The reason is
     * noted on the connection now, because the close itself may run later on another thread (an I/O reactor).
     */
    void onPoolDiscard(Object entry);

    /**
     * A client pool on this thread looked up how long it keeps a connection ({@code lifetime}: its time to live;
     * else how long it may sit idle); {@code duration} is the library's duration object, or null for no limit.
     * A discard that follows on this thread is judged against it.
     */
    void onPoolLimit(Object duration, boolean lifetime);

    /**
     * An {@code SSLEngine} is about to wrap ({@code wrap} true: plaintext {@code in} to TLS records {@code out}) or
     * unwrap ({@code in} TLS records to plaintext {@code out}); the agent notes the buffers' positions.
     */
    void onEngineEnter(Object engine, boolean wrap, java.nio.ByteBuffer[] in, int inOffset, int inLength,
                       java.nio.ByteBuffer[] out, int outOffset, int outLength);

    /** The wrap or unwrap announced by {@link #onEngineEnter} on this thread returned. */
    void onEngineExit(Object engine, boolean wrap, java.nio.ByteBuffer[] in, int inOffset, int inLength,
                      java.nio.ByteBuffer[] out, int outOffset, int outLength);

    /**
     * Like {@link #onEngineEnter} for a wrap with one output buffer ({@code out}), which the implementation treats
     * as an array of one without allocating one per call.
     */
    void onEngineWrapEnter(Object engine, java.nio.ByteBuffer[] in, int inOffset, int inLength, java.nio.ByteBuffer out);

    /** The wrap announced by {@link #onEngineWrapEnter} on this thread returned. */
    void onEngineWrapExit(Object engine, java.nio.ByteBuffer[] in, int inOffset, int inLength, java.nio.ByteBuffer out);

    /** An HTTP/2 client opened stream {@code streamId} on the connection {@code owner} holds. */
    void onHttp2Stream(Object owner, int streamId);

    /** The application set a socket option through {@code SocketOption} (name, value). */
    void onOption(FileDescriptor fd, Object option, Object value);

    /** The application set a socket option through the legacy {@code java.net.SocketOptions} integer ids. */
    void onLegacyOption(FileDescriptor fd, int option, Object value);

    /** The socket's output was shut down: a FIN is sent now (a half-close). */
    void onShutdownOutput(FileDescriptor fd);

    /** The socket's output was shut down, and its FIN sent. */
    default void onShutdownOutputDone(FileDescriptor fd) {
    }

    /**
     * Netty's native transports (epoll) have sockets of their own ({@code io.netty.channel.unix.Socket}) with an int
     * descriptor and no {@link FileDescriptor}: the agent makes one per TCP socket, holding the same int (never
     * closed or cleaned by the agent), and reports these events as those of that descriptor. {@code socket} is
     * Netty's object: an outbound connect to {@code remote} starts on it.
     */
    void onNativeConnectStart(Object socket, int fd, Object remote);

    /** The native connect (or its completion, {@code finishConnect}) returned or threw. */
    void onNativeConnectEnd(Object socket, boolean connected, Throwable thrown);

    /** A native listening socket accepted a connection, descriptor {@code fd}; Netty makes its socket object next. */
    void onNativeAccepted(int fd);

    /** Netty made a socket object for descriptor {@code fd} (an accepted connection's, among others). */
    void onNativeSocket(Object socket, int fd);

    /** Like {@link #onRead}, for a native socket; {@code address} 0 when the bytes are not at hand (counted only). */
    void onNativeRead(Object socket, long address, int iovCount, long n, Throwable thrown);

    /** Like {@link #onWrite}, for a native socket. */
    void onNativeWrite(Object socket, long address, int iovCount, long n, Throwable thrown);

    /**
     * Netty set an option of a native socket through JNI ({@code setter}: {@code setKeepAlive}, {@code setSoLinger},
     * {@code setTcpKeepIdle}, {@code setTcpKeepIntvl}, {@code setTcpKeepCnt}, {@code setTcpUserTimeout}), before or
     * after its connect; {@code value} is the boxed argument.
     */
    void onNativeOption(Object socket, String setter, Object value);

    void onNativeShutdownOutput(Object socket);

    default void onNativeShutdownOutputDone(Object socket) {
    }

    /** The native socket is about to be closed; its descriptor is still valid. */
    void onNativeClose(Object socket);

    /** The socket is about to be closed; the descriptor is still valid. */
    void onClose(FileDescriptor fd);

    /**
     * A non-blocking channel that a selector holds is about to be closed: the JDK shuts its output down now (its
     * FIN, unless SO_LINGER is 0) and closes the descriptor later, once the selector lets go.
     * {@link #onShutClose} follows.
     */
    default void onShuttingClose(FileDescriptor fd) {
        onClose(fd);
    }

    /**
     * The JDK's part of such a close returned; {@code descriptorOpen}: the selector still holds the channel, so
     * its descriptor is still valid. {@code number}: the descriptor's number, which {@code fd} no longer holds once
     * the descriptor is closed.
     */
    default void onShutClose(FileDescriptor fd, int number, boolean descriptorOpen) {
    }
}
