package io.connscope.it.driver;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Requests with a {@code traceparent} the driver made up (as a tracer would for its client span), sampled or not,
 * from the JDK HttpClient (HTTP/1.1) and HttpURLConnection, plain and over TLS, to the JDK HttpServer and HttpsServer
 * in this JVM; one server per scenario:
 * <ul>
 *   <li>{@code httpclient}: one client, requests sampled, sampled, unsampled, sampled on its one connection; then a
 *   second client whose first request is unsampled and its second sampled;</li>
 *   <li>{@code urlconnection}: HttpURLConnection, three sampled requests on its kept-alive connection;</li>
 *   <li>{@code httpclient-tls}: the HttpClient over TLS (SSLEngine), sampled, sampled, unsampled; then a second
 *   client (same SSLContext, so its handshake resumes the session), one sampled request;</li>
 *   <li>{@code urlconnection-tls}: HttpsURLConnection (SSLSocket), two sampled requests;</li>
 *   <li>{@code h2-tls}: the HttpClient over h2 (TLS, ALPN) to Jetty 12, sampled, sampled, unsampled, sampled, as
 *   streams of one connection;</li>
 *   <li>{@code long}: the HttpClient, 300 sampled requests on one connection.</li>
 * </ul>
 * Prints its ground truth, per request: {@code REQ name=S port=P local_port=L trace_id=T span_id=S sampled=B}, with
 * the client's local port as the server saw it (so the test groups requests by connection); {@code SCENARIO name=S
 * port=P requests=N} per scenario. Args: a PKCS12 keystore (changeit). Class path: Jetty's jars.
 */
public final class TraceSpansTraffic {

    private TraceSpansTraffic() {
    }

    /** The client port of each request, in order, as its server saw it. */
    private static final BlockingQueue<Integer> CLIENT_PORTS = new LinkedBlockingQueue<>();

    public static void main(String[] args) throws Exception {
        Watchdog.start(100_000);
        SSLContext tls = KeepAliveServer.tls(args[0]);

        HttpServer server = plainServer();
        HttpClient first = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (boolean sampled : new boolean[] {true, true, false, true}) {
            send(first, "httpclient", "http", server.getAddress().getPort(), sampled);
        }
        HttpClient second = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (boolean sampled : new boolean[] {false, true}) {
            send(second, "httpclient", "http", server.getAddress().getPort(), sampled);
        }
        scenario("httpclient", server, 6);

        server = plainServer();
        for (int i = 0; i < 3; i++) {
            urlConnection("urlconnection", "http", server.getAddress().getPort(), null);
        }
        scenario("urlconnection", server, 3);

        server = tlsServer(tls);
        HttpClient secure = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).build();
        for (boolean sampled : new boolean[] {true, true, false}) {
            send(secure, "httpclient-tls", "https", server.getAddress().getPort(), sampled);
        }
        // Another client with the same SSLContext: its connection resumes the first one's TLS session.
        HttpClient resuming = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).build();
        send(resuming, "httpclient-tls", "https", server.getAddress().getPort(), true);
        scenario("httpclient-tls", server, 4);

        server = tlsServer(tls);
        // One factory for both: HttpsURLConnection's keep-alive cache reuses a connection only for the same one.
        SSLSocketFactory factory = tls.getSocketFactory();
        for (int i = 0; i < 2; i++) {
            urlConnection("urlconnection-tls", "https", server.getAddress().getPort(), factory);
        }
        scenario("urlconnection-tls", server, 2);

        h2(args[0], tls);

        server = plainServer();
        HttpClient longLived = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 300; i++) {
            send(longLived, "long", "http", server.getAddress().getPort(), true);
        }
        scenario("long", server, 300);

        System.out.println("DONE");
        System.exit(0);
    }

    private static void h2(String keystore, SSLContext tls) throws Exception {
        try (JettyH2Server server = new JettyH2Server(keystore, CLIENT_PORTS)) {
            int port = server.port();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(tls).build();
            for (boolean sampled : new boolean[] {true, true, false, true}) {
                send(client, "h2-tls", "https", port, sampled);
            }
            System.out.println("SCENARIO name=h2-tls port=" + port + " requests=4");
        }
    }

    private static HttpServer plainServer() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        serve(server);
        return server;
    }

    private static HttpServer tlsServer(SSLContext tls) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        serve(server);
        return server;
    }

    private static void serve(HttpServer server) {
        server.createContext("/", exchange -> {
            PlainHttp.answerOk(exchange, CLIENT_PORTS);
        });
        server.start();
    }

    /** The server stops: its connections close, and so their spans end. */
    private static void scenario(String name, HttpServer server, int requests) {
        System.out.println("SCENARIO name=" + name + " port=" + server.getAddress().getPort() + " requests=" + requests);
        server.stop(0);
    }

    private static void send(HttpClient client, String name, String scheme, int port, boolean sampled) throws Exception {
        String traceId = TraceContextTraffic.hex(32);
        String spanId = TraceContextTraffic.hex(16);
        HttpRequest request = HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + "/x"))
                .timeout(Duration.ofSeconds(20))
                .header("traceparent", "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00")).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("status " + response.statusCode());
        }
        truth(name, port, traceId, spanId, sampled);
    }

    private static void urlConnection(String name, String scheme, int port, SSLSocketFactory tls) throws Exception {
        String traceId = TraceContextTraffic.hex(32);
        String spanId = TraceContextTraffic.hex(16);
        HttpURLConnection c = (HttpURLConnection) URI.create(scheme + "://127.0.0.1:" + port + "/x").toURL()
                .openConnection();
        if (tls != null) {
            ((HttpsURLConnection) c).setSSLSocketFactory(tls);
        }
        c.setConnectTimeout(20_000);
        c.setReadTimeout(20_000);
        c.setRequestProperty("traceparent", "00-" + traceId + "-" + spanId + "-01");
        if (c.getResponseCode() != 200) {
            throw new IllegalStateException("status " + c.getResponseCode());
        }
        try (InputStream in = c.getInputStream()) {
            in.readAllBytes(); // read to its end: the connection goes back to the keep-alive cache
        }
        truth(name, port, traceId, spanId, true);
    }

    private static void truth(String name, int port, String traceId, String spanId, boolean sampled)
            throws InterruptedException {
        Integer clientPort = CLIENT_PORTS.poll(20, TimeUnit.SECONDS);
        System.out.println("REQ name=" + name + " port=" + port + " local_port=" + clientPort + " trace_id=" + traceId
                + " span_id=" + spanId + " sampled=" + sampled);
    }
}
