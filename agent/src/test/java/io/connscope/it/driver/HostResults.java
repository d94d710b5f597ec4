package io.connscope.it.driver;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.connscope.it.driver.Kinds.Conn;
import io.connscope.it.driver.Kinds.Kind;
import io.connscope.it.driver.Kinds.Listener;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * An application whose results do not depend on ports or timing: real traffic through every socket kind (plain
 * {@code Socket}/{@code ServerSocket}, blocking and non-blocking {@code SocketChannel}/{@code ServerSocketChannel},
 * the asynchronous channels), TLS on {@code SSLSocket} and {@code SSLEngine}, {@code HttpURLConnection}, the JDK
 * {@code HttpClient} (HTTP/1.1) and OkHttp, with the failures the application's own code sees (a refused
 * connect, a reset). Each result is one {@code RESULT} line on stdout: bodies (as digests), byte counts,
 * exception types and messages. Run once without the agent and once with handlers that throw, the lines must be
 * identical. Args: a PKCS12 keystore (password changeit) for TLS.
 */
public final class HostResults {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private HostResults() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        SSLContext tls = KeepAliveServer.tls(args[0]);
        for (String kind : List.of("socket", "channel", "nbchannel", "async")) {
            result(kind + " exchange", () -> exchange(Kinds.byName(kind)));
            result(kind + " reset", () -> reset(Kinds.byName(kind)));
            result(kind + " refused", () -> refused(Kinds.byName(kind)));
        }
        result("ssl-socket exchange", () -> sslSocket(tls));
        result("http-url-connection", HostResults::httpUrlConnection);
        result("https-url-connection", () -> httpsUrlConnection(tls));
        result("http-client", () -> httpClient(null));
        result("http-client tls", () -> httpClient(tls));
        result("http-client refused", HostResults::httpClientRefused);
        result("okhttp", HostResults::okHttp);
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }

    private static void result(String name, Callable<String> run) {
        String outcome;
        try {
            outcome = run.call();
        } catch (Throwable t) {
            outcome = "threw " + t;
        }
        System.out.println("RESULT " + name + ": " + outcome);
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    static String digest(byte[] b) throws Exception {
        return b.length + " bytes sha256 " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b))
                .substring(0, 16);
    }

    /** Client sends 100,000 bytes and half-closes; the server answers with 3 bytes per byte read, then closes. */
    private static String exchange(Kind kind) throws Exception {
        ExecutorService server = Executors.newSingleThreadExecutor();
        try (Listener listener = kind.listen(LOOPBACK, 50)) {
            Future<Long> served = server.submit(() -> {
                long got = 0;
                try (Conn c = listener.accept()) {
                    byte[] buf = new byte[8192];
                    for (int n; (n = c.read(buf, 0, buf.length)) > 0; ) {
                        got += n;
                        byte[] reply = new byte[n * 3];
                        for (int i = 0; i < reply.length; i++) {
                            reply[i] = buf[i % n];
                        }
                        c.writeAll(reply);
                    }
                }
                return got;
            });
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            try (Conn c = kind.open()) {
                c.connect(new InetSocketAddress(LOOPBACK, listener.port()));
                byte[] request = pattern(100_000, 7);
                // Write in pieces and read as we go, so neither side's buffers fill up.
                byte[] buf = new byte[65536];
                for (int off = 0; off < request.length; off += 10_000) {
                    c.writeAll(java.util.Arrays.copyOfRange(request, off, off + 10_000));
                    int want = 30_000;
                    while (want > 0) {
                        int n = c.read(buf, 0, Math.min(buf.length, want));
                        if (n < 0) {
                            throw new IOException("end-of-stream early");
                        }
                        received.write(buf, 0, n);
                        want -= n;
                    }
                }
                c.shutdownOutput();
                int tail = c.read(buf, 0, buf.length);
                return "server read " + served.get(20, TimeUnit.SECONDS) + ", client received "
                        + digest(received.toByteArray()) + ", then " + tail;
            }
        } finally {
            server.shutdownNow();
        }
    }

    /** The server resets the connection (SO_LINGER 0, or unread data at close); the client's read fails. */
    private static String reset(Kind kind) throws Exception {
        ExecutorService server = Executors.newSingleThreadExecutor();
        try (Listener listener = kind.listen(LOOPBACK, 50)) {
            Future<?> served = server.submit(() -> {
                try (Conn c = listener.accept()) {
                    c.readExactly(10);
                    if (kind.supportsLinger()) {
                        c.setOption(StandardSocketOptions.SO_LINGER, 0);
                    } else {
                        // Unread data at close makes the kernel send a reset.
                        Thread.sleep(200);
                    }
                }
                return null;
            });
            try (Conn c = kind.open()) {
                c.connect(new InetSocketAddress(LOOPBACK, listener.port()));
                c.writeAll(pattern(kind.supportsLinger() ? 10 : 20, 1));
                served.get(20, TimeUnit.SECONDS);
                byte[] buf = new byte[100];
                try {
                    int n = c.read(buf, 0, buf.length);
                    return "read returned " + n;
                } catch (IOException e) {
                    return "read threw " + e;
                }
            }
        } finally {
            server.shutdownNow();
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    private static String refused(Kind kind) throws Exception {
        int port = closedPort();
        try (Conn c = kind.open()) {
            c.connect(new InetSocketAddress(LOOPBACK, port));
            return "connected?";
        } catch (IOException e) {
            return "connect threw " + e.getClass().getName() + ": " + e.getMessage();
        }
    }

    /** A TLS exchange on SSLSocket and SSLServerSocket: 3 lines each way. */
    private static String sslSocket(SSLContext tls) throws Exception {
        ExecutorService server = Executors.newSingleThreadExecutor();
        try (SSLServerSocket listener = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 50, LOOPBACK)) {
            listener.setSoTimeout(20_000);
            Future<String> served = server.submit(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.setSoTimeout(20_000);
                    byte[] in = s.getInputStream().readNBytes(30_000);
                    s.getOutputStream().write(pattern(50_000, 3));
                    s.getOutputStream().flush();
                    return digest(in);
                }
            });
            byte[] got;
            // Closed before waiting for the server: a TLS 1.3 close waits for the peer's close_notify.
            try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(LOOPBACK, listener.getLocalPort())) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write(pattern(30_000, 5));
                s.getOutputStream().flush();
                got = s.getInputStream().readNBytes(50_000);
            }
            return "server got " + served.get(20, TimeUnit.SECONDS) + ", client got " + digest(got);
        } finally {
            server.shutdownNow();
        }
    }

    /** A JDK HttpServer (plain or TLS) that answers each request with its path and body length; 404 for /missing. */
    private static HttpServer httpServer(SSLContext tls) throws IOException {
        HttpServer server;
        if (tls == null) {
            server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 50);
        } else {
            HttpsServer https = HttpsServer.create(new InetSocketAddress(LOOPBACK, 0), 50);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            byte[] reply = ("path " + path + " got " + body.length + " bytes; ").repeat(100)
                    .getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(path.equals("/missing") ? 404 : 200, reply.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "http-server");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return server;
    }

    private static String readUrl(HttpURLConnection c, byte[] post) throws Exception {
        c.setConnectTimeout(10_000);
        c.setReadTimeout(20_000);
        if (post != null) {
            c.setDoOutput(true);
            c.setRequestMethod("POST");
            try (OutputStream out = c.getOutputStream()) {
                out.write(post);
            }
        }
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            return status + " " + digest(in.readAllBytes());
        }
    }

    private static String urlRequests(String scheme, SSLContext tls) throws Exception {
        HttpServer server = httpServer(tls);
        try {
            List<String> results = new ArrayList<>();
            String base = scheme + "://127.0.0.1:" + server.getAddress().getPort();
            for (String path : List.of("/a", "/b", "/missing", "/post")) {
                HttpURLConnection c = (HttpURLConnection) new URL(base + path).openConnection();
                if (tls != null) {
                    ((HttpsURLConnection) c).setSSLSocketFactory(tls.getSocketFactory());
                    ((HttpsURLConnection) c).setHostnameVerifier((host, session) -> true);
                }
                results.add(path + " " + readUrl(c, path.equals("/post") ? pattern(20_000, 9) : null));
            }
            return String.join("; ", results);
        } finally {
            server.stop(0);
        }
    }

    private static String httpUrlConnection() throws Exception {
        return urlRequests("http", null);
    }

    private static String httpsUrlConnection(SSLContext tls) throws Exception {
        return urlRequests("https", tls);
    }

    private static String httpClient(SSLContext tls) throws Exception {
        HttpServer server = httpServer(tls);
        try {
            HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10));
            if (tls != null) {
                builder.sslContext(tls);
            }
            HttpClient client = builder.build();
            String base = (tls == null ? "http" : "https") + "://127.0.0.1:" + server.getAddress().getPort();
            List<String> results = new ArrayList<>();
            for (String path : List.of("/a", "/b", "/missing", "/post")) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(20));
                if (path.equals("/post")) {
                    request.POST(HttpRequest.BodyPublishers.ofByteArray(pattern(20_000, 9)));
                }
                HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                results.add(path + " " + response.statusCode() + " " + digest(response.body()));
            }
            return String.join("; ", results);
        } finally {
            server.stop(0);
        }
    }

    private static String httpClientRefused() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + closedPort() + "/"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            return "sent?";
        } catch (IOException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return "send threw " + e.getClass().getName() + " caused by " + root.getClass().getName() + ": "
                    + root.getMessage();
        }
    }

    private static String okHttp() throws Exception {
        HttpServer server = httpServer(null);
        try {
            okhttp3.OkHttpClient client = new okhttp3.OkHttpClient.Builder()
                    .protocols(List.of(okhttp3.Protocol.HTTP_1_1))
                    .readTimeout(20, TimeUnit.SECONDS).build();
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            List<String> results = new ArrayList<>();
            for (String path : List.of("/a", "/b", "/missing", "/post")) {
                okhttp3.Request.Builder request = new okhttp3.Request.Builder().url(base + path);
                if (path.equals("/post")) {
                    request.post(okhttp3.RequestBody.create(pattern(20_000, 9),
                            okhttp3.MediaType.parse("application/octet-stream")));
                }
                try (okhttp3.Response response = client.newCall(request.build()).execute()) {
                    results.add(path + " " + response.code() + " " + digest(response.body().bytes()));
                }
            }
            client.connectionPool().evictAll();
            return String.join("; ", results);
        } finally {
            server.stop(0);
        }
    }
}
