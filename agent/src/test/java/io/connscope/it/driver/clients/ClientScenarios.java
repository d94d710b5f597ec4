package io.connscope.it.driver.clients;

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
 *   <li>{@code https=KEYSTORE}: 3 GETs over TLS, the JDK's SSLSocket on both sides.</li>
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

    public static void run(String[] args, Class<?> libraryClass, Factory factory) throws Exception {
        Watchdog.start(50_000);
        // Which jar the library came from: the test checks it is the version it asked for.
        System.out.println("RESULT library_jar="
                + libraryClass.getProtectionDomain().getCodeSource().getLocation().getPath().replaceAll(".*/", ""));
        for (String arg : args) {
            if (arg.startsWith("https=")) {
                https(factory, arg.substring("https=".length()));
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
                    client.settle();
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
                    client.settle();
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
                    client.settle();
                }
            }
            finish("https", server, 1);
        }
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
