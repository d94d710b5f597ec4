package io.connscope.it.driver.clients;

import io.connscope.it.driver.KeepAliveServer;
import io.connscope.it.driver.Watchdog;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.TimeValue;

/**
 * Apache HttpClient 5 classic evicting an idle connection: one request, then the pool's {@code closeIdle} (what
 * {@code evictIdleConnections} runs periodically) once the connection has been idle 200 ms.
 */
public final class Apache5IdleEvictionDriver {

    private Apache5IdleEvictionDriver() {
    }

    @SuppressWarnings("deprecation")
    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", null)) {
            PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create().build();
            try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(pool).build()) {
                client.execute(new HttpGet("http://127.0.0.1:" + server.port() + "/"), response -> {
                    EntityUtils.consume(response.getEntity());
                    return null;
                });
                Thread.sleep(200);
                pool.closeIdle(TimeValue.ofMilliseconds(100));
                server.awaitClosed(1);
                System.out.println("RESULT scenario=evict server_port=" + server.port() + " connections="
                        + server.connections() + " closed=" + server.closed());
            }
        }
        System.out.println("DONE");
    }
}
