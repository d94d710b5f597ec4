package io.connscope.agent.instrumentation.dispatcher;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.io.FileDescriptor;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

/**
 * Counts bytes, end-of-stream and resets for every socket kind at once.
 *
 * <p>{@code sun.nio.ch.SocketDispatcher} is where {@code NioSocketImpl} (java.net.Socket), {@code SocketChannelImpl}
 * and {@code UnixAsynchronousSocketChannelImpl} all do their reads and writes, each call with the socket's
 * {@link FileDescriptor}. Checked on JDK 17 and 25: {@code read}, {@code readv}, {@code write}, {@code writev}, all
 * {@code (FileDescriptor, long address, int len)}. A read returns the byte count, -1 at end-of-stream, or another
 * negative status; a reset peer makes it throw {@code sun.net.ConnectionResetException}. {@code address} is the
 * native buffer (for {@code readv}/{@code writev}: an array of {@code len} iovecs), still valid while the advice
 * runs, so HTTP/1.x heads can be read from it. This is the hot path: the advice passes primitives and the
 * descriptor, nothing is allocated.
 */
public final class SocketDispatcherInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "socket-dispatcher";
    }

    @Override
    public List<String> typeNames() {
        return List.of("sun.nio.ch.SocketDispatcher");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("read").and(takesArgument(0, FileDescriptor.class)).and(returns(int.class)), self + "$ReadAdvice")
                .advice(named("readv").and(takesArgument(0, FileDescriptor.class)).and(returns(long.class)), self + "$ReadvAdvice")
                .advice(named("write").and(takesArgument(0, FileDescriptor.class)).and(returns(int.class)), self + "$WriteAdvice")
                .advice(named("writev").and(takesArgument(0, FileDescriptor.class)).and(returns(long.class)), self + "$WritevAdvice");
    }

    public static final class ReadAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Argument(0) FileDescriptor fd, @Advice.Argument(1) long address,
                                @Advice.Argument(2) int len, @Advice.Return int n, @Advice.Thrown Throwable thrown) {
            SocketEvents.read(fd, address, 0, n, thrown);
        }
    }

    public static final class ReadvAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Argument(0) FileDescriptor fd, @Advice.Argument(1) long address,
                                @Advice.Argument(2) int len, @Advice.Return long n, @Advice.Thrown Throwable thrown) {
            SocketEvents.read(fd, address, len, n, thrown);
        }
    }

    public static final class WriteAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Argument(0) FileDescriptor fd, @Advice.Argument(1) long address,
                                @Advice.Argument(2) int len, @Advice.Return int n, @Advice.Thrown Throwable thrown) {
            SocketEvents.write(fd, address, 0, n, thrown);
        }
    }

    public static final class WritevAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Argument(0) FileDescriptor fd, @Advice.Argument(1) long address,
                                @Advice.Argument(2) int len, @Advice.Return long n, @Advice.Thrown Throwable thrown) {
            SocketEvents.write(fd, address, len, n, thrown);
        }
    }
}
