package io.connscope.agent.instrumentation.asyncchannel;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.io.FileDescriptor;
import java.net.SocketAddress;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * {@code AsynchronousSocketChannel} on Linux: {@code sun.nio.ch.UnixAsynchronousSocketChannelImpl}. Checked on
 * JDK 17 and 25: {@code implConnect} starts a connect that either completes at once or later on a group thread;
 * both paths go through {@code setConnected()}; the later one runs in {@code finishConnect(boolean)}. A failed
 * connect closes the channel ({@code implClose()}) on the thread that found the failure; its reason comes from
 * {@link io.connscope.agent.instrumentation.connectfailure.ConnectExceptionInstrumentation}. Accepts are in
 * {@link AsyncServerSocketChannelInstrumentation}.
 */
public final class AsyncSocketChannelInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "async-socket-channel";
    }

    @Override
    public List<String> typeNames() {
        return List.of("sun.nio.ch.UnixAsynchronousSocketChannelImpl");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("implConnect").and(takesArgument(0, SocketAddress.class)), self + "$ImplConnectAdvice")
                .advice(named("finishConnect").and(takesArguments(boolean.class)), self + "$FinishConnectAdvice")
                .advice(named("setConnected").and(takesArguments(0)), self + "$SetConnectedAdvice")
                .advice(named("implClose").and(takesArguments(0)), self + "$ImplCloseAdvice");
    }

    public static final class ImplConnectAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Argument(0) SocketAddress remote) {
            SocketEvents.connectStart(fd, remote);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Thrown Throwable thrown) {
            // Success was reported by setConnected; this ends a failed or pending attempt.
            SocketEvents.connectEnd(fd, false, thrown);
        }
    }

    public static final class FinishConnectAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("fd") FileDescriptor fd) {
            SocketEvents.connectResume(fd);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Thrown Throwable thrown) {
            SocketEvents.connectEnd(fd, false, thrown);
        }
    }

    public static final class SetConnectedAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd) {
            SocketEvents.connectEnd(fd, true, null);
        }
    }

    public static final class ImplCloseAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("fd") FileDescriptor fd) {
            SocketEvents.close(fd);
        }
    }
}
