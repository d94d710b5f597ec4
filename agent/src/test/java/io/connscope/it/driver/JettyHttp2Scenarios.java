package io.connscope.it.driver;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import javax.net.ssl.SSLContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Jetty 12 server speaking HTTP/2 three ways, and the JDK {@code HttpClient} (HTTP/2 by default) against it:
 * <ul>
 *   <li>{@code upgrade}: in the clear, where the JDK client asks for h2c with {@code Upgrade: h2c} on its first
 *       request and Jetty accepts (101), then 4 more requests as streams;</li>
 *   <li>{@code tls}: h2 negotiated by ALPN, 5 requests as streams;</li>
 *   <li>{@code idle}: h2 over TLS on a connector with a 1 s idle timeout: a request, 2.5 s of silence (Jetty sends
 *       GOAWAY and closes), a request on a new connection;</li>
 *   <li>{@code conscrypt}: h2 by ALPN, the client's TLS by Conscrypt (its BoringSSL engine), 5 requests.</li>
 * </ul>
 * Ground truth, printed: the responses and their versions as the client got them ({@code RESULT}), and what Jetty
 * served, per connection by the client's port, with the protocol Jetty names ({@code SERVED}). Args: a PKCS12
 * keystore (changeit) with a certificate for 127.0.0.1.
 */
public final class JettyHttp2Scenarios {

    /** "port remote-port protocol" -> requests Jetty served. */
    private static final Map<String, AtomicInteger> SERVED = new ConcurrentHashMap<>();

    private JettyHttp2Scenarios() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        SSLContext tls = KeepAliveServer.tls(args[0]);
        Server server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        ServerConnector plain = new ServerConnector(server, new HttpConnectionFactory(config),
                new HTTP2CServerConnectionFactory(config));
        ServerConnector secure = tlsConnector(server, config, args[0]);
        ServerConnector idle = tlsConnector(server, config, args[0]);
        idle.setIdleTimeout(1000);
        ServerConnector conscryptPort = tlsConnector(server, config, args[0]);
        for (ServerConnector c : List.of(plain, secure, idle, conscryptPort)) {
            c.setHost("127.0.0.1");
            c.setPort(0);
            server.addConnector(c);
        }
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                ConnectionMetaData meta = request.getConnectionMetaData();
                int local = ((InetSocketAddress) meta.getLocalSocketAddress()).getPort();
                int remote = ((InetSocketAddress) meta.getRemoteSocketAddress()).getPort();
                SERVED.computeIfAbsent(local + " " + remote + " " + meta.getProtocol(), k -> new AtomicInteger())
                        .incrementAndGet();
                response.setStatus(200);
                Content.Sink.write(response, true, "Hello there!", callback);
                return true;
            }
        });
        server.start();
        try {
            HttpClient client = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_2).build();
            System.out.println(requests(client, "upgrade", "http", plain.getLocalPort(), 5, 0));
            System.out.println(requests(client, "tls", "https", secure.getLocalPort(), 5, 0));
            System.out.println(requests(client, "idle", "https", idle.getLocalPort(), 2, 2500));
            // TLS by Conscrypt on the client's side (its own BoringSSL engine), the JDK's on Jetty's.
            HttpClient conscrypt = HttpClient.newBuilder().sslContext(conscryptTls(args[0]))
                    .version(HttpClient.Version.HTTP_2).build();
            System.out.println(requests(conscrypt, "conscrypt", "https", conscryptPort.getLocalPort(), 5, 0));
        } finally {
            server.stop();
        }
        new TreeMap<>(SERVED).forEach((k, v) -> {
            String[] p = k.split(" ");
            System.out.println("SERVED port=" + p[0] + " remote=" + p[1] + " protocol=" + p[2] + " requests=" + v.get());
        });
    }

    /** A client TLS context of Conscrypt's provider, trusting the keystore's certificate. */
    private static SSLContext conscryptTls(String keystore) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Paths.get(keystore))) {
            ks.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        SSLContext tls = SSLContext.getInstance("TLS", org.conscrypt.Conscrypt.newProvider());
        tls.init(null, tmf.getTrustManagers(), null);
        return tls;
    }

    private static ServerConnector tlsConnector(Server server, HttpConfiguration config, String keystore) {
        SslContextFactory.Server ssl = JettyH2Server.tls(keystore);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        return new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn,
                new HTTP2ServerConnectionFactory(config), new HttpConnectionFactory(config));
    }

    /** {@code n} sequential GETs, {@code pauseMillis} apart; the responses' versions as the client saw them. */
    private static String requests(HttpClient client, String name, String scheme, int port, int n, long pauseMillis)
            throws Exception {
        List<String> versions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i > 0 && pauseMillis > 0) {
                Thread.sleep(pauseMillis);
            }
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create(scheme + "://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || !r.body().equals("Hello there!")) {
                throw new IllegalStateException(name + ": " + r.statusCode() + " " + r.body());
            }
            versions.add(r.version().name());
        }
        return "RESULT " + name + " port=" + port + " responses=" + n + " versions=" + String.join(",", versions);
    }
}
