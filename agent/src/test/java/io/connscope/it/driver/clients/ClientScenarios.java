package io.connscope.it.driver.clients;

import io.connscope.it.driver.FreshPorts;
import io.connscope.it.driver.HttpServers;
import io.connscope.it.driver.KeepAliveServer;
import io.connscope.it.driver.Watchdog;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The scenarios every HTTP client library runs against its own {@link KeepAliveServer}, one server (one port)
 * per scenario, all in one JVM. Each prints {@code RESULT scenario=NAME server_port=P connections=C requests=R
 * closed=X}, the server's own counts. The driver of a library supplies a {@link Client}; its {@code main} passes
 * the scenario names (and {@code https=KEYSTORE}) on to {@link #run}.
 * <ul>
 *   <li>{@code sequential}: 5 GETs one after the other; the pool reuses one connection;</li>
 *   <li>{@code concurrent}: a pool of at most 2 connections per route, 6 GETs at once; the server holds its
 *       responses until 2 connections are open, so the pool has to queue the other 4 on them;</li>
 *   <li>{@code server-close}: 3 GETs; the server answers the 2nd with {@code Connection: close} and closes, so
 *       the 3rd gets a new connection;</li>
 *   <li>{@code idle-close}: a GET, then the server closes the idle connection (after 300 ms); once it has, a
 *       2nd GET;</li>
 *   <li>{@code https=KEYSTORE}: 3 GETs over TLS, the JDK's SSLSocket on both sides;</li>
 *   <li>{@code jdk}: against the JDK's {@code HttpServer} (in this JVM, so its side is traced too; the JVM runs with
 *       {@code -Dsun.net.httpserver.idleInterval=1 -Dsun.net.httpserver.clockTick=100}): {@code jdk-keepalive}, 5
 *       GETs on one connection; {@code jdk-close}, 3 GETs answered with {@code Connection: close};
 *       {@code jdk-idle}, a GET, then the server closes the idle connection after its 1 s idle interval, then
 *       a GET. These print {@code client_ports}, the client port of each request as the server's handler saw it;</li>
 *   <li>{@code nginx=I,C,P,R,U}: against nginx, which the test started with a server on each port:
 *       {@code nginx-idle} ({@code I}: {@code keepalive_timeout 1s}) a GET, then another once nginx closed the idle
 *       connection; {@code nginx-close} ({@code C}: {@code keepalive_timeout 0}, so every response says
 *       {@code Connection: close}) 3 GETs; {@code nginx-http10-upstream} ({@code P}: a proxy speaking HTTP/1.0 to a
 *       JDK HttpServer this JVM starts on port {@code U}) 5 GETs; {@code nginx-keepalive-requests} ({@code R}:
 *       {@code keepalive_requests 3}) 7 GETs. nginx's access log is their ground truth;</li>
 *   <li>{@code pool-state} (last: it leaves its connections open at exit): 2 GETs at once on 2 connections, then a
 *       3rd the server never answers, so at exit the pool holds one connection idle and one in use.</li>
 * </ul>
 * Every scenario closes its client at the end and waits (bounded) until the server saw every connection end, so
 * the connection records are final.
 */
public final class ClientScenarios {

    /** One HTTP client library, configured for one scenario. */
    public interface Client extends AutoCloseable {
        /** A GET whose response body is read to the end; completes when it has been. */
        CompletableFuture<Void> get(String url);

        /**
         * Returns once the connection of the last completed request is back in the pool (bounded): a client that
         * completes a request before it releases the connection would otherwise open a new one for the next.
         */
        default void settle() throws Exception {
        }
    }

    /**
     * Makes a client: at most {@code maxPerRoute} connections per route; for HTTPS, the JDK's TLS from
     * {@code tls}, trusting the server's certificate through {@code trust} (both null: plain HTTP only).
     */
    public interface Factory {
        Client create(int maxPerRoute, SSLContext tls, X509TrustManager trust) throws Exception;
    }

    public static final int MAX_PER_ROUTE = 2;

    private ClientScenarios() {
    }

    /** The ports of an {@code nginx=I,C,P,R,U} argument, in that order. */
    private static int[] nginxPorts(String arg) {
        return Arrays.stream(arg.substring("nginx=".length()).split(",")).mapToInt(Integer::parseInt).toArray();
    }

