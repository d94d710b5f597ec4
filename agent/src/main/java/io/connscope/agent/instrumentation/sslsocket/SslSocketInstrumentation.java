package io.connscope.agent.instrumentation.sslsocket;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.asm.Advice;

import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * The plaintext of the JDK's {@code SSLSocket} (HttpsURLConnection, Apache HttpClient classic, OkHttp over
 * JSSE): {@code sun.security.ssl.SSLSocketImpl$AppInputStream.read(byte[], int, int)} and
 * {@code $AppOutputStream.write(byte[], int, int)}, checked on JDK 17 and 25. Both inner classes reach their
 * socket through the compiler's {@code this$0} field. The agent finds the TCP connection under the TLS socket
 * from it, so HTTP/1.x requests inside TLS are counted like plaintext ones.
 */
public final class SslSocketInstrumentation implements SocketInstrumentation {

    @Override
    public String name() {
        return "ssl-socket";
    }

    @Override
    public List<String> typeNames() {
        return List.of("sun.security.ssl.SSLSocketImpl$AppInputStream", "sun.security.ssl.SSLSocketImpl$AppOutputStream");
    }

    @Override
    public AdviceList advise(AdviceList advice) {
        String self = getClass().getName();
        return advice
                .advice(named("read").and(takesArguments(byte[].class, int.class, int.class)), self + "$ReadAdvice")
                .advice(named("write").and(takesArguments(byte[].class, int.class, int.class)), self + "$WriteAdvice");
    }

    public static final class ReadAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("this$0") Object socket, @Advice.Argument(0) byte[] b,
                                @Advice.Argument(1) int off, @Advice.Return int n) {
            if (n > 0) {
                SocketEvents.tlsRead(socket, b, off, n);
            }
        }
    }

    public static final class WriteAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.FieldValue("this$0") Object socket, @Advice.Argument(0) byte[] b,
                                @Advice.Argument(1) int off, @Advice.Argument(2) int len) {
            if (len > 0) {
                SocketEvents.tlsWrite(socket, b, off, len);
            }
        }
    }
}
