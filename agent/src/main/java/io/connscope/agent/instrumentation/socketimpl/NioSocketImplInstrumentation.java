package io.connscope.agent.instrumentation.socketimpl;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.io.FileDescriptor;
import java.net.SocketAddress;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * {@code java.net.Socket} and {@code ServerSocket}: both delegate to {@code sun.nio.ch.NioSocketImpl}, the
 * platform implementation since JDK 13 (JEP 353). Checked on JDK 17 and 25: {@code connect(SocketAddress, int)}
 * (the other connect overloads call it), {@code accept(SocketImpl)}, {@code close()}, {@code shutdownOutput()},
 * and both {@code setOption} forms. The descriptor is {@code SocketImpl.fd}, assigned in {@code create} before
 * connect or accept can run. JDK 17's legacy {@code -Djdk.net.usePlainSocketImpl} is not traced.
 */
public final class NioSocketImplInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "socket";
    }

    @Override
    public List<String> typeNames() {
        return List.of("sun.nio.ch.NioSocketImpl");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("connect").and(takesArguments(SocketAddress.class, int.class)), self + "$ConnectAdvice")
                .advice(named("accept").and(takesArguments(SocketImpl.class)), self + "$AcceptAdvice")
                .advice(named("close").and(takesArguments(0)), self + "$CloseAdvice")
                .advice(named("shutdownOutput").and(takesArguments(0)), self + "$ShutdownOutputAdvice")
                .advice(named("setOption").and(takesArguments(SocketOption.class, Object.class)), self + "$OptionAdvice")
                .advice(named("setOption").and(takesArguments(int.class, Object.class)), self + "$LegacyOptionAdvice");
    }

    public static final class ConnectAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Argument(0) SocketAddress remote) {
            SocketEvents.connectStart(fd, remote);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Thrown Throwable thrown,
                                @Advice.FieldValue("localport") int localPort) {
            // SocketImpl.localport: set by the connect from the kernel's answer.
            SocketEvents.connectEnd(fd, thrown == null, thrown, null, localPort);
        }
    }

    public static final class AcceptAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor listener, @Advice.Argument(0) SocketImpl accepted) {
            SocketEvents.accepted(listener, accepted, null);
        }
    }

    public static final class CloseAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("fd") FileDescriptor fd) {
            SocketEvents.close(fd);
        }
    }

    public static final class ShutdownOutputAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("fd") FileDescriptor fd) {
            SocketEvents.shutdownOutput(fd);
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd) {
            SocketEvents.shutdownOutputDone(fd);
        }
    }

    public static final class OptionAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Argument(0) Object option,
                                @Advice.Argument(1) Object value) {
            SocketEvents.option(fd, option, value);
        }
    }

    public static final class LegacyOptionAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Argument(0) int option,
                                @Advice.Argument(1) Object value) {
            SocketEvents.legacyOption(fd, option, value);
        }
    }
}
