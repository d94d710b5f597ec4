package io.connscope.it.driver.clients;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Reactor Netty's {@link HttpClient} (what Spring's WebClient runs on) through the {@link ClientScenarios}: a
 * {@link ConnectionProvider} named {@code connscope-test} of at most {@code maxPerRoute} connections, which queues
 * acquires beyond it; the NIO transport (the native ones bypass the JDK's sockets); HTTPS through the JDK's
 * SSLEngine.
 */
public final class ReactorNettyDriver {

    /** The provider name, and so the pool name connscope reports: {@code Reactor Netty (connscope-test)}. */
    public static final String PROVIDER = "connscope-test";

    private ReactorNettyDriver() {
    }

    /**
     * Runs the scenarios named in {@code args}; with {@code transport=default} first, on the event loops and the
     * transport Reactor Netty picks by default (epoll on Linux when its native jar is on the class path, unless
     * {@code -Dreactor.netty.native=false}), else on loops of its own on NIO. Prints
     * {@code RESULT transport=CHANNEL_CLASS} for each connection it opens.
     */
    public static void main(String[] args) throws Exception {
        run(args, false);
    }

    /** Runs like {@link #main}; with {@code requireEpoll}, a connection on another transport fails its request. */
    static void run(String[] args, boolean requireEpoll) throws Exception {
        boolean defaults = args.length > 0 && args[0].equals("transport=default");
        String[] scenarios = defaults ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
        ClientScenarios.run(scenarios, HttpClient.class, (maxPerRoute, tls, trust) -> {
            ConnectionProvider provider = ConnectionProvider.builder(PROVIDER).maxConnections(maxPerRoute)
                    .pendingAcquireMaxCount(100).build();
            LoopResources loops = defaults ? null : LoopResources.create("rn-client", 1, true);
            HttpClient http = HttpClient.create(provider).doOnConnected(c -> {
                String transport = c.channel().getClass().getSimpleName();
                System.out.println("RESULT transport=" + transport);
                if (requireEpoll && !transport.startsWith("Epoll")) {
                    throw new IllegalStateException("not on epoll: " + transport);
                }
            });
            if (loops != null) {
                http = http.runOn(loops, false);
            }
            if (trust != null) {
                SslContext ssl = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(trust).build();
                http = http.secure(spec -> spec.sslContext(ssl));
            }
            return new ReactorClient(http, provider, loops);
        });
    }

    static final class ReactorClient implements ClientScenarios.Client {
        private final HttpClient http;
        private final ConnectionProvider provider;
        private final LoopResources loops;

        ReactorClient(HttpClient http, ConnectionProvider provider, LoopResources loops) {
            this.http = http;
            this.provider = provider;
            this.loops = loops;
        }

        @Override
        public CompletableFuture<Void> get(String url) {
            return http.get().uri(url).responseContent().aggregate().asString().toFuture().thenApply(body -> null);
        }

        /** The connection goes back to the pool on the event loop just after the response completes. */
        @Override
        public void settle() throws Exception {
            Thread.sleep(100);
        }

        @Override
        public void close() {
            provider.disposeLater().block(Duration.ofSeconds(10));
            if (loops != null) {
                loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
            }
        }
    }
}
