package io.connscope.agent.instrumentation.connectfailure;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.io.IOException;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Keeps the reason of a connect that fails where the agent cannot see the exception leave a method.
 *
 * <p>{@code AsynchronousSocketChannel} catches the exception of a failed connect (in {@code implConnect}, or
 * later in {@code finishConnect} on a group thread) and hands it only to the application's handler or future.
 * On its way there it passes through the JDK's helper that adds the address to socket exception messages:
 * {@code sun.net.util.SocketExceptions.of(IOException, InetSocketAddress)} on JDK 17,
 * {@code jdk.internal.util.Exceptions.ioException(IOException, SocketAddress)} on JDK 25. The helper is not
 * connect-only, so the agent uses what it sees only while a connect attempt runs on the same thread.
 */
public final class ConnectExceptionInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "connect-exception";
    }

    @Override
    public List<String> typeNames() {
        return List.of("sun.net.util.SocketExceptions", "jdk.internal.util.Exceptions");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        return advice.advice(isStatic().and(namedOneOf("of", "ioException")).and(takesArguments(2))
                        .and(takesArgument(0, IOException.class)),
                getClass().getName() + "$WrapAdvice");
    }

    public static final class WrapAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.Argument(0) IOException error) {
            SocketEvents.connectFailureOnThread(error);
        }
    }
}
