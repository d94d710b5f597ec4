package io.connscope.agent.core;

import java.io.FileDescriptor;
import java.net.InetSocketAddress;
import java.util.function.ToIntFunction;

/**
 * Asks the kernel about a socket by its descriptor: addresses, options, and whether anything is pending at
 * close. The JDK implementation ({@code io.connscope.agent.jdk.JdkSocketInspector}) reaches JDK internals; unit
 * tests use a scripted one. Every method returns null or -1 when it cannot answer, and never throws.
 */
public interface SocketInspector {

    InetSocketAddress localAddress(FileDescriptor fd);

    InetSocketAddress remoteAddress(FileDescriptor fd);

    /** The descriptor of a {@code java.net.SocketImpl}, or null. */
    FileDescriptor descriptorOf(Object socketImpl);

    /** The descriptor of the TCP socket under a JDK {@code SSLSocket}, or null. */
    FileDescriptor descriptorOfTlsSocket(Object tlsSocket);

    /**
     * The descriptor of the TCP connection an object holds: a {@code java.net.Socket} (TLS or not), or a
     * client library object whose socket field the inspector knows; null otherwise.
     */
    FileDescriptor descriptorOfOwner(Object owner);

    /**
     * Each descriptor's number (a {@code FileDescriptor}'s {@code fd}; negative once closed, or for another key),
     * for the registry's index by number; null when this inspector cannot read it. Called on every read and
     * write: cheap and allocation-free.
     */
    default ToIntFunction<Object> descriptorNumbers() {
        return null;
    }

    /** The local address of a socket whose local port is known: one system call instead of two. */
    default InetSocketAddress localAddress(FileDescriptor fd, int knownPort) {
        return localAddress(fd);
    }

    /**
     * The peer of a socket a {@code SocketImpl} just accepted, as the JDK stored it (no system call); null when
     * unknown.
     */
    default InetSocketAddress remoteOfAccepted(Object socketImpl) {
        return null;
    }

    /** SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTERVAL, TCP_KEEPCOUNT as the kernel has them now (source unset). */
    KeepAliveSettings keepAlive(FileDescriptor fd);

    /** Whether the peer's FIN has arrived and waits unread (a zero-timeout poll); false when unknown. */
    boolean peerFinPending(FileDescriptor fd);

    /**
     * The socket's state just before close, or null when it cannot be looked at. SO_LINGER is read only with
     * {@code readLinger} (taken as unset otherwise: one system call fewer when nobody set it).
     */
    CloseInitiator.CloseProbe probeBeforeClose(FileDescriptor fd, boolean readLinger);

    /** A client pool entry's times (Apache HttpClient's {@code PoolEntry}), or null when unknown. */
    default PoolExpiry poolEntryTimes(Object entry) {
        return null;
    }

    /** A client library's duration object in milliseconds; -1 when null, unlimited or unknown. */
    default long durationMillis(Object duration) {
        return -1;
    }

    /**
     * A client library pool's limits from its settings object: {@code {maxIdleMillis, maxLifeMillis}}, -1 for no
     * limit; null when the object is not one the inspector knows.
     */
    default long[] poolLimits(Object settings) {
        return null;
    }

    /** How long a library's pooled connection ({@code ref}) has been idle and alive, by its pool's clock: {@code {idleMillis, lifeMillis}}, or null. */
    default long[] pooledTimes(Object ref) {
        return null;
    }

    /** Whether a library's pool is shut down (disposed): what it closes now it closes because of that. */
    default boolean poolShutDown(Object pool) {
        return false;
    }

    /**
     * A new {@link FileDescriptor} holding the int descriptor {@code fd} of a socket the JDK does not know (Netty's
     * native transports), for the other methods here to look at; never closed. Null when it cannot be made.
     */
    default FileDescriptor descriptorOfNative(int fd) {
        return null;
    }

    /** The native socket object (Netty's {@code io.netty.channel.unix.Socket}) a library object holds, or null. */
    default Object nativeSocketOf(Object owner) {
        return null;
    }

    /** Whether the socket is TCP (a datagram socket may connect too); true when it cannot tell. */
    default boolean isTcp(FileDescriptor fd) {
        return true;
    }

    /** An inspector that knows nothing, for platforms where the JDK internals are not reachable. */
    SocketInspector NONE = new None();

    /** Knows nothing and asks nothing: every lookup null, every probe empty. Extend it to know one thing. */
    class None implements SocketInspector {
        @Override
        public InetSocketAddress localAddress(FileDescriptor fd) {
            return null;
        }

        @Override
        public InetSocketAddress remoteAddress(FileDescriptor fd) {
            return null;
        }

        @Override
        public FileDescriptor descriptorOf(Object socketImpl) {
            return null;
        }

        @Override
        public FileDescriptor descriptorOfTlsSocket(Object tlsSocket) {
            return null;
        }

        @Override
        public FileDescriptor descriptorOfOwner(Object owner) {
            return null;
        }

        @Override
        public KeepAliveSettings keepAlive(FileDescriptor fd) {
            return null;
        }

        @Override
        public boolean peerFinPending(FileDescriptor fd) {
            return false;
        }

        @Override
        public CloseInitiator.CloseProbe probeBeforeClose(FileDescriptor fd, boolean readLinger) {
            return null;
        }
    }
}
