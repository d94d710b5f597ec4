package io.connscope.agent.instrumentation.localaddress;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.io.FileDescriptor;
import java.net.InetSocketAddress;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Keeps the local address the JDK itself just asked the kernel for, so that connscope does not ask again.
 *
 * <p>{@code sun.nio.ch.Net.localAddress(FileDescriptor)} is one getsockname. The JDK calls it at the end of every
 * {@code Socket} connect ({@code NioSocketImpl.endConnect}, which keeps only the port) and for every accepted socket
 * ({@code NioSocketImpl.accept}, and the constructor of an accepted {@code SocketChannelImpl}), on the connecting or
 * accepting thread, before connscope's advice at the end of that connect or accept runs. Checked on JDK 17 and 25.
 * The advice hands the descriptor and the address on; the connect or accept takes it if the descriptor is its own.
 */
public final class LocalAddressInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "local-address";
    }

    @Override
    public List<String> typeNames() {
        return List.of("sun.nio.ch.Net");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        return advice.advice(isStatic().and(named("localAddress")).and(takesArguments(FileDescriptor.class))
                .and(returns(InetSocketAddress.class)), getClass().getName() + "$LocalAddressAdvice");
    }

    public static final class LocalAddressAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Argument(0) FileDescriptor fd, @Advice.Return InetSocketAddress address) {
            SocketEvents.localAddressRead(fd, address);
        }
    }
}
