package io.connscope.agent.core;

import io.connscope.bootstrap.AgentThread;

import java.io.FileDescriptor;
import java.net.InetSocketAddress;

/**
 * Netty's native transports (epoll): their sockets are objects of Netty's holding an int descriptor, with no
 * {@link FileDescriptor} of the JDK's. Each TCP one gets a FileDescriptor of the agent's, and its events become the
 * registry's descriptor events, so a native connection is recorded exactly as a JDK one.
 *
 * <p>Another of Netty's native transports (kqueue, io_uring) can report its sockets through the same events.
 */
final class NativeSockets {

    private final ConnectionRegistry registry;
    private final ConnectionTable<ConnectionRecord> table;
    private final SocketInspector inspector;
    /**
     * Netty's native sockets (weak keys) to the FileDescriptor the agent made for each: it holds the same int
     * descriptor, so the kernel can be asked about it, and it is never closed by the agent (Netty closes the socket).
     */
    private final ConnectionTable<FileDescriptor> sockets;
    /** A connection a native listener accepted on this thread, until Netty makes its socket object. */
    private final ThreadLocal<NativeAccept> acceptedHere = new ThreadLocal<>();
    /**
     * Options Netty set on native sockets (weak keys) before their connect, when they are no connection yet: the
     * {@link ConnectionRecord#appOptions} bits the connection gets when it starts, and TCP_USER_TIMEOUT (-1: unset).
     */
    private final ConnectionTable<int[]> optionsBeforeConnect;

    NativeSockets(int capacity, ConnectionRegistry registry, ConnectionTable<ConnectionRecord> table,
                  SocketInspector inspector) {
        this.registry = registry;
        this.table = table;
        this.inspector = inspector;
        this.sockets = new ConnectionTable<>(capacity);
        this.optionsBeforeConnect = new ConnectionTable<>(Math.min(capacity, 4096));
    }

    /** The descriptor the agent made for a native socket, or null (not TCP, not connected, or not seen). */
    FileDescriptor descriptorOf(Object socket) {
        return sockets.get(socket);
    }

    void onConnectStart(Object socket, int fd, Object remote) {
        if (!(remote instanceof InetSocketAddress) || AgentThread.isCurrent() || sockets.get(socket) != null) {
            return;
        }
        FileDescriptor descriptor = inspector.descriptorOfNative(fd);
        // Datagram sockets connect too: only TCP makes a connection.
        if (descriptor == null || !inspector.isTcp(descriptor) || sockets.putIfAbsent(socket, descriptor) != descriptor) {
            return;
        }
        registry.onConnectStart(descriptor, remote);
        markNative(descriptor);
        int[] before = optionsBeforeConnect.remove(socket);
        if (before != null) {
            registry.markOption(descriptor, before[0]);
            if (before[1] >= 0) {
                registry.noteTcpUserTimeout(descriptor, before[1]);
            }
        }
    }

    void onOption(Object socket, String setter, Object value) {
        int bit = optionBit(setter);
        // TCP_USER_TIMEOUT has no bit: it is kept as a value (gRPC sets it to its keep-alive timeout).
        int userTimeout = "setTcpUserTimeout".equals(setter) && value instanceof Integer ? (Integer) value : -1;
        if ((bit == 0 && userTimeout < 0) || AgentThread.isCurrent()) {
            return;
        }
        FileDescriptor descriptor = sockets.get(socket);
        if (descriptor != null) {
            registry.markOption(descriptor, bit);
            if (userTimeout >= 0) {
                registry.noteTcpUserTimeout(descriptor, userTimeout);
            }
            return;
        }
        // A client's options come before its connect (Bootstrap sets them on the new channel).
        int[] before = optionsBeforeConnect.get(socket);
        if (before == null) {
            int[] fresh = {0, -1};
            before = optionsBeforeConnect.putIfAbsent(socket, fresh);
            before = before == null ? fresh : before;
        }
        synchronized (before) {
            before[0] |= bit;
            if (userTimeout >= 0) {
                before[1] = userTimeout;
            }
        }
    }

    /** The option bit of a Netty native socket's setter (its method names, 4.1.53 to 4.2.19), or 0. */
    static int optionBit(String setter) {
        switch (setter) {
            case "setKeepAlive":
                return ConnectionRecord.KEEPALIVE_SET;
            case "setTcpKeepIdle":
                return ConnectionRecord.KEEPIDLE_SET;
            case "setTcpKeepIntvl":
                return ConnectionRecord.KEEPINTERVAL_SET;
            case "setTcpKeepCnt":
                return ConnectionRecord.KEEPCOUNT_SET;
            case "setSoLinger":
                return ConnectionRecord.LINGER_SET;
            default:
                return 0;
        }
    }

    /** Netty sets a native socket's options through JNI, where connscope does not see them. */
    private void markNative(FileDescriptor descriptor) {
        ConnectionRecord r = table.get(descriptor);
        if (r != null) {
            r.appOptions |= ConnectionRecord.OPTIONS_UNSEEN;
        }
    }

    void onConnectEnd(Object socket, boolean connected, Throwable thrown) {
        FileDescriptor descriptor = sockets.get(socket);
        if (descriptor != null) {
            registry.onConnectEnd(descriptor, connected, thrown);
        }
    }

    void onAccepted(int fd) {
        if (AgentThread.isCurrent()) {
            return;
        }
        FileDescriptor descriptor = inspector.descriptorOfNative(fd);
        if (descriptor != null) {
            registry.onAccepted(null, descriptor, null);
            markNative(descriptor);
            // Netty makes the accepted connection's socket object next, on this thread: it gets this descriptor.
            acceptedHere.set(new NativeAccept(fd, descriptor));
        }
    }

    void onSocket(Object socket, int fd) {
        NativeAccept accepted = acceptedHere.get();
        if (accepted != null && accepted.fd == fd) {
            acceptedHere.remove();
            sockets.putIfAbsent(socket, accepted.descriptor);
        }
    }

    void onRead(Object socket, long address, int iovCount, long n, Throwable thrown) {
        FileDescriptor descriptor = socket == null ? null : sockets.get(socket);
        if (descriptor != null) {
            registry.onRead(descriptor, address, iovCount, n, thrown);
        }
    }

    void onWrite(Object socket, long address, int iovCount, long n, Throwable thrown) {
        FileDescriptor descriptor = socket == null ? null : sockets.get(socket);
        if (descriptor != null) {
            registry.onWrite(descriptor, address, iovCount, n, thrown);
        }
    }

    void onShutdownOutput(Object socket) {
        FileDescriptor descriptor = sockets.get(socket);
        if (descriptor != null) {
            registry.onShutdownOutput(descriptor);
        }
    }

    void onShutdownOutputDone(Object socket) {
        FileDescriptor descriptor = sockets.get(socket);
        if (descriptor != null) {
            registry.onShutdownOutputDone(descriptor);
        }
    }

    void onClose(Object socket) {
        FileDescriptor descriptor = sockets.get(socket);
        if (descriptor != null) {
            registry.onClose(descriptor);
            sockets.remove(socket);
        }
    }

    /** Forgets native sockets Netty dropped without a close seen. */
    void expungeCollected() {
        sockets.expungeCollected();
    }

    /** A connection a native listener accepted, waiting for Netty's socket object. */
    private static final class NativeAccept {
        final int fd;
        final FileDescriptor descriptor;

        NativeAccept(int fd, FileDescriptor descriptor) {
            this.fd = fd;
            this.descriptor = descriptor;
        }
    }
}
