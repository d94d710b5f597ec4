package io.connscope.bench.spring;

import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * The benchmark suite's Spring Boot application (Tomcat): {@code GET /} answers "Hello there!"; {@code GET /call}
 * asks the downstream server ({@code --downstream=http://127.0.0.1:PORT/}, nginx in the suite) through a
 * {@link RestClient} on Apache HttpClient 5 with a pooling connection manager, and answers with the length of what
 * it got. Prints {@code serving http://127.0.0.1:PORT/ cpu_ms=N} once Tomcat listens, N the CPU time its process
 * has used until then.
 */
@SpringBootApplication
@RestController
public class SpringHello {

    /** Connections the pool keeps per route: more than the 8 requests {@code wrk -c8} keeps in flight. */
    static final int POOL_PER_ROUTE = 16;

    private final RestClient downstream;

    public SpringHello(@Value("${downstream:http://127.0.0.1:1/}") String downstream) {
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnPerRoute(POOL_PER_ROUTE)
                .setMaxConnTotal(POOL_PER_ROUTE)
                .build();
        CloseableHttpClient client = HttpClients.custom().setConnectionManager(pool).build();
        this.downstream = RestClient.builder()
                .requestFactory(new HttpComponentsClientHttpRequestFactory(client))
                .baseUrl(downstream)
                .build();
    }

    public static void main(String[] args) {
        SpringApplication.run(SpringHello.class, args);
    }

    @GetMapping("/")
    public String hello() {
        return "Hello there!";
    }

    @GetMapping("/call")
    public String call() {
        String body = downstream.get().retrieve().body(String.class);
        return "downstream " + (body == null ? 0 : body.length());
    }

    @EventListener
    public void serving(WebServerInitializedEvent event) {
        // The process's CPU time (all its threads, as the kernel counts it), not the time since it started: the
        // benchmark starts its JVMs on one CPU one after the other, and one still compiling would slow the next.
        long cpuMillis = ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toMillis)
                .orElse(-1L);
        System.out.println("serving http://127.0.0.1:" + event.getWebServer().getPort() + "/ cpu_ms=" + cpuMillis);
        System.out.flush();
    }
}
