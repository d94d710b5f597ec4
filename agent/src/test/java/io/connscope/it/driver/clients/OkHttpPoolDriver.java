package io.connscope.it.driver.clients;

import io.connscope.it.driver.KeepAliveServer;
import io.connscope.it.driver.Watchdog;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * OkHttp's pool sweeping idle connections: a pool that keeps 1 idle connection for 1 s, two requests at once
 * (two connections). When both are idle the sweep closes one at once because only one may stay idle, and the
 * other a second later because it sat idle too long. Prints {@code RESULT scenario=sweep ...} when the server has
 * seen both end.
 */
public final class OkHttpPoolDriver {

    private OkHttpPoolDriver() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        CountDownLatch release = new CountDownLatch(1);
        try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", release)) {
            Dispatcher dispatcher = new Dispatcher();
            OkHttpClient client = new OkHttpClient.Builder()
                    .dispatcher(dispatcher)
                    .connectionPool(new ConnectionPool(1, 1, TimeUnit.SECONDS))
                    .protocols(List.of(Protocol.HTTP_1_1))
                    .readTimeout(20, TimeUnit.SECONDS)
                    .build();
            Request request = new Request.Builder().url("http://127.0.0.1:" + server.port() + "/").build();
            ExecutorService callers = Executors.newFixedThreadPool(2);
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                calls.add(callers.submit(() -> {
                    try (Response response = client.newCall(request).execute()) {
                        response.body().string();
                    }
                    return null;
                }));
            }
            server.awaitConnections(2);
            release.countDown();
            for (Future<?> f : calls) {
                f.get(20, TimeUnit.SECONDS);
            }
            callers.shutdown();
            server.awaitClosed(2);
            System.out.println("RESULT scenario=sweep server_port=" + server.port() + " connections="
                    + server.connections() + " closed=" + server.closed());
            dispatcher.executorService().shutdown();
        }
        System.out.println("DONE");
    }
}
