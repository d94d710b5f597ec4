package io.connscope.agent.instrumentation.asyncchannel;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.io.FileDescriptor;
import java.net.SocketOption;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Options and half-close of asynchronous channels, declared (final) in the platform-independent
 * {@code sun.nio.ch.AsynchronousSocketChannelImpl} and {@code AsynchronousServerSocketChannelImpl}, each of which
 * holds the descriptor in a {@code protected final FileDescriptor fd} (JDK 17 and 25).
 */
public final class AsyncChannelOptionsInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "async-channel-options";
    }

    @Override
    public List<String> typeNames() {
        return List.of("sun.nio.ch.AsynchronousSocketChannelImpl", "sun.nio.ch.AsynchronousServerSocketChannelImpl");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("setOption").and(takesArguments(SocketOption.class, Object.class)), self + "$OptionAdvice")
                .advice(named("shutdownOutput").and(takesArguments(0)), self + "$ShutdownOutputAdvice");
    }

    public static final class OptionAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Argument(0) Object option,
                                @Advice.Argument(1) Object value) {
            SocketEvents.option(fd, option, value);
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
}
