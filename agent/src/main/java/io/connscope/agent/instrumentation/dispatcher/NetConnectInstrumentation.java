package io.connscope.agent.instrumentation.dispatcher;

import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

import java.io.FileDescriptor;
import java.net.InetAddress;
import java.net.ProtocolFamily;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Keeps the reason of a connect that the kernel refuses at once.
 *
 * <p>{@code AsynchronousSocketChannel} catches the exception of a failed connect and hands it only to the
 * application's handler or future, never back through a method the agent can see return. Every socket kind calls
 * {@code sun.nio.ch.Net.connect(ProtocolFamily, FileDescriptor, InetAddress, int)} (JDK 17 and 25) for the
 * connect system call, so the exception is caught here, on its way out.
 */
public final class NetConnectInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "net-connect";
    }

    @Override
    public ElementMatcher<TypeDescription> type() {
        return named("sun.nio.ch.Net");
    }

    @Override
    public AgentBuilder.Transformer.ForAdvice advise(AgentBuilder.Transformer.ForAdvice transformer) {
        return transformer.advice(isStatic().and(named("connect"))
                        .and(takesArguments(ProtocolFamily.class, FileDescriptor.class, InetAddress.class, int.class)),
                getClass().getName() + "$ConnectAdvice");
    }

    public static final class ConnectAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Argument(1) FileDescriptor fd, @Advice.Thrown Throwable thrown) {
            if (thrown != null) {
                SocketEvents.connectError(fd, thrown);
            }
        }
    }
}
