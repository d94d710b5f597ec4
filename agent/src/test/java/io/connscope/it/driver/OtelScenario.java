package io.connscope.it.driver;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A known scenario for the OpenTelemetry export tests, against the JDK's HttpServer in the same JVM (so each
 * connection is seen from both sides):
 * <ol>
 *   <li>connection A: three requests on one kept-alive connection (paths carry a query string that must never be
 *       exported), with {@code hold MS} a pause after the first, then the client closes it;</li>
 *   <li>connection B: one request with {@code Connection: close}; the server closes first;</li>
 *   <li>a connect to a port nobody listens on: refused;</li>
 *   <li>with {@code churn N}: N more connections of one request each, the client closing each.</li>
 * </ol>
 * Prints {@code RESULT server_port=.. refused_port=.. churn_ms=..}; with {@code wait} it makes one more
 * connection (D) through {@code HttpURLConnection}, which its pool then holds idle, and one (E) with one request to
 * a second server, which the client closes (printed as {@code other_port=..}), and waits
 * for a line on stdin (a test scraping it meanwhile), with {@code linger MS} it sleeps that long, before it stops
 * the server and exits, printing {@code RESULT sdk_threads=..} last.
 */
public final class OtelScenario {

    private OtelScenario() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(55_000);
        boolean wait = false;
        int churn = 0;
        long linger = 0;
        long hold = 0;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("wait")) {
                wait = true;
            } else if (args[i].equals("churn")) {
                churn = Integer.parseInt(args[++i]);
            } else if (args[i].equals("hold")) {
                hold = Long.parseLong(args[++i]);
            } else if (args[i].equals("linger")) {
                linger = Long.parseLong(args[++i]);
            }
        }
        InetAddress loopback = InetAddress.getLoopbackAddress();
        HttpServer server = HttpServer.create(new InetSocketAddress(loopback, 0), 50);
        ExecutorService executor = Executors.newFixedThreadPool(2);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "hello".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        int port = server.getAddress().getPort();

        try (Socket a = new Socket(loopback, port)) {
            for (int i = 0; i < 3; i++) {
                exchange(a, "GET /a?token=secret-" + i + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                if (i == 0) {
                    Thread.sleep(hold);
                }
            }
        }
        try (Socket b = new Socket(loopback, port)) {
            exchange(b, "GET /b HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            if (b.getInputStream().read() != -1) {
                throw new IllegalStateException("the server did not close after Connection: close");
            }
        }
        int refusedPort;
        try (ServerSocket gone = new ServerSocket(0, 1, loopback)) {
            refusedPort = gone.getLocalPort();
        }
        try (Socket c = new Socket()) {
            c.connect(new InetSocketAddress(loopback, refusedPort), 2000);
            throw new IllegalStateException("connected to a closed port");
        } catch (ConnectException expected) {
            // refused, as intended
        }
        long churnStart = System.nanoTime();
        for (int i = 0; i < churn; i++) {
            try (Socket s = new Socket(loopback, port)) {
                exchange(s, "GET /c HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            }
        }
        long churnMillis = (System.nanoTime() - churnStart) / 1_000_000;
        String other = "";
        HttpServer otherServer = null;
        if (wait) {
            // Connection E: to a second server, closed by the client; that server has no connection open afterwards.
            otherServer = HttpServer.create(new InetSocketAddress(loopback, 0), 50);
            otherServer.setExecutor(executor);
            otherServer.createContext("/", exchange -> {
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            otherServer.start();
            try (Socket e = new Socket(loopback, otherServer.getAddress().getPort())) {
                exchange(e, "GET /e HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            }
            other = " other_port=" + otherServer.getAddress().getPort();
            // Connection D: one request through HttpURLConnection, whose KeepAliveCache then holds it idle.
            java.net.HttpURLConnection d = (java.net.HttpURLConnection)
                    new java.net.URL("http://127.0.0.1:" + port + "/d").openConnection();
            try (InputStream body = d.getInputStream()) {
                body.readAllBytes();
            }
        }
        System.out.println("RESULT server_port=" + port + " refused_port=" + refusedPort + " churn_ms=" + churnMillis + other);
        System.out.flush();
        if (wait) {
            System.in.read();
        }
        Thread.sleep(linger);
        // The SDK's own threads (it starts off the main thread, so look late): absent when export is off.
        long sdkThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("BatchSpanProcessor") || t.getName().startsWith("PeriodicMetricReader"))
                .count();
        System.out.println("RESULT sdk_threads=" + sdkThreads);
        // Closes the server's side of every connection; each client has closed (or been closed) long before.
        server.stop(0);
        if (otherServer != null) {
            otherServer.stop(0);
        }
        executor.shutdownNow();
    }

    /** Writes one request and reads its response: status line, headers, and a Content-Length body. */
    static void exchange(Socket s, String request) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed in the response head: " + head);
            }
            head.append((char) c);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        if (!head.toString().startsWith("HTTP/1.1 200")) {
            throw new IOException("unexpected response: " + head);
        }
        for (int i = 0; i < length; i++) {
            if (in.read() < 0) {
                throw new IOException("connection closed in the response body");
            }
        }
    }
}
