package io.connscope.bootstrap;

import java.io.FileDescriptor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;

/**
 * The bridge between advice inlined into JDK socket classes and the agent.
 *
 * <p>Advice is copied into classes of the boot loader ({@code sun.nio.ch.NioSocketImpl} and friends), so it can
 * only call classes that the boot loader sees: this class is appended to the boot class path before any
 * instrumentation is installed. Its methods are {@code public static} because the inlined code runs in another
 * package; each does one volatile read and hands plain values on. While no agent is installed ({@link #sink}
 * is null) they do nothing.
 *
 * <p>Nothing may escape to the application: the advice is declared with {@code suppress = Throwable.class}, and
 * what it suppresses (a failure of the sink, or of the advice itself) is counted by {@link #adviceFailed}.
 */
public final class SocketEvents {

    /** Installed once by the agent; null means "not tracing". */
    public static volatile SocketEventSink sink;

    /** Throwables that advice suppressed (see {@link #adviceFailed}). */
    private static final AtomicLong ADVICE_FAILURES = new AtomicLong();
    private static volatile Throwable firstAdviceFailure;

    private SocketEvents() {
    }

    /**
     * Called by the exception handler of every advice with the throwable it keeps from the application (advice is
     * declared with {@code suppress = Throwable.class}), so that connscope's own failures are counted and shown in
     * its summary instead of vanishing. The handler wraps this call in a try/catch of its own.
     */
    public static void adviceFailed(Throwable t) {
        if (ADVICE_FAILURES.getAndIncrement() == 0) {
            firstAdviceFailure = t;
        }
    }

    /** How many throwables advice has suppressed so far. */
    public static long adviceFailures() {
        return ADVICE_FAILURES.get();
    }

    /** The first throwable advice suppressed, or null. */
    public static Throwable firstAdviceFailure() {
        return firstAdviceFailure;
    }

    public static void connectStart(FileDescriptor fd, Object remote) {
        SocketEventSink s = sink;
        if (s != null && fd != null) {
            s.onConnectStart(fd, remote);
        }
    }

    public static void connectEnd(FileDescriptor fd, boolean connected, Throwable thrown) {
        SocketEventSink s = sink;
        if (s != null && fd != null) {
            s.onConnectEnd(fd, connected, thrown);
        }
    }

    /** Like {@link #connectEnd(FileDescriptor, boolean, Throwable)}, with what the JDK already knows of the local side. */
    public static void connectEnd(FileDescriptor fd, boolean connected, Throwable thrown, Object localAddress,
                                  int localPort) {
        SocketEventSink s = sink;
        if (s != null && fd != null) {
            s.onConnectEnd(fd, connected, thrown, localAddress, localPort);
        }
    }

    /** The JDK asked the kernel for a socket's local address (getsockname) on this thread. */
    public static void localAddressRead(FileDescriptor fd, Object address) {
        SocketEventSink s = sink;
        if (s != null && fd != null && address != null) {
            s.onLocalAddressRead(fd, address);
        }
    }

    public static void connectResume(FileDescriptor fd) {
        SocketEventSink s = sink;
        if (s != null && fd != null) {
            s.onConnectResume(fd);
        }
    }

    public static void connectFailureOnThread(Throwable error) {
        SocketEventSink s = sink;
        if (s != null && error != null) {
            s.onConnectFailureOnThread(error);
        }
    }

    public static void acceptRequested(FileDescriptor listener) {
        SocketEventSink s = sink;
        if (s != null && listener != null) {
            s.onAcceptRequested(listener);
        }
    }

    public static void accepted(FileDescriptor listener, Object accepted, Object remote) {
        SocketEventSink s = sink;
        if (s != null && accepted != null) {
            s.onAccepted(listener, accepted, remote);
        }
    }

    /**
     * Hot path: called after every socket read, while the buffer at {@code address} is still the caller's. A read
     * that moved nothing and ended nothing (0, or the JDK's -2 "would block" and -3 "interrupted": a timed or
     * non-blocking read meets one before most reads) is not passed on: the sink would look the socket up for nothing.
     */
    public static void read(FileDescriptor fd, long address, int iovCount, long n, Throwable thrown) {
        SocketEventSink s = sink;
        if (s != null && (n > 0 || n == -1 || thrown != null)) {
            s.onRead(fd, address, iovCount, n, thrown);
        }
    }