    public static void run(String[] args, Class<?> libraryClass, Factory factory) throws Exception {
        Watchdog.start(50_000);
        // Which jar the library came from: the test checks it is the version it asked for.
        System.out.println("RESULT library_jar="
                + libraryClass.getProtectionDomain().getCodeSource().getLocation().getPath().replaceAll(".*/", ""));
        for (String arg : args) {
            if (arg.startsWith("nginx=")) {
                // The upstream's port is bound here only later: no scenario's own server may take it first, or after.
                for (int port : nginxPorts(arg)) {
                    FreshPorts.reserve(port);
                }
            }
        }
        for (String arg : args) {
            if (arg.startsWith("https=")) {
                https(factory, arg.substring("https=".length()));
                continue;
            }
            if (arg.startsWith("nginx=")) {
                int[] p = nginxPorts(arg);
                nginxIdle(factory, p[0]);
                repeat(factory, "nginx-close", p[1], 3, 1);
                nginxHttp10Upstream(factory, p[2], p[4]);
                repeat(factory, "nginx-keepalive-requests", p[3], 7, 3);
                continue;
            }
            switch (arg) {
                case "sequential":
                    sequential(factory);
                    break;
                case "concurrent":
                    concurrent(factory);
                    break;
                case "server-close":
                    serverClose(factory);
                    break;
                case "idle-close":
                    idleClose(factory);
                    break;
                case "jdk":
                    jdkKeepAlive(factory);
                    jdkClose(factory);
                    jdkIdle(factory);
                    break;
                case "pool-state":
                    poolState(factory);
                    break;
                default:
                    throw new IllegalArgumentException(arg);
            }
        }
        System.out.println("DONE");
        System.out.flush();
        // Non-daemon threads of a library (an async client's reactor, OkHttp's) must not keep the JVM alive.
        System.exit(0);
    }

