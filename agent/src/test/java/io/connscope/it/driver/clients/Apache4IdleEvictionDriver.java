package io.connscope.it.driver.clients;

import io.connscope.it.driver.KeepAliveServer;
import io.connscope.it.driver.Watchdog;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.util.EntityUtils;

import java.util.concurrent.TimeUnit;

/**
 * Apache HttpClient 4.5's pool closing connections on its own, the scenarios of {@link Apache5IdleEvictionDriver}:
 * {@code evict} ({@code closeIdleConnections}, what {@code IdleConnectionEvictor} runs), {@code ttl} (a time to
 * live of 300 ms found expired on lease) and {@code expired} ({@code closeExpiredConnections}).
 */
public final class Apache4IdleEvictionDriver {

    private Apache4IdleEvictionDriver() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        for (String scenario : new String[] {"evict", "ttl", "expired"}) {
            try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", null)) {
                String url = "http://127.0.0.1:" + server.port() + "/";
                PoolingHttpClientConnectionManager pool = scenario.equals("evict") ? new PoolingHttpClientConnectionManager()
                        : new PoolingHttpClientConnectionManager(300, TimeUnit.MILLISECONDS);
                try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(pool).build()) {
                    get(client, url);
                    Thread.sleep(scenario.equals("evict") ? 200 : 400);
                    switch (scenario) {
                        case "evict":
                            pool.closeIdleConnections(100, TimeUnit.MILLISECONDS);
                            break;
                        case "ttl":
                            get(client, url);
                            break;
                        default:
                            pool.closeExpiredConnections();
                            break;
                    }
                    server.awaitClosed(1);
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

    private static void get(CloseableHttpClient client, String url) throws Exception {
        try (CloseableHttpResponse response = client.execute(new HttpGet(url))) {
            EntityUtils.consume(response.getEntity());
        }
    }
}
