package io.connscope.agent.instrumentation.asyncchannel;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.io.FileDescriptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * {@code AsynchronousServerSocketChannel} on Linux: {@code sun.nio.ch.UnixAsynchronousServerSocketChannelImpl}.
 * Checked on JDK 17 and 25: {@code implAccept(Object, CompletionHandler)} is where the application asks for a
 * connection; the accept completes at once or later on a group thread, both paths in
 * {@code finishAccept(FileDescriptor newfd, InetSocketAddress remote, ...)} (JDK 17 has a third parameter).
 * Only one accept may be pending per channel, so the thread that asked is the one the connection is credited to.
 */
public final class AsyncServerSocketChannelInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "async-server-socket-channel";
    }

    @Override
    public List<String> typeNames() {
        return List.of("sun.nio.ch.UnixAsynchronousServerSocketChannelImpl");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("implAccept").and(takesArguments(2)), self + "$ImplAcceptAdvice")
                .advice(named("finishAccept").and(takesArgument(0, FileDescriptor.class))
                        .and(takesArgument(1, InetSocketAddress.class)), self + "$FinishAcceptAdvice")
                .advice(named("implClose").and(takesArguments(0)), self + "$ListenerCloseAdvice");
    }

    public static final class ImplAcceptAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("fd") FileDescriptor listener) {
            SocketEvents.acceptRequested(listener);
        }
    }

    public static final class FinishAcceptAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor listener, @Advice.Argument(0) FileDescriptor accepted,
                                @Advice.Argument(1) SocketAddress remote) {
            SocketEvents.accepted(listener, accepted, remote);
        }
    }

    public static final class ListenerCloseAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("fd") FileDescriptor fd) {
            SocketEvents.close(fd);
        }
    }
}
