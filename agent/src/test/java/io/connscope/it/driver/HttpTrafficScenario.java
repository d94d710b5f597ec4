package io.connscope.it.driver;

import com.sun.net.httpserver.HttpServer;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real HTTP traffic on loopback through the JDK's clients, which the OpenTelemetry Java agent instruments, to the
 * JDK's HttpServer in the same JVM: connection A, three requests through {@link HttpClient} (HTTP/1.1, one pooled
 * connection, still open at exit); connection B, one request through {@link HttpURLConnection} that the server
 * answers with {@code Connection: close} and then closes.
 *
 * <p>With {@code wait} it first prints {@code READY pid} and waits for a line on stdin (a test attaches connscope
 * meanwhile); with {@code hold} it prints {@code TRAFFIC DONE} after the requests and waits for another line (the
 * test waits for the exports meanwhile); with {@code linger MS} it sleeps that long at the end. Prints
 * {@code RESULT server_port=.. served=.. ok=..}: requests the server handled, and answers the clients got right.
 */
public final class HttpTrafficScenario {

    private HttpTrafficScenario() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(55_000);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        long linger = 0;
        boolean hold = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("wait")) {
                System.out.println("READY " + ProcessHandle.current().pid());
                System.out.flush();
                stdin.readLine();
            } else if (args[i].equals("hold")) {
                hold = true;
            } else if (args[i].equals("linger")) {
                linger = Long.parseLong(args[++i]);
            }
        }
        AtomicInteger served = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        ExecutorService executor = Executors.newFixedThreadPool(2);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("hello " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.US_ASCII);
            if (exchange.getRequestURI().getPath().startsWith("/b")) {
                exchange.getResponseHeaders().set("Connection", "close");
            }
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
            served.incrementAndGet();
        });
        server.start();
        int port = server.getAddress().getPort();
        String base = "http://127.0.0.1:" + port;

        int ok = 0;
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/a" + i))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            ok += r.statusCode() == 200 && r.body().equals("hello /a" + i) ? 1 : 0;
        }
        HttpURLConnection b = (HttpURLConnection) URI.create(base + "/b").toURL().openConnection();
        b.setConnectTimeout(10_000);
        b.setReadTimeout(10_000);
        try (InputStream in = b.getInputStream()) {
            ok += b.getResponseCode() == 200 && new String(in.readAllBytes(), StandardCharsets.US_ASCII).equals("hello /b") ? 1 : 0;
        }
        if (hold) {
            System.out.println("TRAFFIC DONE");
            System.out.flush();
            stdin.readLine();
        }
        Thread.sleep(linger);
        System.out.println("RESULT server_port=" + port + " served=" + served.get() + " ok=" + ok);
        server.stop(0);
        executor.shutdown();
    }
}