    /** Hot path: called after every socket write, while the buffer at {@code address} is still the caller's. */
    public static void write(FileDescriptor fd, long address, int iovCount, long n, Throwable thrown) {
        SocketEventSink s = sink;
        if (s != null && (n > 0 || thrown != null)) {
            s.onWrite(fd, address, iovCount, n, thrown);
        }
    }

    public static void tlsRead(Object tlsSocket, byte[] b, int off, int n) {
        SocketEventSink s = sink;
        if (s != null && tlsSocket != null && b != null) {
            s.onTlsRead(tlsSocket, b, off, n);
        }
    }

    public static void tlsWrite(Object tlsSocket, byte[] b, int off, int n) {
        SocketEventSink s = sink;
        if (s != null && tlsSocket != null && b != null) {
            s.onTlsWrite(tlsSocket, b, off, n);
        }
    }

    public static void scope(String pool, String closeReason) {
        SocketEventSink s = sink;
        if (s != null) {
            s.onScope(pool, closeReason);
        }
    }

    public static void scopeEnd() {
        SocketEventSink s = sink;
        if (s != null) {
            s.onScopeEnd();
        }
    }

    public static void pooled(Object owner, String pool, boolean idle) {
        SocketEventSink s = sink;
        if (s != null && owner != null) {
            s.onPooled(owner, pool, idle);
        }
    }

    public static void poolCreated(Object pool, String name, Object settings) {
        SocketEventSink s = sink;
        if (s != null && pool != null) {
            s.onPoolCreated(pool, name, settings);
        }
    }

    public static void pooledIn(Object owner, Object pool, boolean idle) {
        SocketEventSink s = sink;
        if (s != null && owner != null) {
            s.onPooledIn(owner, pool, idle);
        }
    }

    public static void poolDestroying(Object pool, Object owner) {
        SocketEventSink s = sink;
        if (s != null && owner != null) {
            s.onPoolDestroying(pool, owner);
        }
    }

    public static void sweepScope(long idleLimitNanos) {
        SocketEventSink s = sink;
        if (s != null) {
            s.onSweepScope(idleLimitNanos);
        }
    }

    public static void poolDiscard(Object entry) {
        SocketEventSink s = sink;
        if (s != null && entry != null) {
            s.onPoolDiscard(entry);
        }
    }

    public static void poolLimit(Object duration, boolean lifetime) {
        SocketEventSink s = sink;
        if (s != null) {
            s.onPoolLimit(duration, lifetime);
        }
    }

    public static void engineEnter(Object engine, boolean wrap, java.nio.ByteBuffer[] in, int inOffset, int inLength,
                                   java.nio.ByteBuffer[] out, int outOffset, int outLength) {
        SocketEventSink s = sink;
        if (s != null && engine != null && in != null && out != null) {
            s.onEngineEnter(engine, wrap, in, inOffset, inLength, out, outOffset, outLength);
        }
    }

    public static void engineExit(Object engine, boolean wrap, java.nio.ByteBuffer[] in, int inOffset, int inLength,
                                  java.nio.ByteBuffer[] out, int outOffset, int outLength) {
        SocketEventSink s = sink;
        if (s != null && engine != null && in != null && out != null) {
            s.onEngineExit(engine, wrap, in, inOffset, inLength, out, outOffset, outLength);
        }
    }

    /**
     * Like {@link #engineEnter}, for an engine whose terminal {@code wrap} has one output buffer (Netty's
     * OpenSSL/BoringSSL engine: {@code wrap(ByteBuffer[], int, int, ByteBuffer)}); no array is made for it here.
     */
    public static void engineWrapEnter(Object engine, java.nio.ByteBuffer[] in, int inOffset, int inLength,
                                       java.nio.ByteBuffer out) {
        SocketEventSink s = sink;
        if (s != null && engine != null && in != null && out != null) {
            s.onEngineWrapEnter(engine, in, inOffset, inLength, out);
        }
    }

    public static void engineWrapExit(Object engine, java.nio.ByteBuffer[] in, int inOffset, int inLength,
                                      java.nio.ByteBuffer out) {
        SocketEventSink s = sink;
        if (s != null && engine != null && in != null && out != null) {
            s.onEngineWrapExit(engine, in, inOffset, inLength, out);
        }
    }

    public static void http2Stream(Object owner, int streamId) {
        SocketEventSink s = sink;
        if (s != null && owner != null) {
            s.onHttp2Stream(owner, streamId);
        }
    }

