package io.connscope.agent.instrumentation.sslengine;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.nio.ByteBuffer;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * The plaintext of the JDK's {@code SSLEngine} (the JDK HttpClient and HttpsServer, Netty's and Jetty's JDK TLS):
 * every public {@code wrap}/{@code unwrap} of {@code sun.security.ssl.SSLEngineImpl} ends in the
 * {@code (ByteBuffer[] srcs, int, int, ByteBuffer[] dsts, int, int)} form (JDK 17 and 25). An engine has no
 * socket; the agent ties it to its TCP connection by the random of the ClientHello that both the engine and the
 * socket carry.
 */
public final class SslEngineInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "ssl-engine";
    }

    @Override
    public List<String> typeNames() {
        return List.of("sun.security.ssl.SSLEngineImpl");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("wrap").and(takesArguments(ByteBuffer[].class, int.class, int.class, ByteBuffer[].class,
                        int.class, int.class)), self + "$WrapAdvice")
                .advice(named("unwrap").and(takesArguments(ByteBuffer[].class, int.class, int.class, ByteBuffer[].class,
                        int.class, int.class)), self + "$UnwrapAdvice");
    }

    public static final class WrapAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.This Object engine, @Advice.Argument(0) ByteBuffer[] srcs,
                                 @Advice.Argument(1) int srcsOffset, @Advice.Argument(2) int srcsLength,
                                 @Advice.Argument(3) ByteBuffer[] dsts, @Advice.Argument(4) int dstsOffset,
                                 @Advice.Argument(5) int dstsLength) {
            SocketEvents.engineEnter(engine, true, srcs, srcsOffset, srcsLength, dsts, dstsOffset, dstsLength);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object engine, @Advice.Argument(0) ByteBuffer[] srcs,
                                @Advice.Argument(1) int srcsOffset, @Advice.Argument(2) int srcsLength,
                                @Advice.Argument(3) ByteBuffer[] dsts, @Advice.Argument(4) int dstsOffset,
                                @Advice.Argument(5) int dstsLength) {
            SocketEvents.engineExit(engine, true, srcs, srcsOffset, srcsLength, dsts, dstsOffset, dstsLength);
        }
    }

    public static final class UnwrapAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.This Object engine, @Advice.Argument(0) ByteBuffer[] srcs,
                                 @Advice.Argument(1) int srcsOffset, @Advice.Argument(2) int srcsLength,
                                 @Advice.Argument(3) ByteBuffer[] dsts, @Advice.Argument(4) int dstsOffset,
                                 @Advice.Argument(5) int dstsLength) {
            SocketEvents.engineEnter(engine, false, srcs, srcsOffset, srcsLength, dsts, dstsOffset, dstsLength);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object engine, @Advice.Argument(0) ByteBuffer[] srcs,
                                @Advice.Argument(1) int srcsOffset, @Advice.Argument(2) int srcsLength,
                                @Advice.Argument(3) ByteBuffer[] dsts, @Advice.Argument(4) int dstsOffset,
                                @Advice.Argument(5) int dstsLength) {
            SocketEvents.engineExit(engine, false, srcs, srcsOffset, srcsLength, dsts, dstsOffset, dstsLength);
        }
    }
}
