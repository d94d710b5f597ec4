package io.connscope.it.otel;

import io.connscope.it.Fork;
import io.connscope.it.driver.OtelScenario;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;

import static io.connscope.it.otel.OtlpReceiver.attribute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OTLP over TLS: a receiver on 127.0.0.1 with HTTPS and a certificate made for this run (keytool, a self-signed
 * certificate for IP 127.0.0.1); connscope trusts it through {@code OTEL_EXPORTER_OTLP_CERTIFICATE}, and only then.
 * The exporter's TLS connections are connscope's own and never in its data.
 */
class OtlpTlsIT {

    private static final String PASSWORD = "connscope-it";

    @TempDir
    static Path dir;
    private static Path keystore;
    private static Path certificate;

    @BeforeAll
    static void makeCertificate() throws Exception {
        keystore = dir.resolve("receiver.p12");
        certificate = dir.resolve("receiver.pem");
        String keytool = Paths.get(System.getProperty("java.home"), "bin", "keytool").toString();
        Fork.Result made = Fork.exec(List.of(keytool, "-genkeypair", "-alias", "receiver", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD));
        assertEquals(0, made.exit, made.describe());
        Fork.Result exported = Fork.exec(List.of(keytool, "-exportcert", "-rfc", "-alias", "receiver",
                "-keystore", keystore.toString(), "-storepass", PASSWORD, "-file", certificate.toString()));
        assertEquals(0, exported.exit, exported.describe());
        assertTrue(Files.readString(certificate).startsWith("-----BEGIN CERTIFICATE-----"), Files.readString(certificate));
    }

    private static SSLContext serverTls() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        return tls;
    }

    @Test
    void spansArriveOverTlsWithTheConfiguredCertificateAndTheExportIsNotTraced() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.startHttps(serverTls())) {
            Fork.Result run = Fork.start(List.of(), List.of(), Map.of(
                            "OTEL_EXPORTER_OTLP_ENDPOINT", "https://127.0.0.1:" + receiver.port(),
                            "OTEL_EXPORTER_OTLP_CERTIFICATE", certificate.toString(),
                            "OTEL_SERVICE_NAME", "connscope-tls",
                            "OTEL_METRIC_EXPORT_INTERVAL", "500"),
                    OtelScenario.class.getName()).await();
            String context = "\n" + run.describe();
            assertEquals(0, run.exit, context);
            int port = run.resultValue("server_port");
            int refused = run.resultValue("refused_port");
            assertEquals(5, receiver.spans().size(), "the scenario's five connections, over TLS" + context);
            for (ResourceSpans rs : receiver.resourceSpans()) {
                assertEquals("connscope-tls", attribute(rs.getResource(), "service.name"), context);
            }
            assertTrue(receiver.spans().stream().map(s -> attribute(s.getAttributesList(), "server.port"))
                    .allMatch(p -> p.equals(Integer.toString(port)) || p.equals(Integer.toString(refused))), context);
            assertTrue(receiver.lastMetric("connscope.connection.opened") != null, "metrics too" + context);
            // The exporter's TLS connections to the receiver are nowhere: no record, no TLS details of them.
            assertTrue(run.records().stream().noneMatch(r -> r.path("remote_port").asInt() == receiver.port()), context);
            assertEquals(5, run.records().stream().filter(r -> r.path("type").asText().equals("connection")).count(), context);
            assertTrue(run.stderr.lines().noneMatch(l -> l.contains("OpenTelemetry export of")), "no export failed" + context);
        }
    }

    @Test
    void withoutTheCertificateTheReceiverIsNotTrustedAndTheFailureIsReportedOnce() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.startHttps(serverTls())) {
            Fork.Result run = Fork.start(List.of(), List.of(), Map.of(
                            "OTEL_EXPORTER_OTLP_ENDPOINT", "https://127.0.0.1:" + receiver.port(),
                            "OTEL_METRICS_EXPORTER", "none",
                            "OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED", "true"),
                    OtelScenario.class.getName()).await();
            String context = "\n" + run.describe();
            assertEquals(0, run.exit, "the application is unaffected" + context);
            assertEquals(0, receiver.spans().size(), "nothing is sent to an untrusted receiver" + context);
            assertEquals(1, run.stderr.lines().filter(l -> l.contains("OpenTelemetry export of") && l.contains("failed")).count(),
                    context);
            assertTrue(run.records().stream().noneMatch(r -> r.path("remote_port").asInt() == receiver.port()), context);
        }
    }
}
