package io.connscope.agent.instrumentation.httpclient;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * HTTP/2 requests of the JDK {@code HttpClient}: every stream it opens on a connection goes through
 * {@code jdk.internal.net.http.Http2Connection.putStream(Stream, int streamid)} (JDK 17 and 25), whose
 * {@code connection} field leads to the TCP connection. Each client stream is a request; every stream after a
 * connection's first ran on a reused connection. (The frames themselves are inside TLS and not read.)
 */
public final class Http2StreamInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "http-client-http2";
    }

    @Override
    public List<String> typeNames() {
        return List.of("jdk.internal.net.http.Http2Connection");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        return advice.advice(named("putStream").and(takesArguments(2)).and(takesArgument(1, int.class)),
                getClass().getName() + "$PutStreamAdvice");
    }

    public static final class PutStreamAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("connection") Object connection, @Advice.Argument(1) int streamId) {
            SocketEvents.http2Stream(connection, streamId);
        }
    }
}
