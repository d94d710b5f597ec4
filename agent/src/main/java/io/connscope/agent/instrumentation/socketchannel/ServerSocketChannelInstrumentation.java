package io.connscope.agent.instrumentation.socketchannel;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.io.FileDescriptor;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * {@code ServerSocketChannel} (and its {@code socket()} adaptor): {@code sun.nio.ch.ServerSocketChannelImpl}.
 * Checked on JDK 17 and 25: both {@code accept()} and the adaptor's {@code blockingAccept(long)} end in
 * {@code finishAccept(FileDescriptor newfd, SocketAddress remote)}, which returns the accepted channel.
 * Listener options are tracked because accepted sockets inherit the keep-alive ones.
 */
public final class ServerSocketChannelInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "server-socket-channel";
    }

    @Override
    public List<String> typeNames() {
        return List.of("sun.nio.ch.ServerSocketChannelImpl");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("finishAccept").and(takesArguments(FileDescriptor.class, SocketAddress.class)), self + "$FinishAcceptAdvice")
                .advice(named("implCloseSelectableChannel").and(takesArguments(0)), self + "$CloseAdvice")
                .advice(named("setOption").and(takesArguments(SocketOption.class, Object.class)), self + "$OptionAdvice");
    }

    public static final class FinishAcceptAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor listener, @Advice.Argument(0) FileDescriptor accepted,
                                @Advice.Argument(1) SocketAddress remote) {
            SocketEvents.accepted(listener, accepted, remote);
        }
    }

    public static final class CloseAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("fd") FileDescriptor fd) {
            SocketEvents.close(fd);
        }
    }

    public static final class OptionAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Argument(0) Object option,
                                @Advice.Argument(1) Object value) {
            SocketEvents.option(fd, option, value);
        }
    }
}
