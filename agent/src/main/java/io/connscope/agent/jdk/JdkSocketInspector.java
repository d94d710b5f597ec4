package io.connscope.agent.jdk;

import io.connscope.agent.core.AsciiCase;
import io.connscope.agent.core.CloseInitiator;
import io.connscope.agent.core.KeepAliveSettings;
import io.connscope.agent.core.SocketInspector;

import java.io.FileDescriptor;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Asks the kernel about a socket through the JDK's own internal helpers in {@code sun.nio.ch.Net}, which take a
 * {@link FileDescriptor}: getsockname, getpeername, getsockopt, poll and FIONREAD.
 *
 * <p>Checked on JDK 17 and 25 (the methods and their signatures are the same in both). {@code java.base} does
 * not export {@code sun.nio.ch} nor open {@code java.net}; the agent asks {@link Instrumentation#redefineModule}
 * to open exactly those two packages to its own module, and nothing else. Each handle is looked up on its own:
 * whatever is missing on some JDK turns that one answer into null, never an error in the application.
 */
public final class JdkSocketInspector implements SocketInspector {

    private static final boolean LINUX = AsciiCase.lower(System.getProperty("os.name", "")).contains("linux");

    private final VarHandle socketImplFd;
    /** {@code SocketImpl.address} and {@code .port}: an accepted socket's peer, as the JDK's accept stored it. */
    private final VarHandle socketImplAddress;
    private final VarHandle socketImplPort;
    private final VarHandle tlsSocketSelf;
    private final VarHandle socketImpl;
    private final VarHandle delegatingImplDelegate;
    private final Class<?> delegatingImplClass;
    private final VarHandle networkClientSocket;
    /**
     * The JDK HttpClient's connection fields, looked up at the first connection object of java.net.http seen (its
     * classes loaded by then): looking them up at startup loaded the client's internals into every application.
     */
    private volatile HttpClientFields httpClient;
    private final Module httpClientModule;
    /** The classes that declare those four fields, looked up once (VarHandle.coordinateTypes builds a list). */
    private final Class<?> networkClientClass;
    private final SocketOption<?>[] keepAliveOptions;
    private final List<String> missing;

    private JdkSocketInspector(Lookups l) {
        this.socketImplFd = l.socketImplFd();
        this.socketImplAddress = Lookups.optionalField("java.net.SocketImpl", "address", java.net.InetAddress.class);
        this.socketImplPort = Lookups.optionalField("java.net.SocketImpl", "port", int.class);
        this.tlsSocketSelf = l.field("sun.security.ssl.BaseSSLSocketImpl", "self", java.net.Socket.class);
        this.socketImpl = l.field("java.net.Socket", "impl", SocketImpl.class);
        this.delegatingImplDelegate = l.field("java.net.DelegatingSocketImpl", "delegate", SocketImpl.class);
        this.delegatingImplClass = delegatingImplDelegate == null ? null : delegatingImplDelegate.coordinateTypes().get(0);
        this.networkClientSocket = l.field("sun.net.NetworkClient", "serverSocket", java.net.Socket.class);
        this.httpClientModule = ModuleLayer.boot().findModule("java.net.http").orElse(null);
        this.networkClientClass = owner(networkClientSocket);
        this.keepAliveOptions = l.keepAliveOptions();
        if (DescriptorNumber.FD == null) {
            l.missing.add("java.io.FileDescriptor.fd");
        }
        this.missing = l.missing;
    }

    private static Class<?> owner(VarHandle field) {
        return field == null ? Void.class : field.coordinateTypes().get(0);
    }

    /** Opens the JDK packages to this class's module and looks up the handles. */
    public static JdkSocketInspector open(Instrumentation inst) {
        Module javaBase = Object.class.getModule();
        Module self = JdkSocketInspector.class.getModule();
        // java.net.http may be absent from a jlinked runtime; then its client simply has no pool hooks.
        ModuleLayer.boot().findModule("java.net.http").ifPresent(http -> inst.redefineModule(http, Set.of(), Map.of(),
                Map.of("jdk.internal.net.http", Set.of(self)), Set.of(), Map.of()));
        inst.redefineModule(javaBase, Set.of(), Map.of("sun.nio.ch", Set.of(self)),
                Map.of("sun.nio.ch", Set.of(self), "java.net", Set.of(self), "sun.security.ssl", Set.of(self),
                        "sun.net", Set.of(self), "java.io", Set.of(self)),
                Set.of(), Map.of());
        return new JdkSocketInspector(new Lookups());
    }

    /** How the agent says, once, on stderr, which internals this JDK lacks. */
    public static final String MISSING_LINE = "connscope: on this JDK these internals are missing, so some details are unknown: ";

    /**
     * What could not be looked up on this JDK; empty when everything works. {@code sun.nio.ch.Net}'s helpers are
     * not among them: they are looked up at their first use, and say so then (see {@link NetHandles}).
     */
    public List<String> missing() {
        return missing;
    }

    @Override
    public InetSocketAddress localAddress(FileDescriptor fd) {
        return address(NetHandles.LOCAL_ADDRESS, fd);
    }

    @Override
    public InetSocketAddress localAddress(FileDescriptor fd, int knownPort) {
        MethodHandle localInetAddress = NetHandles.LOCAL_INET_ADDRESS;
        if (localInetAddress == null) {
            return localAddress(fd);
        }
        try {
            return new InetSocketAddress((java.net.InetAddress) localInetAddress.invokeExact(fd), knownPort);
        } catch (Throwable t) {
            return null;
        }
    }

    @Override
    public InetSocketAddress remoteAddress(FileDescriptor fd) {
        return address(NetHandles.REMOTE_ADDRESS, fd);
    }

    private static InetSocketAddress address(MethodHandle handle, FileDescriptor fd) {
        if (handle == null) {
            return null;
        }
        try {
            return (InetSocketAddress) handle.invokeExact(fd);
        } catch (Throwable t) {
            return null;
        }
    }

    @Override
    public InetSocketAddress remoteOfAccepted(Object socketImpl) {
        if (socketImplAddress == null || socketImplPort == null || !(socketImpl instanceof SocketImpl)) {
            return null;
        }
        try {
            java.net.InetAddress address = (java.net.InetAddress) socketImplAddress.get((SocketImpl) socketImpl);
            int port = (int) socketImplPort.get((SocketImpl) socketImpl);
            return address == null || port <= 0 ? null : new InetSocketAddress(address, port);
        } catch (Throwable t) {
            return null;
        }
    }

    @Override
    public FileDescriptor descriptorOf(Object socketImpl) {
        if (socketImplFd == null || !(socketImpl instanceof SocketImpl)) {
            return null;
        }
        try {
            return (FileDescriptor) socketImplFd.get((SocketImpl) socketImpl);
        } catch (Throwable t) {
            return null;
        }
    }

    /**
     * An {@code SSLSocketImpl} is a {@code Socket} itself, or layered over another one ({@code BaseSSLSocketImpl.self});
     * a Socket subclass keeps its platform {@code NioSocketImpl} inside a {@code DelegatingSocketImpl}
     * ({@code SocksSocketImpl}). JDK 17 and 25 agree on all three fields.
     */
    @Override
    public FileDescriptor descriptorOfTlsSocket(Object tlsSocket) {
        if (tlsSocketSelf == null) {
            return null;
        }
        try {
            return descriptorOfSocket((java.net.Socket) tlsSocketSelf.get(tlsSocket));
        } catch (Throwable t) {
            return null;
        }
    }

    /**
     * {@code sun.net.NetworkClient.serverSocket} (HttpURLConnection's HttpClient), the JDK HttpClient's
     * {@code PlainHttpConnection.chan} (through {@code AsyncSSLConnection.plainConnection} for TLS), a library
     * connection's {@code rawSocket} (OkHttp), a Netty NIO channel's {@code SocketChannel} ({@link NettyObjects}),
     * then the socket's or channel's own descriptor.
     */
    @Override
    public FileDescriptor descriptorOfOwner(Object owner) {
        try {
            owner = LibraryConnections.socketOf(owner);
            if (networkClientSocket != null && networkClientClass.isInstance(owner)) {
                owner = networkClientSocket.get(owner);
            }
            if (owner != null && httpClientModule != null && owner.getClass().getModule() == httpClientModule) {
                HttpClientFields http = httpClient;
                if (http == null) {
                    httpClient = http = new HttpClientFields();
                }
                owner = http.channelOf(owner);
            }
            // A Netty NIO channel, or a Netty / Reactor Netty object that holds one: its SocketChannel.
            owner = NettyObjects.socketChannelOf(owner);
            if (owner instanceof java.nio.channels.SocketChannel) {
                VarHandle fd = ChannelFd.FIELD;
                if (fd != null && ChannelFd.OWNER.isInstance(owner)) {
                    return (FileDescriptor) fd.get(owner);
                }
            }
            if (!(owner instanceof java.net.Socket) && owner != null) {
                // A client library's connection object (OkHttp's RealConnection): its TCP socket field.
                java.lang.reflect.Field raw = RAW_SOCKET.get(owner.getClass());
                if (raw != null) {
                    owner = raw.get(owner);
                }
            }
            if (owner instanceof javax.net.ssl.SSLSocket) {
                return descriptorOfTlsSocket(owner);
            }
            return owner instanceof java.net.Socket ? descriptorOfSocket((java.net.Socket) owner) : null;
        } catch (Throwable t) {
            return null;
        }
    }

    @Override
    public io.connscope.agent.core.PoolExpiry poolEntryTimes(Object entry) {
        return LibraryConnections.entryTimes(entry);
    }

    @Override
    public long durationMillis(Object duration) {
        return LibraryConnections.durationMillis(duration);
    }

    /** A library connection class's {@code rawSocket} field (a java.net.Socket), made accessible; null if none. */
    private static final ClassValue<java.lang.reflect.Field> RAW_SOCKET = new ClassValue<>() {
        @Override
        protected java.lang.reflect.Field computeValue(Class<?> type) {
            try {
                java.lang.reflect.Field f = type.getDeclaredField("rawSocket");
                if (java.net.Socket.class.isAssignableFrom(f.getType())) {
                    f.setAccessible(true);
                    return f;
                }
            } catch (Throwable ignored) {
                // not a connection class we know
            }
            return null;
        }
    };

    @Override
    public ToIntFunction<Object> descriptorNumbers() {
        return DescriptorNumber.FD == null ? null : DescriptorNumber::of;
    }

    /**
     * {@code FileDescriptor.fd} through a constant handle (the JIT makes the registry's lookup a field load), for
     * descriptor numbers and for the agent's own descriptors of native sockets.
     */
    private static final class DescriptorNumber {
        static final VarHandle FD = Lookups.optionalField("java.io.FileDescriptor", "fd", int.class);

        static int of(Object key) {
            return key instanceof FileDescriptor ? (int) FD.get((FileDescriptor) key) : -1;
        }
    }

    /**
     * A descriptor of the agent's own for a native socket: it only names the int, for {@code Net}'s helpers. It is
     * never closed, and no Cleaner knows it (only the JDK's streams and channels register theirs), so the socket
     * stays Netty's to close.
     */
    @Override
    public FileDescriptor descriptorOfNative(int fd) {
        if (DescriptorNumber.FD == null || fd < 0) {
            return null;
        }
        try {
            FileDescriptor descriptor = new FileDescriptor();
            DescriptorNumber.FD.set(descriptor, fd);
            return descriptor;
        } catch (Throwable t) {
            return null;
        }
    }

    @Override
    public Object nativeSocketOf(Object owner) {
        return NettyObjects.nativeSocketOf(owner);
    }

    /** TCP_NODELAY exists only on TCP sockets. */
    @Override
    public boolean isTcp(FileDescriptor fd) {
        return NetHandles.GET_OPTION == null || option(fd, StandardSocketOptions.TCP_NODELAY) != null;
    }

    @Override
    public long[] poolLimits(Object settings) {
        return NettyObjects.poolLimits(settings);
    }

    @Override
    public boolean poolShutDown(Object pool) {
        return NettyObjects.poolDisposed(pool);
    }

    @Override
    public long[] pooledTimes(Object ref) {
        return NettyObjects.pooledTimes(ref);
    }

    private FileDescriptor descriptorOfSocket(java.net.Socket socket) {
        if (socketImpl == null || socket == null) {
            return null;
        }
        try {
            Object impl = socketImpl.get(socket);
            for (int depth = 0; depth < 4 && delegatingImplClass != null && delegatingImplClass.isInstance(impl); depth++) {
                impl = delegatingImplDelegate.get(impl);
            }
            return descriptorOf(impl);
        } catch (Throwable t) {
            return null;
        }
    }

    @Override
    public KeepAliveSettings keepAlive(FileDescriptor fd) {
        return new KeepAliveSettings(
                (Boolean) option(fd, StandardSocketOptions.SO_KEEPALIVE),
                (Integer) option(fd, keepAliveOptions[0]),
                (Integer) option(fd, keepAliveOptions[1]),
                (Integer) option(fd, keepAliveOptions[2]),
                KeepAliveSettings.Source.OS_DEFAULT);
    }

    private Object option(FileDescriptor fd, SocketOption<?> option) {
        MethodHandle getOption = NetHandles.GET_OPTION;
        if (getOption == null || option == null) {
            return null;
        }
        try {
            return (Object) getOption.invokeExact(fd, (SocketOption) option);
        } catch (Throwable t) {
            return null;
        }
    }

    @Override
    public boolean peerFinPending(FileDescriptor fd) {
        MethodHandle poll = NetHandles.POLL;
        if (poll == null) {
            return false;
        }
        try {
            int revents = (int) poll.invokeExact(fd, CloseInitiator.POLLRDHUP, 0L);
            return revents > 0 && (revents & CloseInitiator.POLLRDHUP) != 0;
        } catch (Throwable t) {
            return false;
        }
    }

    @Override
    public CloseInitiator.CloseProbe probeBeforeClose(FileDescriptor fd, boolean readLinger) {
        Object linger = readLinger ? option(fd, StandardSocketOptions.SO_LINGER) : null;
        int revents = -1;
        int unread = -1;
        MethodHandle poll = NetHandles.POLL;
        MethodHandle available = NetHandles.AVAILABLE;
        if (poll != null) {
            try {
                // Zero timeout: looks, never waits. RDHUP tells a pending FIN from pending data.
                revents = (int) poll.invokeExact(fd, CloseInitiator.POLLIN | CloseInitiator.POLLRDHUP, 0L);
            } catch (Throwable ignored) {
                revents = -1;
            }
        }
        // Unread bytes matter only without the peer's FIN or reset pending, which decide first.
        if (available != null && revents > 0 && (revents & CloseInitiator.POLLIN) != 0
                && (revents & (CloseInitiator.POLLRDHUP | CloseInitiator.POLLERR)) == 0) {
            try {
                unread = (int) available.invokeExact(fd);
            } catch (Throwable ignored) {
                unread = -1;
            }
        }
        return new CloseInitiator.CloseProbe(revents, unread, linger instanceof Integer ? (Integer) linger : -1);
    }

    /**
     * {@code sun.nio.ch.Net}'s helpers, looked up at their first use (a connection's, when the application has loaded
     * Net): connscope instruments {@code Net.localAddress}, so loading Net at start would have it rewritten in place
     * then, or, after the instrumentation is installed, transformed then, which loads the rest of Byte Buddy's
     * machinery before {@code main} (+0.12 s). What is missing is said once on stderr then. Static finals, so the
     * JIT treats them as constants.
     */
    private static final class NetHandles {
        private static final List<String> MISSING = new ArrayList<>();
        private static final MethodHandles.Lookup NET = netLookup();
        static final MethodHandle LOCAL_ADDRESS = handle("localAddress", MethodType.methodType(InetSocketAddress.class, FileDescriptor.class));
        /** {@code Net.localInetAddress(FileDescriptor)}: the address half of {@code Net.localAddress}, one getsockname. */
        static final MethodHandle LOCAL_INET_ADDRESS = handle("localInetAddress", MethodType.methodType(java.net.InetAddress.class, FileDescriptor.class));
        static final MethodHandle REMOTE_ADDRESS = handle("remoteAddress", MethodType.methodType(InetSocketAddress.class, FileDescriptor.class));
        static final MethodHandle GET_OPTION = handle("getSocketOption", MethodType.methodType(Object.class, FileDescriptor.class, SocketOption.class));
        static final MethodHandle POLL = LINUX ? handle("poll", MethodType.methodType(int.class, FileDescriptor.class, int.class, long.class)) : null;
        static final MethodHandle AVAILABLE = handle("available", MethodType.methodType(int.class, FileDescriptor.class));

        static {
            if (!MISSING.isEmpty()) {
                System.err.println(MISSING_LINE + MISSING);
            }
        }

        private static MethodHandles.Lookup netLookup() {
            try {
                return MethodHandles.privateLookupIn(Lookups.load("sun.nio.ch.Net"), MethodHandles.lookup());
            } catch (Throwable t) {
                MISSING.add("sun.nio.ch.Net (" + t + ")");
                return null;
            }
        }

        private static MethodHandle handle(String name, MethodType type) {
            if (NET == null) {
                return null;
            }
            try {
                return NET.findStatic(NET.lookupClass(), name, type);
            } catch (Throwable t) {
                MISSING.add("sun.nio.ch.Net." + name + type);
                return null;
            }
        }
    }

    /**
     * {@code SocketChannelImpl.fd}, looked up when the first channel is seen (the holder's initialization): looking
     * it up in premain loaded SocketChannelImpl and SocketDispatcher, which Byte Buddy then had to retransform
     * before main; loaded by the application, they are instrumented as they load.
     */
    private static final class ChannelFd {
        static final VarHandle FIELD = Lookups.optionalField("sun.nio.ch.SocketChannelImpl", "fd", FileDescriptor.class);
        static final Class<?> OWNER = owner(FIELD);
    }

    /** {@code PlainHttpConnection.chan} and {@code AsyncSSLConnection.plainConnection}; null when absent. */
    private static final class HttpClientFields {
        private final VarHandle plainChannel;
        private final VarHandle sslPlain;
        private final Class<?> plainClass;
        private final Class<?> sslClass;

        HttpClientFields() {
            this.plainChannel = Lookups.optionalField("jdk.internal.net.http.PlainHttpConnection", "chan",
                    java.nio.channels.SocketChannel.class);
            this.sslPlain = plainChannel == null ? null
                    : Lookups.optionalField("jdk.internal.net.http.AsyncSSLConnection",
                    "plainConnection", plainChannel.coordinateTypes().get(0));
            this.plainClass = owner(plainChannel);
            this.sslClass = owner(sslPlain);
        }

        Object channelOf(Object owner) {
            if (sslPlain != null && sslClass.isInstance(owner)) {
                owner = sslPlain.get(owner);
            }
            if (plainChannel != null && plainClass.isInstance(owner)) {
                owner = plainChannel.get(owner);
            }
            return owner;
        }
    }

    /** Lookups that record what is missing instead of failing. */
    private static final class Lookups {

        /**
         * A JDK class, loaded but not initialized: its handles initialize it at their first use, in the application's
         * time. Initializing {@code sun.nio.ch.Net} here ran {@code InetAddress}'s static initializer, which on JDK 25
         * reads the security properties through a channel stream and so loaded {@code SocketChannelImpl} (and
         * {@code jdk.internal.util.Exceptions}) before main: both had to be rewritten in place at every start.
         */
        static Class<?> load(String className) throws ClassNotFoundException {
            return Class.forName(className, false, ClassLoader.getPlatformClassLoader());
        }

        final List<String> missing = new ArrayList<>();

        VarHandle socketImplFd() {
            try {
                return MethodHandles.privateLookupIn(SocketImpl.class, MethodHandles.lookup())
                        .findVarHandle(SocketImpl.class, "fd", FileDescriptor.class);
            } catch (Throwable t) {
                missing.add("java.net.SocketImpl.fd");
                return null;
            }
        }

        /** A field of a class in a module that may be absent (java.net.http): missing is not worth a warning. */
        static VarHandle optionalField(String className, String name, Class<?> type) {
            try {
                Class<?> owner = load(className);
                return MethodHandles.privateLookupIn(owner, MethodHandles.lookup()).findVarHandle(owner, name, type);
            } catch (Throwable t) {
                return null;
            }
        }

        VarHandle field(String className, String name, Class<?> type) {
            try {
                Class<?> owner = load(className);
                return MethodHandles.privateLookupIn(owner, MethodHandles.lookup()).findVarHandle(owner, name, type);
            } catch (Throwable t) {
                missing.add(className + "." + name);
                return null;
            }
        }

        /** TCP_KEEPIDLE, TCP_KEEPINTERVAL, TCP_KEEPCOUNT from the jdk.net module, which a jlinked runtime may lack. */
        SocketOption<?>[] keepAliveOptions() {
            try {
                return new SocketOption<?>[] {
                        jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE,
                        jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL,
                        jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT};
            } catch (Throwable t) {
                missing.add("jdk.net.ExtendedSocketOptions");
                return new SocketOption<?>[3];
            }
        }
    }
}
