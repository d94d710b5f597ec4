package io.connscope.agent.instrumentation.socketchannel;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.io.FileDescriptor;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.SelectableChannel;
import java.util.List;
import java.util.concurrent.locks.Lock;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * {@code SocketChannel}, blocking and non-blocking, and its {@code socket()} adaptor: {@code sun.nio.ch.SocketChannelImpl}.
 * Checked on JDK 17 and 25: {@code connect(SocketAddress)} (returns false while a non-blocking connect is
 * pending), {@code finishConnect()}, {@code blockingConnect(SocketAddress, long)} (the adaptor's timed connect),
 * {@code implCloseSelectableChannel()} (called with the channel already marked closed; its {@code readLock}, a
 * {@code ReentrantLock}, is held by a read in flight; non-blocking and registered with a selector, it shuts the
 * output down unless SO_LINGER is 0 and leaves the descriptor open), {@code shutdownOutput()}, {@code setOption};
 * the {@code localAddress} field
 * (set once connected, on both) spares asking the kernel for it again. Unix domain channels share
 * the class; the agent ignores any address that is not an {@code InetSocketAddress}.
 */
public final class SocketChannelInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "socket-channel";
    }

    @Override
    public List<String> typeNames() {
        return List.of("sun.nio.ch.SocketChannelImpl");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("connect").and(takesArguments(SocketAddress.class)), self + "$ConnectAdvice")
                .advice(named("blockingConnect").and(takesArguments(SocketAddress.class, long.class)), self + "$BlockingConnectAdvice")
                .advice(named("finishConnect").and(takesArguments(0)), self + "$FinishConnectAdvice")
                .advice(named("implCloseSelectableChannel").and(takesArguments(0)), self + "$CloseAdvice")
                .advice(named("shutdownOutput").and(takesArguments(0)), self + "$ShutdownOutputAdvice")
                .advice(named("setOption").and(takesArguments(SocketOption.class, Object.class)), self + "$OptionAdvice");
    }

    public static final class ConnectAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Argument(0) SocketAddress remote) {
            SocketEvents.connectStart(fd, remote);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Return boolean connected,
                                @Advice.Thrown Throwable thrown, @Advice.FieldValue("localAddress") Object local) {
            SocketEvents.connectEnd(fd, connected, thrown, local, 0);
        }
    }

    public static final class BlockingConnectAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Argument(0) SocketAddress remote) {
            SocketEvents.connectStart(fd, remote);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Thrown Throwable thrown,
                                @Advice.FieldValue("localAddress") Object local) {
            SocketEvents.connectEnd(fd, thrown == null, thrown, local, 0);
        }
    }

    public static final class FinishConnectAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.FieldValue("fd") FileDescriptor fd) {
            SocketEvents.connectResume(fd);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.Return boolean connected,
                                @Advice.Thrown Throwable thrown, @Advice.FieldValue("localAddress") Object local) {
            SocketEvents.connectEnd(fd, connected, thrown, local, 0);
        }
    }

    public static final class CloseAdvice {
        // Non-blocking: a selector thread's read can be taking the last bytes as the application closes (a blocked
        // reader would hold the lock until woken: no wait then); and while a selector holds the channel (its
        // registration outlives this method) the JDK shuts the output down and closes the descriptor later.
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static boolean enter(@Advice.FieldValue("fd") FileDescriptor fd,
                                    @Advice.FieldValue("readLock") Lock readLock, @Advice.This SelectableChannel channel) {
            boolean nonBlocking = !channel.isBlocking();
            boolean shutting = nonBlocking && channel.isRegistered();
            SocketEvents.channelClose(fd, nonBlocking ? readLock : null, shutting);
            return shutting;
        }

        // Still registered: the JDK did not close the descriptor (a selector's deregistration closes it later).
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("fd") FileDescriptor fd, @Advice.FieldValue("fdVal") int number,
                                @Advice.Enter boolean shutting, @Advice.This SelectableChannel channel) {
            if (shutting) {
                SocketEvents.channelShut(fd, number, channel.isRegistered());
            }
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
}