    private static void sequential(Factory factory) throws Exception {
        try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", null)) {
            try (Client client = factory.create(MAX_PER_ROUTE, null, null)) {
                for (int i = 0; i < 5; i++) {
                    await(client.get(url("http", server)));
                    settle(client, server.port());
                }
            }
            finish("sequential", server, 1);
        }
    }

    private static void concurrent(Factory factory) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", release)) {
            try (Client client = factory.create(MAX_PER_ROUTE, null, null)) {
                List<CompletableFuture<Void>> calls = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    calls.add(client.get(url("http", server)));
                }
                // Responses wait until the pool has opened as many connections as it may; then a moment for
                // any connection beyond its limit to show up too.
                server.awaitConnections(MAX_PER_ROUTE);
                Thread.sleep(200);
                release.countDown();
                for (CompletableFuture<Void> call : calls) {
                    await(call);
                }
            }
            finish("concurrent", server, server.connections());
        }
    }

    private static void serverClose(Factory factory) throws Exception {
        try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", null).closeOnRequest(2)) {
            try (Client client = factory.create(MAX_PER_ROUTE, null, null)) {
                for (int i = 0; i < 3; i++) {
                    await(client.get(url("http", server)));
                    if (i == 1) {
                        settleClosed(client, server.port());
                    } else {
                        settle(client, server.port());
                    }
                }
            }
            finish("server-close", server, 2);
        }
    }

    private static void idleClose(Factory factory) throws Exception {
        try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", null).idleClose(300)) {
            try (Client client = factory.create(MAX_PER_ROUTE, null, null)) {
                await(client.get(url("http", server)));
                client.settle();
                server.awaitClosed(1);
                // The FIN is on its way to the client (an async client's reactor closes the connection on it).
                Thread.sleep(300);
                await(client.get(url("http", server)));
            }
            finish("idle-close", server, 2);
        }
    }

    private static void https(Factory factory, String keystore) throws Exception {
        SSLContext tls = KeepAliveServer.tls(keystore);
        try (KeepAliveServer server = new KeepAliveServer(tls, "timeout=60", null)) {
            try (Client client = factory.create(MAX_PER_ROUTE, tls, trust(keystore))) {
                for (int i = 0; i < 3; i++) {
                    await(client.get(url("https", server)));
                    settle(client, server.port());
                }
            }
            finish("https", server, 1);
        }
    }

    // -- against the JDK's HttpServer --

    private static void jdkKeepAlive(Factory factory) throws Exception {
        HttpServers.Server server = new HttpServers.Server();
        try (Client client = factory.create(MAX_PER_ROUTE, null, null)) {
            for (int i = 0; i < 5; i++) {
                await(client.get(url(server.port())));
                settle(client, server.port());
            }
        }
        finish("jdk-keepalive", server);
    }

    private static void jdkClose(Factory factory) throws Exception {
        HttpServers.Server server = new HttpServers.Server().closeEach();
        try (Client client = factory.create(MAX_PER_ROUTE, null, null)) {
            for (int i = 0; i < 3; i++) {
                await(client.get(url(server.port())));
                settleClosed(client, server.port());
            }
        }
        finish("jdk-close", server);
    }

    private static void jdkIdle(Factory factory) throws Exception {
        HttpServers.Server server = new HttpServers.Server();
        try (Client client = factory.create(MAX_PER_ROUTE, null, null)) {
            await(client.get(url(server.port())));
            client.settle();
            awaitPeerClosed(server.port());
            await(client.get(url(server.port())));
        }
        finish("jdk-idle", server);
    }

    /** Once every connection to the server has ended in the kernel, prints what the server's handler saw. */
    private static void finish(String scenario, HttpServers.Server server) throws Exception {
        HttpServers.await(5000, () -> {
            java.util.Set<String> states = HttpServers.statesOnLocalPort(server.port());
            return !states.contains("01") && !states.contains("08");
        });
        server.stop();
        System.out.println("RESULT scenario=" + scenario + " server_port=" + server.port() + " connections="
                + server.distinctClientPorts() + " requests=" + server.clientPorts().size() + " client_ports="
                + server.clientPortsText() + " versions=" + server.versionsText());
    }

    /**
     * Waits (bounded) until the server has closed this JVM's idle connection to {@code port} (no row of ours is
     * established any more), then a moment for the FIN to reach the client (an async client's reactor closes it).
     */
    private static void awaitPeerClosed(int port) throws Exception {
        HttpServers.await(5000, () -> !HttpServers.statesOnRemotePort(port).contains("01"));
        Thread.sleep(300);
    }

    // -- against nginx --

    private static void nginxIdle(Factory factory, int port) throws Exception {
        try (Client client = factory.create(MAX_PER_ROUTE, null, null)) {
            await(client.get(url(port)));
            client.settle();
            awaitPeerClosed(port);
            await(client.get(url(port)));
        }
        nginxFinish("nginx-idle", port);
    }

    /** {@code requests} calls in a row; the server closes each connection after {@code closesAfter} (0: never). */
    private static void repeat(Factory factory, String scenario, int port, int requests, int closesAfter)
            throws Exception {
        try (Client client = factory.create(MAX_PER_ROUTE, null, null)) {
            for (int i = 1; i <= requests; i++) {
                await(client.get(url(port)));
                if (closesAfter > 0 && i % closesAfter == 0) {
                    settleClosed(client, port);
                } else {
                    settle(client, port);
                }
            }
        }
        nginxFinish(scenario, port);
    }

    private static void nginxHttp10Upstream(Factory factory, int port, int upstreamPort) throws Exception {
        HttpServers.Server upstream = new HttpServers.Server(upstreamPort);
        repeat(factory, "nginx-http10-upstream", port, 5, 0);
        finish("nginx-http10-upstream-server", upstream);
    }

    /** Once none of this JVM's connections to nginx's {@code port} is established any more, prints the port. */
    private static void nginxFinish(String scenario, int port) throws Exception {
        HttpServers.await(5000, () -> !HttpServers.statesOnRemotePort(port).contains("01"));
        System.out.println("RESULT scenario=" + scenario + " server_port=" + port);
    }

    private static void poolState(Factory factory) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        KeepAliveServer server = new KeepAliveServer(null, "timeout=60", release).holdFrom(3);
        Client client = factory.create(MAX_PER_ROUTE, null, null);
        List<CompletableFuture<Void>> calls = List.of(client.get(url("http", server)), client.get(url("http", server)));
        server.awaitConnections(MAX_PER_ROUTE);
        release.countDown();
        for (CompletableFuture<Void> call : calls) {
            await(call);
        }
        client.settle();
        client.get(url("http", server)); // never answered: in use at exit
        server.awaitRequests(3);
        System.out.println("RESULT scenario=pool-state server_port=" + server.port() + " connections="
                + server.connections() + " requests=" + server.requests());
    }

    /**
     * Waits (bounded) until the client is done with the last response's connection: back in its pool, and closed
     * if the server closed it first (no {@code CLOSE_WAIT} left).
     */
    private static void settle(Client client, int port) throws Exception {
        client.settle();
        HttpServers.await(2000, () -> !HttpServers.statesOnRemotePort(port).contains("08"));
    }

    /**
     * {@link #settle} after a response that ends its connection ({@code Connection: close}): waits until the
     * client's end is closed, whichever side closes first. Apache HttpClient 5.1's async client hands such a
     * connection back to its pool before its reactor closes it; a request in between leases the closing connection
     * and fails. When the client closes before the server's FIN arrives, no {@code CLOSE_WAIT} is ever seen, so
     * waiting for that alone is not enough.
     */
    private static void settleClosed(Client client, int port) throws Exception {
        client.settle();
        HttpServers.await(2000, () -> {
            java.util.Set<String> states = HttpServers.statesOnRemotePort(port);
            return !states.contains("01") && !states.contains("08");
        });
    }

    private static String url(int port) {
        return "http://127.0.0.1:" + port + "/";
    }

    private static X509TrustManager trust(String keystore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Paths.get(keystore))) {
            ks.load(in, "changeit".toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }

    private static String url(String scheme, KeepAliveServer server) {
        return scheme + "://127.0.0.1:" + server.port() + "/";
    }

    private static void await(CompletableFuture<Void> call) throws Exception {
        call.get(20, TimeUnit.SECONDS);
    }

    /** Waits (bounded) until the server saw {@code closed} connections end, then prints its counts. */
    private static void finish(String scenario, KeepAliveServer server, int closed) throws Exception {
        server.awaitClosed(closed);
        System.out.println("RESULT scenario=" + scenario + " server_port=" + server.port() + " connections="
                + server.connections() + " requests=" + server.requests() + " closed=" + server.closed());
    }
}