    public static void option(FileDescriptor fd, Object option, Object value) {
        SocketEventSink s = sink;
        if (s != null && fd != null) {
            s.onOption(fd, option, value);
        }
    }

    public static void legacyOption(FileDescriptor fd, int option, Object value) {
        SocketEventSink s = sink;
        if (s != null && fd != null) {
            s.onLegacyOption(fd, option, value);
        }
    }

    public static void shutdownOutput(FileDescriptor fd) {
        SocketEventSink s = sink;
        if (s != null && fd != null) {
            s.onShutdownOutput(fd);
        }
    }

    public static void shutdownOutputDone(FileDescriptor fd) {
        SocketEventSink s = sink;
        if (s != null && fd != null) {
            s.onShutdownOutputDone(fd);
        }
    }

    // -- sockets of Netty's native transports (epoll): no java.io.FileDescriptor, the agent keeps one per socket --

    public static void nativeConnectStart(Object socket, int fd, Object remote) {
        SocketEventSink s = sink;
        if (s != null && socket != null) {
            s.onNativeConnectStart(socket, fd, remote);
        }
    }

    public static void nativeConnectEnd(Object socket, boolean connected, Throwable thrown) {
        SocketEventSink s = sink;
        if (s != null && socket != null) {
            s.onNativeConnectEnd(socket, connected, thrown);
        }
    }

    public static void nativeAccepted(int fd) {
        SocketEventSink s = sink;
        if (s != null && fd >= 0) {
            s.onNativeAccepted(fd);
        }
    }

    public static void nativeSocket(Object socket, int fd) {
        SocketEventSink s = sink;
        if (s != null && socket != null) {
            s.onNativeSocket(socket, fd);
        }
    }

    /** Hot path: after every read of a native socket; {@code address} 0 when the bytes are not at hand. */
    public static void nativeRead(Object socket, long address, int iovCount, long n, Throwable thrown) {
        SocketEventSink s = sink;
        if (s != null) {
            s.onNativeRead(socket, address, iovCount, n, thrown);
        }
    }

    /** Hot path: after every write of a native socket; {@code address} 0 when the bytes are not at hand. */
    public static void nativeWrite(Object socket, long address, int iovCount, long n, Throwable thrown) {
        SocketEventSink s = sink;
        if (s != null) {
            s.onNativeWrite(socket, address, iovCount, n, thrown);
        }
    }

    /** Netty set an option of a native socket through JNI: {@code setter} is its method's name. */
    public static void nativeOption(Object socket, String setter, Object value) {
        SocketEventSink s = sink;
        if (s != null && socket != null) {
            s.onNativeOption(socket, setter, value);
        }
    }

    public static void nativeShutdownOutput(Object socket) {
        SocketEventSink s = sink;
        if (s != null && socket != null) {
            s.onNativeShutdownOutput(socket);
        }
    }

    public static void nativeShutdownOutputDone(Object socket) {
        SocketEventSink s = sink;
        if (s != null && socket != null) {
            s.onNativeShutdownOutputDone(socket);
        }
    }

    public static void nativeClose(Object socket) {
        SocketEventSink s = sink;
        if (s != null && socket != null) {
            s.onNativeClose(socket);
        }
    }

    public static void close(FileDescriptor fd) {
        SocketEventSink s = sink;
        if (s != null && fd != null) {
            s.onClose(fd);
        }
    }

    /**
     * A {@code SocketChannel}'s close. A non-blocking one ({@code readLock} not null) first waits out a read in
     * flight on another thread (a selector's), as the channel's own close does next, so the look at close sees
     * what that read left, not the bytes it is taking; the channel is already marked closed, so no new read can
     * start. {@code shutting}: a selector holds the channel, so the JDK sends its FIN by a shutdown and closes the
     * descriptor later; {@link #channelShut} follows.
     */
    public static void channelClose(FileDescriptor fd, Lock readLock, boolean shutting) {
        SocketEventSink s = sink;
        if (s != null && fd != null) {
            if (readLock != null) {
                readLock.lock();
                readLock.unlock();
            }
            if (shutting) {
                s.onShuttingClose(fd);
            } else {
                s.onClose(fd);
            }
        }
    }

    /** {@code number}: the channel's descriptor number, which the JDK clears in {@code fd} once it closes it. */
    public static void channelShut(FileDescriptor fd, int number, boolean descriptorOpen) {
        SocketEventSink s = sink;
        if (s != null && fd != null) {
            s.onShutClose(fd, number, descriptorOpen);
        }
    }
}
