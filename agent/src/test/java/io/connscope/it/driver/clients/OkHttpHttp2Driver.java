package io.connscope.it.driver.clients;

import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * OkHttp 4.x and 5.x through the {@link Http2Scenarios}: h2 (then HTTP/1.1) offered by ALPN on the JDK's TLS
 * ({@code SSLSocket}), calls enqueued, the {@link Dispatcher} allowing 16 at once per host (its default, 5, would
 * hold back the concurrent scenario's 8 before OkHttp's HTTP/2 stream limit does).
 */
public final class OkHttpHttp2Driver {

    private OkHttpHttp2Driver() {
    }

    public static void main(String[] args) throws Exception {
        Http2Scenarios.run(args, OkHttpClient.class, (tls, trust) -> {
            Dispatcher dispatcher = new Dispatcher();
            dispatcher.setMaxRequestsPerHost(16);
            // OkHttp's own count of the connections it set up (TCP, TLS and the protocol chosen), used or not.
            AtomicInteger connects = new AtomicInteger();
            OkHttpClient client = new OkHttpClient.Builder()
                    .dispatcher(dispatcher)
                    .connectionPool(new ConnectionPool(5, 5, TimeUnit.MINUTES))
                    .protocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1))
                    .sslSocketFactory(tls.getSocketFactory(), trust)
                    .connectTimeout(5, TimeUnit.SECONDS)
                    .readTimeout(20, TimeUnit.SECONDS)
                    .writeTimeout(20, TimeUnit.SECONDS)
                    .eventListener(new EventListener() {
                        @Override
                        public void connectEnd(Call call, InetSocketAddress address, Proxy proxy, Protocol protocol) {
                            connects.incrementAndGet();
                        }
                    })
                    .build();
            return new Http2Scenarios.Client() {
                @Override
                public CompletableFuture<String> get(String url) {
                    CompletableFuture<String> done = new CompletableFuture<>();
                    client.newCall(new Request.Builder().url(url).build()).enqueue(new Callback() {
                        @Override
                        public void onFailure(Call call, IOException e) {
                            done.completeExceptionally(e);
                        }

                        @Override
                        public void onResponse(Call call, Response response) {
                            try (ResponseBody body = response.body()) {
                                body.string();
                                done.complete(response.protocol() + ":" + response.code());
                            } catch (Throwable t) {
                                done.completeExceptionally(t);
                            }
                        }
                    });
                    return done;
                }

                @Override
                public int connects() {
                    return connects.get();
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
