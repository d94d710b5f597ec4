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
 * Apache HttpClient 4.5 evicting an idle connection: one request, then the pool's {@code closeIdleConnections}
 * (what {@code IdleConnectionEvictor} runs periodically) once the connection has been idle 200 ms.
 */
public final class Apache4IdleEvictionDriver {

    private Apache4IdleEvictionDriver() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", null)) {
            PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager();
            try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(pool).build()) {
                try (CloseableHttpResponse response = client.execute(new HttpGet("http://127.0.0.1:" + server.port() + "/"))) {
                    EntityUtils.consume(response.getEntity());
                }
                Thread.sleep(200);
                pool.closeIdleConnections(100, TimeUnit.MILLISECONDS);
                server.awaitClosed(1);
                System.out.println("RESULT scenario=evict server_port=" + server.port() + " connections="
                        + server.connections() + " closed=" + server.closed());
            }
        }
        System.out.println("DONE");
    }
}
