package io.connscope.agent.core;

import java.io.FileDescriptor;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The local and peer addresses a connection's record keeps, asked of the kernel only when the JDK has not just
 * read them: every {@code getsockname} or {@code getpeername} is a system call on the connect or accept path.
 * The addresses kept are shared ({@link AddressCanon}), since a JVM's connections have few distinct ones.
 */
final class ConnectionAddresses {

    private final SocketInspector inspector;
    /** Shared InetAddress objects for the addresses records keep (docs/performance.md: heap per connection). */
    private final AddressCanon shared = new AddressCanon();
    /** Listening sockets (weak keys) to the address they are bound to. */
    private final ConnectionTable<InetSocketAddress> listenerAddresses;
    /** The last local address the JDK read on this thread ({@link #onLocalAddressRead}), with its descriptor. */
    private final ThreadLocal<LocalAddressRead> localAddressRead = ThreadLocal.withInitial(LocalAddressRead::new);

    private static final class LocalAddressRead {
        FileDescriptor fd;
        InetSocketAddress address;
    }

    ConnectionAddresses(int capacity, SocketInspector inspector) {
        this.inspector = inspector;
        this.listenerAddresses = new ConnectionTable<>(Math.min(capacity, 4096));
    }

    void onLocalAddressRead(FileDescriptor fd, Object address) {
        if (address instanceof InetSocketAddress) {
            LocalAddressRead read = localAddressRead.get();
            read.fd = fd;
            read.address = (InetSocketAddress) address;
        }
    }

    /**
     * The local address the JDK read for {@code fd} on this thread, if that was the last read here, or null. Forgotten
     * either way, so that the thread does not keep the descriptor (the table notices sockets collected unclosed by
     * their descriptors' collection).
     */
    InetSocketAddress takeLocalAddressRead(FileDescriptor fd) {
        LocalAddressRead read = localAddressRead.get();
        InetSocketAddress address = read.fd == fd ? read.address : null;
        read.fd = null;
        read.address = null;
        return address;
    }

    /** Sets the addresses of {@code r}, whose connect on {@code fd} has just succeeded. */
    void onConnected(ConnectionRecord r, FileDescriptor fd, Object localAddress, int localPort) {
        // The JDK asked the kernel already (SocketChannel keeps the address; Socket keeps the port, and the
        // address was seen on its way): not again.
        InetSocketAddress read = takeLocalAddressRead(fd);
        r.localAddress(shared.of(localAddress instanceof InetSocketAddress ? (InetSocketAddress) localAddress
                : read != null ? read
                : localPort > 0 ? inspector.localAddress(fd, localPort) : inspector.localAddress(fd)));
        // The application's InetAddress when the kernel agrees: it is held by the application's socket anyway.
        if (kernelPeerMayDiffer(r.remoteInet())) {
            InetSocketAddress peer = inspector.remoteAddress(fd);
            if (peer != null && !r.remoteIs(peer)) {
                r.remoteAddress(shared.of(peer));
            }
        }
    }

    /**
     * Whether the kernel's peer address (getpeername) can differ from the address the application connected to:
     * a wildcard (the kernel connects to a local address), or an IPv4-mapped IPv6 address (::ffff:a.b.c.d, which
     * the JDK reads back from the kernel as IPv4). Any other address and its port are the kernel's own: asking
     * would cost two system calls per connect for nothing.
     */
    static boolean kernelPeerMayDiffer(InetAddress connectedTo) {
        if (connectedTo == null || connectedTo.isAnyLocalAddress()) {
            return true;
        }
        if (connectedTo instanceof Inet4Address) {
            return false;
        }
        byte[] b = connectedTo.getAddress();
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    /** The peer of an accepted socket: the one the JDK was given, or the kernel's; null when neither is known. */
    InetSocketAddress peerOfAccepted(Object accepted, Object remote, FileDescriptor fd) {
        InetSocketAddress given = remote instanceof InetSocketAddress ? (InetSocketAddress) remote
                : inspector.remoteOfAccepted(accepted);
        return shared.of(given != null ? given : inspector.remoteAddress(fd));
    }

    /**
     * The local address of a socket accepted from {@code listenerFd}: the listener's, unless that is a wildcard;
     * then {@code read} (the JDK read it on its way: NioSocketImpl.accept, SocketChannelImpl), or the kernel's.
     */
    InetSocketAddress localOfAccepted(FileDescriptor listenerFd, FileDescriptor fd, InetSocketAddress read) {
        InetSocketAddress local = listenerAddress(listenerFd);
        return local != null ? local : shared.of(read != null ? read : inspector.localAddress(fd));
    }

    /**
     * The address a listener is bound to, asked of the kernel once per listener: a socket accepted from it has
     * that local address, unless it is a wildcard (then null, and the accepted socket is asked).
     */
    private InetSocketAddress listenerAddress(FileDescriptor listenerFd) {
        if (listenerFd == null) {
            return null;
        }
        InetSocketAddress bound = listenerAddresses.get(listenerFd);
        if (bound == null) {
            bound = shared.of(inspector.localAddress(listenerFd));
            if (bound == null) {
                return null;
            }
            listenerAddresses.putIfAbsent(listenerFd, bound);
        }
        return bound.getAddress() == null || bound.getAddress().isAnyLocalAddress() ? null : bound;
    }

    /** {@code a}, with the shared InetAddress (for addresses read some other way: an adopted connection's). */
    InetSocketAddress shared(InetSocketAddress a) {
        return shared.of(a);
    }

    /** Forgets the addresses of listeners the application dropped. */
    void expungeCollected() {
        listenerAddresses.expungeCollected();
    }
}
