package io.connscope.it.driver.clients;

import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.util.EntityUtils;

/** Apache HttpClient 4.5.x ({@code PoolingHttpClientConnectionManager}) through the {@link ClientScenarios}. */
public final class Apache4Driver {

    private Apache4Driver() {
    }

    public static void main(String[] args) throws Exception {
        ClientScenarios.run(args, CloseableHttpClient.class, (maxPerRoute, tls, trust) -> {
            PoolingHttpClientConnectionManager pool = tls == null ? new PoolingHttpClientConnectionManager()
                    : new PoolingHttpClientConnectionManager(RegistryBuilder.<ConnectionSocketFactory>create()
                            .register("http", PlainConnectionSocketFactory.getSocketFactory())
                            .register("https", new SSLConnectionSocketFactory(tls))
                            .build());
            pool.setMaxTotal(maxPerRoute);
            pool.setDefaultMaxPerRoute(maxPerRoute);
            // Check a pooled connection before reusing it once it has been idle 100 ms (see Apache5ClassicDriver).
            pool.setValidateAfterInactivity(100);
            CloseableHttpClient client = HttpClients.custom()
                    .setConnectionManager(pool)
                    .setDefaultRequestConfig(RequestConfig.custom()
                            .setConnectionRequestTimeout(20_000)
                            .setConnectTimeout(5_000)
                            .setSocketTimeout(20_000)
                            .build())
                    .build();
            return new ThreadedClient() {
                @Override
                void blockingGet(String url) throws Exception {
                    client.execute(new HttpGet(url), response -> {
                        EntityUtils.consume(response.getEntity());
                        return null;
                    });
                }

                @Override
                void closeClient() throws Exception {
                    client.close();
                }
            };
        });
    }
}
