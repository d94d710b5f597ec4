package io.connscope.agent.instrumentation.net;

import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

import java.io.FileDescriptor;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * {@code sun.nio.ch.Net.localAddress(FileDescriptor)}, the JDK's {@code getsockname}: a {@code Socket} connect
 * ({@code NioSocketImpl.endConnect}, JDK 17 and 25) calls it and keeps only the port. Seeing its answer spares
 * connscope a {@code getsockname} of its own per connect. Called at bind, connect and accept, never per read or
 * write; the registry looks only for a connect in progress on that descriptor.
 */
public final class NetLocalAddressInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "net-local-address";
    }

    @Override
    public ElementMatcher<TypeDescription> type() {
        return named("sun.nio.ch.Net");
    }

    @Override
    public AgentBuilder.Transformer.ForAdvice advise(AgentBuilder.Transformer.ForAdvice transformer) {
        return transformer.advice(isStatic().and(named("localAddress")).and(takesArguments(FileDescriptor.class)),
                getClass().getName() + "$LocalAddressAdvice");
    }

    public static final class LocalAddressAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Argument(0) FileDescriptor fd, @Advice.Return Object address) {
            SocketEvents.localAddress(fd, address);
        }
    }
}
