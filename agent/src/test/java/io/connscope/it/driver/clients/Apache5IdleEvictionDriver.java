package io.connscope.it.driver.clients;

import io.connscope.it.driver.KeepAliveServer;
import io.connscope.it.driver.Watchdog;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;

import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * Apache HttpClient 5's pools closing connections on their own, classic or async ({@code args[0]}), each scenario
 * against a {@link KeepAliveServer} of its own that counts connections and requests:
 * <ul>
 *   <li>{@code evict}: one request, then the pool's {@code closeIdle} (what {@code evictIdleConnections} runs
 *       periodically) once the connection has been idle 200 ms;</li>
 *   <li>{@code ttl}: a time to live of 300 ms; one request, 400 ms later another: the pool finds the first
 *       connection expired when it leases it, closes it and opens a new one;</li>
 *   <li>{@code expired}: the same time to live; one request, then the pool's {@code closeExpired} 400 ms later.</li>
 * </ul>
 * Prints {@code RESULT scenario=NAME server_port=P connections=C requests=R closed=X}. Uses only API that 5.1 has.
 */
public final class Apache5IdleEvictionDriver {

    private Apache5IdleEvictionDriver() {
    }

    /** One pool and client of either kind. */
    private interface Pooled extends AutoCloseable {
        void get(String url) throws Exception;

        void closeIdle(TimeValue idle);

        void closeExpired();
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        boolean async = args[0].equals("async");
        for (String scenario : new String[] {"evict", "ttl", "expired"}) {
            TimeValue ttl = scenario.equals("evict") ? null : TimeValue.ofMilliseconds(300);
            try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", null)) {
                String url = "http://127.0.0.1:" + server.port() + "/";
                int expectClosed;
                try (Pooled client = async ? async(ttl) : classic(ttl)) {
                    client.get(url);
                    Thread.sleep(scenario.equals("evict") ? 200 : 400);
                    switch (scenario) {
                        case "evict":
                            client.closeIdle(TimeValue.ofMilliseconds(100));
                            expectClosed = 1;
                            break;
                        case "ttl":
                            client.get(url);
                            expectClosed = 1;
                            break;
                        default:
                            client.closeExpired();
                            expectClosed = 1;
                            break;
                    }
                    server.awaitClosed(expectClosed);
                    System.out.println("RESULT scenario=" + scenario + " server_port=" + server.port() + " connections="
                            + server.connections() + " requests=" + server.requests() + " closed=" + server.closed());
                }
                server.awaitClosed(server.connections());
            }
        }
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }

    @SuppressWarnings("deprecation")
    private static Pooled classic(TimeValue ttl) {
        PoolingHttpClientConnectionManagerBuilder builder = PoolingHttpClientConnectionManagerBuilder.create();
        if (ttl != null) {
            builder.setConnectionTimeToLive(ttl);
        }
        PoolingHttpClientConnectionManager pool = builder.build();
        CloseableHttpClient client = HttpClients.custom().setConnectionManager(pool).build();
        return new Pooled() {
            @Override
            public void get(String url) throws Exception {
                client.execute(new HttpGet(url), response -> {
                    EntityUtils.consume(response.getEntity());
                    return null;
                });
            }

            @Override
            public void closeIdle(TimeValue idle) {
                pool.closeIdle(idle);
            }

            @Override
            public void closeExpired() {
                pool.closeExpired();
            }

            @Override
            public void close() throws Exception {
                client.close();
            }
        };
    }

    @SuppressWarnings("deprecation")
    private static Pooled async(TimeValue ttl) {
        PoolingAsyncClientConnectionManagerBuilder builder = PoolingAsyncClientConnectionManagerBuilder.create();
        if (ttl != null) {
            builder.setConnectionTimeToLive(ttl);
        }
        PoolingAsyncClientConnectionManager pool = builder.build();
        CloseableHttpAsyncClient client = HttpAsyncClients.custom().setConnectionManager(pool).build();
        client.start();
        return new Pooled() {
            @Override
            public void get(String url) throws Exception {
                client.execute(new SimpleHttpRequest("GET", URI.create(url)), null).get(20, TimeUnit.SECONDS);
                // The response completes before the connection is back in the pool: wait until it is.
                long deadline = System.currentTimeMillis() + 5_000;
                while (pool.getTotalStats().getLeased() > 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(5);
                }
            }

            @Override
            public void closeIdle(TimeValue idle) {
                pool.closeIdle(idle);
            }

            @Override
            public void closeExpired() {
                pool.closeExpired();
            }

            @Override
            public void close() {
                client.close(CloseMode.GRACEFUL);
            }
        };
    }
}
