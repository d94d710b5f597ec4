package io.connscope.it.driver.clients;

import io.connscope.it.driver.KeepAliveServer;
import io.connscope.it.driver.Watchdog;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Reactor Netty's pool closing connections by its limits, one provider per limit, each against its own server
 * (which keeps idle connections for 60 s): a GET, a pause past the limit, another GET. Reactor Netty checks the
 * limits when a connection is acquired (and released), so the second GET finds the first connection past its
 * limit, the pool closes it and opens another; disposing the provider closes that one, once it is past the limit
 * too.
 * <ul>
 *   <li>{@code idle-limit}: {@code maxIdleTime} 300 ms, a pause of 700 ms;</li>
 *   <li>{@code life-limit}: {@code maxLifeTime} 500 ms and no idle limit, a pause of 700 ms.</li>
 * </ul>
 * Prints {@code RESULT scenario=NAME server_port=P connections=C requests=R closed=X} per provider.
 */
public final class ReactorNettyPoolDriver {

    private ReactorNettyPoolDriver() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        LoopResources loops = LoopResources.create("rn-client", 1, true);
        run("idle-limit", ConnectionProvider.builder("idle-limit").maxConnections(2).maxIdleTime(Duration.ofMillis(300)), loops);
        run("life-limit", ConnectionProvider.builder("life-limit").maxConnections(2).maxLifeTime(Duration.ofMillis(500)), loops);
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
        System.out.println("DONE");
    }

    private static void run(String scenario, ConnectionProvider.Builder builder, LoopResources loops) throws Exception {
        try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", null)) {
            ConnectionProvider provider = builder.build();
            HttpClient http = HttpClient.create(provider).runOn(loops, false);
            String url = "http://127.0.0.1:" + server.port() + "/";
            http.get().uri(url).responseContent().aggregate().asString().toFuture().get(20, TimeUnit.SECONDS);
            Thread.sleep(700);
            http.get().uri(url).responseContent().aggregate().asString().toFuture().get(20, TimeUnit.SECONDS);
            server.awaitClosed(1);
            // Past the limit too by now: the provider's disposal closes it, not the limit (nothing evicts in the
            // background, and no acquire or release comes to check it).
            Thread.sleep(700);
            provider.disposeLater().block(Duration.ofSeconds(10));
            server.awaitClosed(2);
            System.out.println("RESULT scenario=" + scenario + " server_port=" + server.port() + " connections="
                    + server.connections() + " requests=" + server.requests() + " closed=" + server.closed());
        }
    }
}
