package io.connscope.agent.instrumentation.sslengine;

import io.connscope.agent.instrumentation.Relocated;
import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

import java.nio.ByteBuffer;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperClass;
import static net.bytebuddy.matcher.ElementMatchers.nameEndsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * The plaintext of Netty's OpenSSL / BoringSSL engine (netty-tcnative), {@code io.netty.handler.ssl.ReferenceCountedOpenSslEngine},
 * and of relocated copies of it (grpc-netty-shaded prefers its bundled BoringSSL: {@code io.grpc.netty.shaded.io.netty...}).
 * Checked on Netty 4.1.130, 4.2.19 and the copy in grpc-netty-shaded 1.76.0 (Netty 4.1.124): every public {@code wrap} ends in
 * {@code wrap(ByteBuffer[] srcs, int, int, ByteBuffer dst)} and every {@code unwrap} in
 * {@code unwrap(ByteBuffer[] srcs, int, int, ByteBuffer[] dsts, int, int)}, both {@code final} (so its subclass
 * {@code OpenSslEngine} runs them too). Only those two are rewritten, so a call through another overload is seen
 * once. Their plaintext takes the JDK engine's path: tied to its TCP connection by the ClientHello's random.
 *
 * <p>Conscrypt's engine ({@code org.conscrypt.ConscryptEngine}, BoringSSL too; checked on 2.5.2) has the same two
 * terminal forms, which every other overload reaches; its {@code Java8EngineWrapper} delegates to it and is left
 * alone.
 *
 * <p>Why not "every subclass of {@code SSLEngine}": a supertype check needs the superclasses' descriptions, read for
 * each class the JVM loads, and wrappers such as Netty's {@code JdkSslEngine} delegate to an engine that is rewritten
 * already (their plaintext would count twice). So the name, plain or relocated, comes first (a string comparison per
 * loaded class), and only a class with that name has its superclasses checked, to be sure it is an engine.
 */
public final class OpenSslEngineInstrumentation implements SocketInstrumentation {

    private static final String ENGINE = "io.netty.handler.ssl.ReferenceCountedOpenSslEngine";
    private static final String CONSCRYPT = "org.conscrypt.ConscryptEngine";

    @Override
    public String name() {
        return "openssl-engine";
    }

    @Override
    public List<String> typeNames() {
        return List.of(ENGINE, CONSCRYPT);
    }

    @Override
    public List<String> typeNameSuffixes() {
        return List.of(Relocated.suffix(ENGINE), Relocated.suffix(CONSCRYPT));
    }

    @Override
    public ElementMatcher<TypeDescription> type() {
        return named(ENGINE).or(nameEndsWith(Relocated.suffix(ENGINE)))
                .or(named(CONSCRYPT)).or(nameEndsWith(Relocated.suffix(CONSCRYPT)))
                .and(hasSuperClass(named("javax.net.ssl.SSLEngine")));
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        return advice
                .advice(named("wrap").and(takesArguments(ByteBuffer[].class, int.class, int.class, ByteBuffer.class)),
                        getClass().getName() + "$WrapAdvice")
                // The same form as the JDK engine's: the same advice.
                .advice(named("unwrap").and(takesArguments(ByteBuffer[].class, int.class, int.class, ByteBuffer[].class,
                        int.class, int.class)), SslEngineInstrumentation.class.getName() + "$UnwrapAdvice");
    }

    public static final class WrapAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.This Object engine, @Advice.Argument(0) ByteBuffer[] srcs,
                                 @Advice.Argument(1) int offset, @Advice.Argument(2) int length,
                                 @Advice.Argument(3) ByteBuffer dst) {
            SocketEvents.engineWrapEnter(engine, srcs, offset, length, dst);
        }

        /** The arguments as they came in: Byte Buddy backs them up, and the engine changes {@code offset}. */
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.This Object engine, @Advice.Argument(0) ByteBuffer[] srcs,
                                @Advice.Argument(1) int offset, @Advice.Argument(2) int length,
                                @Advice.Argument(3) ByteBuffer dst) {
            SocketEvents.engineWrapExit(engine, srcs, offset, length, dst);
        }
    }
}
