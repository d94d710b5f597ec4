package io.connscope.it.driver;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * HttpURLConnection against a small HTTP/1.1 keep-alive server of its own (plain or TLS through
 * {@code SSLServerSocket}), for the pool and TLS tests. Prints {@code RESULT key=value ...} lines.
 * <ul>
 *   <li>{@code pool-full}: run with {@code -Dhttp.maxConnections=2}: 4 requests at once (4 connections), then 2
 *       sequential ones, which reuse the 2 connections the pool kept;</li>
 *   <li>{@code idle-timeout}: the server says {@code Keep-Alive: timeout=1}; one request, then wait until the
 *       server sees the client close the idle connection;</li>
 *   <li>{@code https KEYSTORE}: 3 sequential HTTPS requests over the JDK's SSLSocket on both sides;</li>
 *   <li>{@code https-engine KEYSTORE}: 4 HTTPS requests from the JDK HttpClient to the JDK HttpsServer, both
 *       on SSLEngine;</li>
 *   <li>{@code httpclient-idle}: run with {@code -Djdk.httpclient.keepalive.timeout=2}: 3 requests with the JDK
 *       HttpClient, then wait until its pool closes the idle connection.</li>
 * </ul>
 */
public final class PoolScenarios {

    private PoolScenarios() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        switch (args[0]) {
            case "pool-full":
                poolFull();
                break;
            case "idle-timeout":
                idleTimeout();
                break;
            case "https":
                https(args[1]);
                break;
            case "httpclient-idle":
                httpClientIdle();
                break;
            case "https-engine":
                httpsEngine(args[1]);
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
        System.out.println("DONE");
    }

    private static void poolFull() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", release)) {
            URL url = new URL("http://127.0.0.1:" + server.port() + "/");
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(pool.submit(() -> get(url)));
            }
            // All four connections are open before any response: the pool cannot reuse one.
            server.awaitConnections(4);
            release.countDown();
            for (Future<?> f : calls) {
                f.get(20, TimeUnit.SECONDS);
            }
            pool.shutdown();
            // Four connections went back to a pool that keeps two: it closed two. The server sees them end.
            server.awaitClosed(2);
            get(url);
            get(url);
            System.out.println("RESULT scenario=pool-full server_port=" + server.port() + " connections="
                    + server.connections() + " closed=" + server.closed());
        }
    }

    private static void idleTimeout() throws Exception {
        try (KeepAliveServer server = new KeepAliveServer(null, "timeout=1", null)) {
            URL url = new URL("http://127.0.0.1:" + server.port() + "/");
            get(url);
            // The Keep-Alive-Timer closes idle connections on its 5 s round: wait for it, bounded.
            server.awaitClosed(1);
            System.out.println("RESULT scenario=idle-timeout server_port=" + server.port() + " connections="
                    + server.connections() + " closed=" + server.closed());
        }
    }

    /**
     * Run with -Djdk.httpclient.keepalive.timeout=2: three requests, then the pool's purge closes the connection.
     * (With 1 s the JDK's pool was seen closing an idle connection after 17 ms, between two sequential requests.)
     */
    private static void httpClientIdle() throws Exception {
        try (KeepAliveServer server = new KeepAliveServer(null, "timeout=60", null)) {
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                    .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
            java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + server.port() + "/")).timeout(java.time.Duration.ofSeconds(20)).build();
            for (int i = 0; i < 3; i++) {
                client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
            }
            server.awaitClosed(1);
            System.out.println("RESULT scenario=httpclient-idle server_port=" + server.port() + " connections="
                    + server.connections() + " closed=" + server.closed());
        }
    }

    /** The JDK HttpsServer and HttpClient, both over SSLEngine: 4 sequential HTTPS requests, HTTP/1.1. */
    private static void httpsEngine(String keystore) throws Exception {
        SSLContext tls = KeepAliveServer.tls(keystore);
        com.sun.net.httpserver.HttpsServer server = com.sun.net.httpserver.HttpsServer.create(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
        List<Integer> clientPorts = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.createContext("/", exchange -> {
            clientPorts.add(exchange.getRemoteAddress().getPort());
            byte[] body = "Hello there!".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                    .version(java.net.http.HttpClient.Version.HTTP_1_1).sslContext(tls).build();
            java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    "https://127.0.0.1:" + server.getAddress().getPort() + "/")).timeout(java.time.Duration.ofSeconds(20)).build();
            for (int i = 0; i < 4; i++) {
                client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
            }
            System.out.println("RESULT scenario=https-engine server_port=" + server.getAddress().getPort()
                    + " connections=" + new java.util.HashSet<>(clientPorts).size() + " requests=" + clientPorts.size());
        } finally {
            server.stop(0);
        }
    }

    private static void https(String keystore) throws Exception {
        SSLContext tls = KeepAliveServer.tls(keystore);
        try (KeepAliveServer server = new KeepAliveServer(tls, "timeout=60", null)) {
            URL url = new URL("https://127.0.0.1:" + server.port() + "/");
            // One factory for all: HttpURLConnection's pool keys connections by it.
            javax.net.ssl.SSLSocketFactory factory = tls.getSocketFactory();
            for (int i = 0; i < 3; i++) {
                HttpsURLConnection c = (HttpsURLConnection) url.openConnection();
                c.setSSLSocketFactory(factory);
                read(c);
            }
            System.out.println("RESULT scenario=https server_port=" + server.port() + " connections=" + server.connections());
        }
    }

    private static Void get(URL url) throws IOException {
        read((HttpURLConnection) url.openConnection());
        return null;
    }

    private static void read(HttpURLConnection c) throws IOException {
        c.setConnectTimeout(5_000);
        c.setReadTimeout(20_000);
        try (InputStream in = c.getInputStream()) {
            in.readAllBytes();
        }
    }
}
