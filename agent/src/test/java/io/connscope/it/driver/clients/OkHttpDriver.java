package io.connscope.it.driver.clients;

import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * OkHttp 4.x and 5.x through the {@link ClientScenarios}: calls are enqueued, so the {@link Dispatcher}'s
 * {@code maxRequestsPerHost} bounds the connections per host (OkHttp's {@link ConnectionPool} bounds only idle
 * ones); HTTPS on the JDK's TLS ({@code SSLSocket}).
 */
public final class OkHttpDriver {

    private OkHttpDriver() {
    }

    public static void main(String[] args) throws Exception {
        ClientScenarios.run(args, OkHttpClient.class, (maxPerRoute, tls, trust) -> {
            Dispatcher dispatcher = new Dispatcher();
            dispatcher.setMaxRequestsPerHost(maxPerRoute);
            OkHttpClient.Builder builder = new OkHttpClient.Builder()
                    .dispatcher(dispatcher)
                    .connectionPool(new ConnectionPool(5, 5, TimeUnit.MINUTES))
                    .protocols(List.of(Protocol.HTTP_1_1))
                    .connectTimeout(5, TimeUnit.SECONDS)
                    .readTimeout(20, TimeUnit.SECONDS)
                    .writeTimeout(20, TimeUnit.SECONDS);
            if (tls != null) {
                builder.sslSocketFactory(tls.getSocketFactory(), trust);
            }
            OkHttpClient client = builder.build();
            return new ClientScenarios.Client() {
                @Override
                public CompletableFuture<Void> get(String url) {
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    client.newCall(new Request.Builder().url(url).build()).enqueue(new Callback() {
                        @Override
                        public void onFailure(Call call, IOException e) {
                            done.completeExceptionally(e);
                        }

                        @Override
                        public void onResponse(Call call, Response response) {
                            try (ResponseBody body = response.body()) {
                                body.string();
                                done.complete(null);
                            } catch (Throwable t) {
                                done.completeExceptionally(t);
                            }
                        }
                    });
                    return done;
                }

                @Override
                public void close() {
                    client.dispatcher().executorService().shutdown();
                    client.connectionPool().evictAll();
                }
            };
        });
    }
}
