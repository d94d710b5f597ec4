package io.connscope.it.driver;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The JDK HttpClient speaking HTTP/2 over TLS to {@code https://127.0.0.1:PORT/}: 5 sequential requests, then 5
 * at once (multiplexed as streams). Trusts only the PEM certificate it is given. Prints
 * {@code RESULT requests=N versions=...}.
 */
public final class Http2Client {

    private Http2Client() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        int port = Integer.parseInt(args[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(Paths.get(args[1]))) {
            trust.setCertificateEntry("nginx", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(tls)
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(20)).build();
        List<String> versions = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            versions.add(client.send(request, HttpResponse.BodyHandlers.ofString()).version().name());
        }
        List<CompletableFuture<HttpResponse<String>>> parallel = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            parallel.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : parallel) {
            versions.add(f.get(20, TimeUnit.SECONDS).version().name());
        }
        System.out.println("RESULT requests=" + versions.size() + " versions=" + String.join(",", versions));
        System.out.println("DONE");
    }
}
