package io.connscope.it.driver.clients;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.SSLConnectionSocketFactory;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Apache HttpClient 5.x classic (blocking, {@code PoolingHttpClientConnectionManager}) through the
 * {@link ClientScenarios}. Uses only API that 5.1 already has (some of it deprecated in later 5.x).
 */
public final class Apache5ClassicDriver {

    private Apache5ClassicDriver() {
    }

    @SuppressWarnings("deprecation")
    public static void main(String[] args) throws Exception {
        ClientScenarios.run(args, CloseableHttpClient.class, (maxPerRoute, tls, trust) -> {
            PoolingHttpClientConnectionManagerBuilder pool = PoolingHttpClientConnectionManagerBuilder.create()
                    .setMaxConnPerRoute(maxPerRoute)
                    .setMaxConnTotal(maxPerRoute)
                    // Check a pooled connection before reusing it once it has been idle 100 ms: a connection the
                    // server closed is then found stale and closed, not used.
                    .setValidateAfterInactivity(TimeValue.ofMilliseconds(100));
            if (tls != null) {
                pool.setSSLSocketFactory(new SSLConnectionSocketFactory(tls));
            }
            CloseableHttpClient client = HttpClients.custom()
                    .setConnectionManager(pool.build())
                    .setDefaultRequestConfig(RequestConfig.custom()
                            .setConnectionRequestTimeout(Timeout.ofSeconds(20))
                            .setResponseTimeout(Timeout.ofSeconds(20))
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
