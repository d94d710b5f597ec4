package io.connscope.it.driver.clients;

import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * Apache HttpClient 5.x's HTTP/2-only async client ({@code HttpAsyncClients.customHttp2()}, httpcore5-h2's
 * multiplexer, one connection per route in its {@code H2ConnPool}) through the {@link Http2Scenarios}: h2 by ALPN on
 * the JDK's {@code SSLEngine}. Uses only API that 5.1 already has.
 */
public final class Apache5AsyncHttp2Driver {

    private Apache5AsyncHttp2Driver() {
    }

    public static void main(String[] args) throws Exception {
        Http2Scenarios.run(args, CloseableHttpAsyncClient.class, (tls, trust) -> {
            CloseableHttpAsyncClient client = HttpAsyncClients.customHttp2()
                    .setTlsStrategy(ClientTlsStrategyBuilder.create().setSslContext(tls).build())
                    .setDefaultRequestConfig(RequestConfig.custom()
                            .setConnectionRequestTimeout(Timeout.ofSeconds(20))
                            .setResponseTimeout(Timeout.ofSeconds(20))
                            .build())
                    .build();
            client.start();
            return new Http2Scenarios.Client() {
                @Override
                public CompletableFuture<String> get(String url) {
                    CompletableFuture<String> done = new CompletableFuture<>();
                    client.execute(new SimpleHttpRequest("GET", URI.create(url)), new FutureCallback<SimpleHttpResponse>() {
                        @Override
                        public void completed(SimpleHttpResponse response) {
                            done.complete(response.getVersion() + ":" + response.getCode());
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

                @Override
                public void close() {
                    client.close(CloseMode.GRACEFUL);
                }
            };
        });
    }
}
