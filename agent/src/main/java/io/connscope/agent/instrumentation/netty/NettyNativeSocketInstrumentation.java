package io.connscope.agent.instrumentation.netty;

import io.connscope.agent.instrumentation.Relocated;
import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.declaresField;
import static net.bytebuddy.matcher.ElementMatchers.fieldType;
import static net.bytebuddy.matcher.ElementMatchers.hasSuperClass;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.nameEndsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * The sockets of Netty's native transports (epoll), which bypass the JDK: {@code io.netty.channel.unix.FileDescriptor}
 * and {@code io.netty.channel.unix.Socket} (netty-transport-native-unix-common), checked on 4.1.53, 4.1.130 and
 * 4.2.19. Only instrumented where the application has them.
 * <ul>
 *   <li>{@code Socket.connect(SocketAddress)}, {@code finishConnect()}: an outbound connect and its completion;</li>
 *   <li>{@code Socket.accept(byte[])}, then the {@code Socket(int)} that Netty makes for the accepted descriptor;</li>
 *   <li>{@code FileDescriptor.readAddress}, {@code writeAddress}, {@code writevAddresses} and (what newer
 *       versions call instead, from about 4.1.100) {@code Socket.recvAddress}, {@code sendAddress}: native memory,
 *       what Netty uses when its buffers have an address; and {@code read}, {@code write}, {@code writev},
 *       {@code recv}, {@code send} of {@code ByteBuffer}s (bytes counted, not looked at);</li>
 *   <li>{@code Socket.shutdown(boolean, boolean)}: a half-close when output is shut; {@code FileDescriptor.close()};</li>
 *   <li>the options Netty sets through JNI, where the JDK never sees them: {@code Socket.setKeepAlive},
 *       {@code setSoLinger}, and epoll's {@code LinuxSocket.setTcpKeepIdle}, {@code setTcpKeepIntvl},
 *       {@code setTcpKeepCnt}, {@code setTcpUserTimeout} (the same in 4.1.53, 4.1.124 and 4.1.130).</li>
 * </ul>
 * Relocated copies (grpc-netty-shaded's {@code io.grpc.netty.shaded.io.netty.channel.unix.Socket}, any prefix) are
 * the same code with their own native library: they are matched by the end of their names, and only if the class
 * is, or extends, a {@code FileDescriptor} that declares the {@code int fd} the advice reads.
 * The advice reads the int descriptor from {@code FileDescriptor.fd} (package-private: only advice of these two
 * classes of that package can see it) and passes Netty's socket object as an {@code Object}; the agent keeps a
 * {@code java.io.FileDescriptor} per TCP socket, holding the same int, and handles the events as those of the JDK's
 * sockets.
 */
public final class NettyNativeSocketInstrumentation implements SocketInstrumentation {

    private static final String FD = "io.netty.channel.unix.FileDescriptor";
    private static final String SOCKET = "io.netty.channel.unix.Socket";
    private static final String LINUX_SOCKET = "io.netty.channel.epoll.LinuxSocket";

    @Override
    public String name() {
        return "netty-native";
    }

    @Override
    public List<String> typeNames() {
        return List.of(FD, SOCKET, LINUX_SOCKET);
    }

    @Override
    public List<String> typeNameSuffixes() {
        return List.of(Relocated.suffix(FD), Relocated.suffix(SOCKET), Relocated.suffix(LINUX_SOCKET));
    }

    /** By name (plain or relocated), confirmed by structure: a native socket has Netty's {@code int fd}. */
    @Override
    public ElementMatcher<TypeDescription> type() {
        return namedOneOf(FD, SOCKET, LINUX_SOCKET).or(nameEndsWith(Relocated.suffix(FD)))
                .or(nameEndsWith(Relocated.suffix(SOCKET))).or(nameEndsWith(Relocated.suffix(LINUX_SOCKET)))
                .and(hasSuperClass(netty(FD).and(declaresField(named("fd").and(fieldType(int.class))))));
    }

    /** The Netty class {@code plainName}, or a relocated copy of it. */
    private static ElementMatcher.Junction<TypeDescription> netty(String plainName) {
        return named(plainName).or(nameEndsWith(Relocated.suffix(plainName)));
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("connect").and(takesArguments(SocketAddress.class)).and(isDeclaredBy(netty(SOCKET))),
                        self + "$ConnectAdvice")
                .advice(named("finishConnect").and(takesArguments(0)).and(isDeclaredBy(netty(SOCKET))),
                        self + "$FinishConnectAdvice")
                .advice(named("accept").and(takesArguments(byte[].class)).and(isDeclaredBy(netty(SOCKET))),
                        self + "$AcceptAdvice")
                .advice(isConstructor().and(takesArguments(int.class)).and(isDeclaredBy(netty(SOCKET))),
                        self + "$NewSocketAdvice")
                .advice(named("shutdown").and(takesArguments(boolean.class, boolean.class)).and(isDeclaredBy(netty(SOCKET))),
                        self + "$ShutdownAdvice")
                .advice(named("readAddress").and(takesArguments(long.class, int.class, int.class)).and(isDeclaredBy(netty(FD)))
                                .or(named("recvAddress").and(takesArguments(long.class, int.class, int.class))
                                        .and(isDeclaredBy(netty(SOCKET)))),
                        self + "$ReadAddressAdvice")
                .advice(named("writeAddress").and(takesArguments(long.class, int.class, int.class)).and(isDeclaredBy(netty(FD)))
                                .or(named("sendAddress").and(takesArguments(long.class, int.class, int.class))
                                        .and(isDeclaredBy(netty(SOCKET)))),
                        self + "$WriteAddressAdvice")
                .advice(named("writevAddresses").and(takesArguments(long.class, int.class)).and(isDeclaredBy(netty(FD))),
                        self + "$WritevAddressesAdvice")
                .advice(named("read").and(isDeclaredBy(netty(FD))).or(named("recv").and(isDeclaredBy(netty(SOCKET))))
                                .and(takesArguments(ByteBuffer.class, int.class, int.class)),
                        self + "$ReadBufferAdvice")
                .advice(named("write").and(isDeclaredBy(netty(FD))).or(named("send").and(isDeclaredBy(netty(SOCKET))))
                                .and(takesArguments(ByteBuffer.class, int.class, int.class)),
                        self + "$WriteBufferAdvice")
                .advice(named("writev").and(takesArguments(4)).and(takesArgument(0, ByteBuffer[].class)).and(isDeclaredBy(netty(FD))),
                        self + "$WritevBuffersAdvice")
                .advice(named("close").and(takesArguments(0)).and(isDeclaredBy(netty(FD))), self + "$CloseAdvice")
                .advice(named("setKeepAlive").and(takesArguments(boolean.class))
                                .or(named("setSoLinger").and(takesArguments(int.class))).and(isDeclaredBy(netty(SOCKET)))
                                .or(namedOneOf("setTcpKeepIdle", "setTcpKeepIntvl", "setTcpKeepCnt", "setTcpUserTimeout")
                                        .and(takesArguments(int.class)).and(isDeclaredBy(netty(LINUX_SOCKET)))),
                        self + "$OptionAdvice");
    }

    public static final class ConnectAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.This Object socket, @Advice.FieldValue("fd") int fd, @Advice.Argument(0) Object remote) {
            SocketEvents.nativeConnectStart(socket, fd, remote);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object socket, @Advice.Return boolean connected, @Advice.Thrown Throwable thrown) {
            SocketEvents.nativeConnectEnd(socket, connected, thrown);
        }
    }

    public static final class FinishConnectAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object socket, @Advice.Return boolean connected, @Advice.Thrown Throwable thrown) {
            SocketEvents.nativeConnectEnd(socket, connected, thrown);
        }
    }

    public static final class AcceptAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Return int accepted) {
            SocketEvents.nativeAccepted(accepted);
        }
    }

    public static final class NewSocketAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.This Object socket, @Advice.Argument(0) int fd) {
            SocketEvents.nativeSocket(socket, fd);
        }
    }

    public static final class ShutdownAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.This Object socket, @Advice.Argument(1) boolean output) {
            if (output) {
                SocketEvents.nativeShutdownOutput(socket);
            }
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.This Object socket, @Advice.Argument(1) boolean output) {
            if (output) {
                SocketEvents.nativeShutdownOutputDone(socket);
            }
        }
    }

    public static final class ReadAddressAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object socket, @Advice.Argument(0) long address, @Advice.Argument(1) int pos,
                                @Advice.Return int n, @Advice.Thrown Throwable thrown) {
            SocketEvents.nativeRead(socket, address + pos, 0, n, thrown);
        }
    }

    public static final class WriteAddressAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object socket, @Advice.Argument(0) long address, @Advice.Argument(1) int pos,
                                @Advice.Return int n, @Advice.Thrown Throwable thrown) {
            SocketEvents.nativeWrite(socket, address + pos, 0, n, thrown);
        }
    }

    public static final class WritevAddressesAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object socket, @Advice.Argument(0) long iovecs, @Advice.Argument(1) int count,
                                @Advice.Return long n, @Advice.Thrown Throwable thrown) {
            SocketEvents.nativeWrite(socket, iovecs, count, n, thrown);
        }
    }

    public static final class ReadBufferAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object socket, @Advice.Return int n, @Advice.Thrown Throwable thrown) {
            SocketEvents.nativeRead(socket, 0L, 0, n, thrown);
        }
    }

    public static final class WriteBufferAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object socket, @Advice.Return int n, @Advice.Thrown Throwable thrown) {
            SocketEvents.nativeWrite(socket, 0L, 0, n, thrown);
        }
    }

    public static final class WritevBuffersAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object socket, @Advice.Return long n, @Advice.Thrown Throwable thrown) {
            SocketEvents.nativeWrite(socket, 0L, 0, n, thrown);
        }
    }

    public static final class CloseAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.This Object socket) {
            SocketEvents.nativeClose(socket);
        }
    }

    /**
     * An option set through JNI. The setter's name is a constant of the rewritten method; the value is boxed, which
     * costs nothing that matters: options are set once or twice per connection.
     */
    public static final class OptionAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.This Object socket, @Advice.Origin("#m") String setter,
                                @Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object value) {
            SocketEvents.nativeOption(socket, setter, value);
        }
    }
}
