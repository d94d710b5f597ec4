package io.connscope.it.driver.clients;

import com.sun.net.httpserver.HttpServer;
import io.connscope.it.driver.Watchdog;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP/2 scenarios an HTTP client library runs against nginx over TLS (h2 by ALPN), one nginx server block
 * (one port) per scenario, each with a fresh client. The test started nginx; its access log is the ground truth.
 * Each scenario prints {@code RESULT scenario=NAME port=P responses=N answers=PROTOCOL:STATUS,... failures=F},
 * what the library itself received, and {@code connects=C}, the connections it says it opened (-1: it does not say).
 * <ul>
 *   <li>{@code sequential}: 10 GETs one after the other;</li>
 *   <li>{@code goaway} (nginx {@code keepalive_requests 3}): 7 GETs one after the other;</li>
 *   <li>{@code idle} (nginx {@code keepalive_timeout 1s}): a GET, 2.5 s idle, a GET;</li>
 *   <li>{@code concurrent} (nginx {@code http2_max_concurrent_streams 4}, proxying to a JDK {@code HttpServer} in
 *       this JVM that answers after 300 ms): a GET, then 8 at once. Also prints {@code upstream_max_concurrent},
 *       the most requests the upstream handled at once.</li>
 * </ul>
 * Arguments: {@code cert=PEM} (the only certificate trusted), then {@code sequential=PORT}, {@code goaway=PORT},
 * {@code idle=PORT}, {@code concurrent=PORT:UPSTREAM_PORT} in the order to run them.
 */
public final class Http2Scenarios {

    /** One client library, with one fresh client per scenario. */
    public interface Client extends AutoCloseable {
        /** A GET whose body is read to the end; completes with {@code PROTOCOL:STATUS} as the library saw them. */
        CompletableFuture<String> get(String url);

        /** TCP connections the library opened (and set up) so far, by its own account, or -1 when it does not tell. */
        default int connects() {
            return -1;
        }
    }

    public interface Factory {
        Client create(SSLContext tls, X509TrustManager trust) throws Exception;
    }

    private Http2Scenarios() {
    }

    public static void run(String[] args, Class<?> libraryClass, Factory factory) throws Exception {
        Watchdog.start(50_000);
        System.out.println("RESULT library_jar="
                + libraryClass.getProtectionDomain().getCodeSource().getLocation().getPath().replaceAll(".*/", ""));
        SSLContext tls = null;
        X509TrustManager trust = null;
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "cert":
                    KeyStore store = KeyStore.getInstance("PKCS12");
                    store.load(null, null);
                    try (InputStream in = Files.newInputStream(Paths.get(kv[1]))) {
                        store.setCertificateEntry("nginx", CertificateFactory.getInstance("X.509").generateCertificate(in));
                    }
                    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                    tmf.init(store);
                    trust = (X509TrustManager) tmf.getTrustManagers()[0];
                    tls = SSLContext.getInstance("TLS");
                    tls.init(null, new X509TrustManager[] {trust}, null);
                    break;
                case "sequential":
                    sequential(factory.create(tls, trust), "sequential", Integer.parseInt(kv[1]), 10);
                    break;
                case "goaway":
                    sequential(factory.create(tls, trust), "goaway", Integer.parseInt(kv[1]), 7);
                    break;
                case "idle":
                    idle(factory.create(tls, trust), Integer.parseInt(kv[1]));
                    break;
                case "concurrent":
                    String[] ports = kv[1].split(":");
                    concurrent(factory.create(tls, trust), Integer.parseInt(ports[0]), Integer.parseInt(ports[1]));
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

    private static String url(int port) {
        return "https://127.0.0.1:" + port + "/";
    }

    private static void sequential(Client client, String name, int port, int n) throws Exception {
        List<String> answers = new ArrayList<>();
        int failures = 0;
        int connects;
        try (Client c = client) {
            for (int i = 0; i < n; i++) {
                try {
                    answers.add(c.get(url(port)).get(20, TimeUnit.SECONDS));
                } catch (Exception e) {
                    failures++;
                    System.out.println("FAILURE scenario=" + name + " request=" + (i + 1) + " " + e);
                }
            }
            connects = c.connects();
        }
        print(name, port, answers, failures, connects, "");
    }

    private static void idle(Client client, int port) throws Exception {
        List<String> answers = new ArrayList<>();
        int connects;
        try (Client c = client) {
            answers.add(c.get(url(port)).get(20, TimeUnit.SECONDS));
            // nginx's keepalive_timeout is 1 s: it sends GOAWAY and closes the idle connection well before this.
            Thread.sleep(2_500);
            answers.add(c.get(url(port)).get(20, TimeUnit.SECONDS));
            connects = c.connects();
        }
        print("idle", port, answers, 0, connects, "");
    }

    private static void concurrent(Client client, int port, int upstreamPort) throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        HttpServer upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 50);
        upstream.setExecutor(Executors.newFixedThreadPool(16));
        upstream.createContext("/", exchange -> {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(300); // long enough for every stream the client may open to be open at once
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            byte[] body = "slow hello".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        upstream.start();
        List<String> answers = new ArrayList<>();
        int failures = 0;
        int connects;
        try (Client c = client) {
            // One first, so that the connection (and nginx's SETTINGS with its stream limit) is there for the 8.
            answers.add(c.get(url(port)).get(20, TimeUnit.SECONDS));
            List<CompletableFuture<String>> parallel = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                parallel.add(c.get(url(port)));
            }
            for (CompletableFuture<String> f : parallel) {
                try {
                    answers.add(f.get(20, TimeUnit.SECONDS));
                } catch (Exception e) {
                    failures++;
                    System.out.println("FAILURE scenario=concurrent " + e);
                }
            }
            connects = c.connects();
        } finally {
            upstream.stop(0);
            ((java.util.concurrent.ExecutorService) upstream.getExecutor()).shutdownNow();
        }
        print("concurrent", port, answers, failures, connects, " upstream_max_concurrent=" + maxInFlight.get());
    }

    private static void print(String name, int port, List<String> answers, int failures, int connects, String more) {
        System.out.println("RESULT scenario=" + name + " port=" + port + " responses=" + answers.size()
                + " answers=" + String.join(",", answers) + " failures=" + failures + " connects=" + connects + more);
    }
}
