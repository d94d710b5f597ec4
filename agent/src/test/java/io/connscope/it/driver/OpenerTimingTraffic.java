package io.connscope.it.driver;

import com.sun.net.httpserver.HttpServer;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Connections whose first request did, or did not, open them, each scenario two sampled requests (a made-up
 * {@code traceparent}, as a tracer would send) on one connection to its own JDK HttpServer:
 * <ul>
 *   <li>{@code prompt}: a plain socket, its first request written right after the connect;</li>
 *   <li>{@code late}: a plain socket, its first request written 1.5 s after the connect (more than the 1 s that
 *   still counts as the request opening it);</li>
 *   <li>{@code pool-own}: Apache HttpClient 5 (classic), whose first request opens its connection;</li>
 *   <li>{@code pool-ahead}: Apache HttpClient 5 whose pool opened the connection ahead (lease, connect, release,
 *   no request), the first request right after on that pooled connection.</li>
 * </ul>
 * Prints per request {@code REQ name=S port=P local_port=L trace_id=T span_id=S sampled=true} (the client's port as
 * the server saw it) and per scenario {@code SCENARIO name=S port=P requests=N}. Class path: Apache HttpClient 5's
 * jars.
 */
public final class OpenerTimingTraffic {

    private static final BlockingQueue<Integer> CLIENT_PORTS = new LinkedBlockingQueue<>();

    private OpenerTimingTraffic() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(60_000);
        raw("prompt", 0);
        raw("late", 1500);
        pool("pool-own", false);
        pool("pool-ahead", true);
        System.out.println("DONE");
        System.exit(0);
    }

    /** Two requests on one socket, the first {@code waitMillis} after the connect. */
    private static void raw(String name, long waitMillis) throws Exception {
        HttpServer server = server();
        int port = server.getAddress().getPort();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 20_000);
            s.setSoTimeout(20_000);
            if (waitMillis > 0) {
                Thread.sleep(waitMillis);
            }
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < 2; i++) {
                String traceId = TraceContextTraffic.hex(32);
                String spanId = TraceContextTraffic.hex(16);
                out.write(("GET /x HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\ntraceparent: 00-" + traceId + "-"
                        + spanId + "-01\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                readResponse(in);
                truth(name, port, traceId, spanId);
            }
        }
        scenario(name, server, 2);
    }

    /** Two requests through Apache HttpClient 5's pool; with {@code ahead}, the pool first opens a connection idle. */
    private static void pool(String name, boolean ahead) throws Exception {
        HttpServer server = server();
        int port = server.getAddress().getPort();
        org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager manager =
                org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder.create().build();
        if (ahead) {
            org.apache.hc.client5.http.HttpRoute route = new org.apache.hc.client5.http.HttpRoute(
                    new org.apache.hc.core5.http.HttpHost("http", "127.0.0.1", port));
            org.apache.hc.client5.http.io.ConnectionEndpoint endpoint = manager.lease("warm-up", route,
                    org.apache.hc.core5.util.Timeout.ofSeconds(20), null).get(org.apache.hc.core5.util.Timeout.ofSeconds(20));
            manager.connect(endpoint, org.apache.hc.core5.util.TimeValue.ofSeconds(20),
                    org.apache.hc.client5.http.protocol.HttpClientContext.create());
            manager.release(endpoint, null, org.apache.hc.core5.util.TimeValue.ofMinutes(1));
        }
        try (org.apache.hc.client5.http.impl.classic.CloseableHttpClient client =
                     org.apache.hc.client5.http.impl.classic.HttpClients.custom().setConnectionManager(manager).build()) {
            for (int i = 0; i < 2; i++) {
                String traceId = TraceContextTraffic.hex(32);
                String spanId = TraceContextTraffic.hex(16);
                org.apache.hc.client5.http.classic.methods.HttpGet get =
                        new org.apache.hc.client5.http.classic.methods.HttpGet("http://127.0.0.1:" + port + "/x");
                get.setHeader("traceparent", "00-" + traceId + "-" + spanId + "-01");
                int status = client.execute(get, response -> {
                    org.apache.hc.core5.http.io.entity.EntityUtils.consume(response.getEntity());
                    return response.getCode();
                });
                if (status != 200) {
                    throw new IllegalStateException("status " + status);
                }
                truth(name, port, traceId, spanId);
            }
        }
        scenario(name, server, 2);
    }

    /** Reads one response with a Content-Length body (what the JDK HttpServer sends here). */
    private static void readResponse(InputStream in) throws IOException {
        String status = line(in);
        if (!status.startsWith("HTTP/1.1 200")) {
            throw new IllegalStateException("status line " + status);
        }
        int length = -1;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(header.substring("content-length:".length()).trim());
            }
        }
        if (length < 0 || in.readNBytes(length).length != length) {
            throw new IllegalStateException("no body of the length it said");
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed in a response head");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    private static HttpServer server() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", exchange -> {
            PlainHttp.answerOk(exchange, CLIENT_PORTS);
        });
        server.start();
        return server;
    }

    /** The server stops: its connections close, and so their spans end. */
    private static void scenario(String name, HttpServer server, int requests) {
        System.out.println("SCENARIO name=" + name + " port=" + server.getAddress().getPort() + " requests=" + requests);
        server.stop(0);
    }

    private static void truth(String name, int port, String traceId, String spanId) throws InterruptedException {
        System.out.println("REQ name=" + name + " port=" + port + " local_port=" + CLIENT_PORTS.poll(20, TimeUnit.SECONDS)
                + " trace_id=" + traceId + " span_id=" + spanId + " sampled=true");
    }
}
