package io.connscope.agent.config;

/**
 * The names of connscope's instrumentations, as {@code connscope.instrumentation.disabled} accepts them: each
 * instrumentation's {@code SocketInstrumentation.name()} (InstrumentationNamesTest keeps the two equal). Apart from
 * the option table because enum constants cannot use their enum's static fields.
 */
public final class InstrumentationNames {

    static final String[] ALL = {"socket-dispatcher", "connect-exception", "local-address", "socket", "socket-channel",
        "ssl-socket", "ssl-engine", "openssl-engine", "http-url-connection", "http-client", "http-client-http2", "okhttp",
        "apache-httpclient", "netty-pool", "netty-native", "reactor-netty-pool", "server-socket-channel",
        "async-socket-channel", "async-server-socket-channel", "async-channel-options"};

    private InstrumentationNames() {
    }

    /** For the test in another package. */
    public static String[] all() {
        return ALL.clone();
    }
}
