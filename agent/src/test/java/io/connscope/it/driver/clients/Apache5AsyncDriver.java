package io.connscope.it.driver.clients;

import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * Apache HttpClient 5.x async (non-blocking {@code SocketChannel}s on its I/O reactor,
 * {@code PoolingAsyncClientConnectionManager}) through the {@link ClientScenarios}; its TLS runs through the JDK's
 * {@code SSLEngine}. Uses only API that 5.1 already has.
 */
public final class Apache5AsyncDriver {

    private Apache5AsyncDriver() {
    }

    @SuppressWarnings("deprecation")
    public static void main(String[] args) throws Exception {
        ClientScenarios.run(args, CloseableHttpAsyncClient.class, (maxPerRoute, tls, trust) -> {
            PoolingAsyncClientConnectionManagerBuilder builder = PoolingAsyncClientConnectionManagerBuilder.create();
            if (tls != null) {
                // TLS on the I/O reactor runs through the JDK's SSLEngine.
                builder.setTlsStrategy(ClientTlsStrategyBuilder.create().setSslContext(tls).build());
            }
            PoolingAsyncClientConnectionManager pool = builder
                    .setMaxConnPerRoute(maxPerRoute)
                    .setMaxConnTotal(maxPerRoute)
                    .build();
            CloseableHttpAsyncClient client = HttpAsyncClients.custom()
                    .setConnectionManager(pool)
                    .setDefaultRequestConfig(RequestConfig.custom()
                            .setConnectionRequestTimeout(Timeout.ofSeconds(20))
                            .setResponseTimeout(Timeout.ofSeconds(20))
                            .build())
                    .build();
            client.start();
            return new ClientScenarios.Client() {
                @Override
                public CompletableFuture<Void> get(String url) {
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    client.execute(new SimpleHttpRequest("GET", URI.create(url)), new FutureCallback<SimpleHttpResponse>() {
                        @Override
                        public void completed(SimpleHttpResponse response) {
                            done.complete(null);
                        }

                        @Override
                        public void failed(Exception e) {
                            done.completeExceptionally(e);
                        }

                        @Override
                        public void cancelled() {
                            done.cancel(false);
                        }
                    });
                    return done;
                }

                /** The callback completes before the connection goes back to the pool: wait until it has. */
                @Override
                public void settle() throws InterruptedException {
                    long deadline = System.currentTimeMillis() + 5_000;
                    while (pool.getTotalStats().getLeased() > 0 && System.currentTimeMillis() < deadline) {
                        Thread.sleep(5);
                    }
                }

                @Override
                public void close() {
                    client.close(CloseMode.GRACEFUL);
                }
            };
        });
    }
}
