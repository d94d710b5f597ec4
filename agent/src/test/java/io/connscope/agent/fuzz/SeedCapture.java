package io.connscope.agent.fuzz;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Records the fuzz targets' seed corpora from real traffic on loopback: curl and the JDK's HttpClient against nginx
 * (HTTP/1.1, and h2c with prior knowledge), grpc-java client and server, and the ClientHellos of curl, the JDK's
 * HttpClient and an SSLSocket. A recording proxy between client and server keeps each side's reads as segments, in
 * the order they came, so the seeds carry real read boundaries too. Run again when a seed should change:
 * <pre>
 *   mvn -B -ntp -q -pl bootstrap,agent test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp
 *   java -cp agent/target/test-classes:agent/target/classes:$(cat /tmp/cp) io.connscope.agent.fuzz.SeedCapture \
 *       agent/src/test/resources
 * </pre>
 * Needs nginx and curl (Debian's packages). Writes only files named {@code real-*}; the hand-written seeds and the
 * regression inputs ({@code crash-*}) beside them stay.
 */
public final class SeedCapture {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final Path PACKAGE = Paths.get("io/connscope/agent");

    private final Path resources;

    private SeedCapture(Path resources) {
        this.resources = resources;
    }

    public static void main(String[] args) throws Exception {
        SeedCapture capture = new SeedCapture(Paths.get(args.length > 0 ? args[0] : "agent/src/test/resources"));
        Path work = Files.createTempDirectory("connscope-seeds");
        Process nginx = null;
        try {
            int http1 = freePort();
            int h2c = freePort();
            nginx = startNginx(work, http1, h2c);
            capture.conversations(http1, h2c);
            capture.grpc();
            capture.clientHellos();
        } finally {
            if (nginx != null) {
                nginx.destroy();
                nginx.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private void conversations(int http1, int h2c) throws Exception {
        http1("real-curl-nginx-keepalive", run(http1, port -> exec("curl", "-s", "-o", "/dev/null", "-o",
                "/dev/null", "-H", "traceparent: " + TRACEPARENT, "http://127.0.0.1:" + port + "/a",
                "http://127.0.0.1:" + port + "/b?x=1")));
        http1("real-curl-nginx-post-close", run(http1, port -> exec("curl", "-s", "-o", "/dev/null", "-H",
                "Connection: close", "-H", "b3: 4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1", "--data",
                "name=value", "http://127.0.0.1:" + port + "/form")));
        http1("real-jdk-httpclient-nginx", run(http1, port -> {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (String path : new String[] {"/one", "/two"}) {
                client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("X-B3-TraceId", "4bf92f3577b34da6a3ce929d0e0e4736")
                        .header("X-B3-SpanId", "00f067aa0ba902b7").header("X-B3-Sampled", "1").build(),
                        HttpResponse.BodyHandlers.ofString());
            }
        }));
        http1("real-jdk-httpclient-h2c-upgrade-nginx", run(http1, port -> {
            // nginx answers the Upgrade: h2c request with HTTP/1.1, as servers without h2c do.
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/up")).build(),
                    HttpResponse.BodyHandlers.ofString());
        }));
        http2("real-curl-nginx-h2c", run(h2c, port -> exec("curl", "-s", "-o", "/dev/null", "-o", "/dev/null",
                "--http2-prior-knowledge", "-H", "traceparent: " + TRACEPARENT, "http://127.0.0.1:" + port + "/a",
                "http://127.0.0.1:" + port + "/b")));
    }

    private void grpc() throws Exception {
        MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        MethodDescriptor<byte[], byte[]> unary = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("connscope.Echo/Unary")
                .setRequestMarshaller(bytes).setResponseMarshaller(bytes).build();
        ServerServiceDefinition echo = ServerServiceDefinition.builder("connscope.Echo")
                .addMethod(unary, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(request);
                    response.onCompleted();
                })).build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(echo).build().start();
        try {
            http2("real-grpc-java-unary", run(server.getPort(), port -> {
                ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
                try {
                    Metadata metadata = new Metadata();
                    metadata.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), TRACEPARENT);
                    io.grpc.Channel traced = ClientInterceptors.intercept(channel,
                            MetadataUtils.newAttachHeadersInterceptor(metadata));
                    for (int i = 0; i < 3; i++) {
                        ClientCalls.blockingUnaryCall(traced, unary, CallOptions.DEFAULT,
                                ("message " + i).getBytes(StandardCharsets.UTF_8));
                    }
                } finally {
                    channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
                }
            }));
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private void clientHellos() throws Exception {
        // A server that takes the ClientHello and hangs up: only the client's first bytes matter here.
        hello("real-curl-tls13", firstBytes(port -> exec("curl", "-s", "-k", "--max-time", "3",
                "https://127.0.0.1:" + port + "/")));
        hello("real-curl-alpn-h2", firstBytes(port -> exec("curl", "-s", "-k", "--http2", "--max-time", "3",
                "https://localhost:" + port + "/")));
        hello("real-jdk-httpclient", firstBytes(port -> {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
            try {
                client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/")).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException expected) {
                // the server hung up
            }
        }));
        hello("real-jdk-sslsocket-tls12", firstBytes(port -> {
            SSLContext tls12 = SSLContext.getInstance("TLSv1.2");
            tls12.init(null, null, null);
            try (SSLSocket socket = (SSLSocket) tls12.getSocketFactory().createSocket("127.0.0.1", port)) {
                socket.setEnabledProtocols(new String[] {"TLSv1.2"});
                socket.startHandshake();
            } catch (IOException expected) {
                // the server hung up
            }
        }));
    }

    // -- where each recording goes --

    private void http1(String name, List<Traffic.Segment> segments) throws IOException {
        write("core/http/HttpConnectionTrackerFuzzTestInputs/conversation", name, Traffic.seed(segments));
        write("core/ConnectionProtocolsFuzzTestInputs/connection", name, Traffic.seed(segments));
    }

    private void http2(String name, List<Traffic.Segment> segments) throws IOException {
        write("core/http2/Http2ConnectionTrackerFuzzTestInputs/conversation", name, Traffic.seed(segments));
        write("core/ConnectionProtocolsFuzzTestInputs/connection", name, Traffic.seed(segments));
        write("core/http2/HpackDecoderFuzzTestInputs/blocks", name, Traffic.seed(headerBlocks(segments)));
    }

    private void hello(String name, byte[] first) throws IOException {
        write("core/tls/ClientHelloKeyFuzzTestInputs/hello", name, Traffic.oneWaySeed(first));
        write("core/ConnectionProtocolsFuzzTestInputs/connection", name,
                Traffic.seed(List.of(Traffic.client(first))));
    }

    private void write(String dir, String name, byte[] seed) throws IOException {
        Path d = resources.resolve(PACKAGE).resolve(dir);
        Files.createDirectories(d);
        Files.write(d.resolve(name), seed);
        System.out.println(d.resolve(name) + ": " + seed.length + " bytes");
    }

    /** The client's header blocks (HEADERS with their CONTINUATIONs), each a segment, as the HPACK target reads them. */
    static List<Traffic.Segment> headerBlocks(List<Traffic.Segment> segments) {
        java.io.ByteArrayOutputStream client = new java.io.ByteArrayOutputStream();
        for (Traffic.Segment s : segments) {
            if (s.fromClient) {
                client.writeBytes(s.bytes);
            }
        }
        byte[] b = client.toByteArray();
        List<Traffic.Segment> blocks = new ArrayList<>();
        java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
        int p = 24; // the preface
        while (p + 9 <= b.length) {
            int length = (b[p] & 0xff) << 16 | (b[p + 1] & 0xff) << 8 | b[p + 2] & 0xff;
            int type = b[p + 3];
            int flags = b[p + 4];
            int start = p + 9;
            int end = Math.min(start + length, b.length);
            if (type == 0x1 || type == 0x9) {
                int from = start;
                int to = end;
                if (type == 0x1 && (flags & 0x8) != 0) {
                    to -= b[from] & 0xff;
                    from++;
                }
                if (type == 0x1 && (flags & 0x20) != 0) {
                    from += 5;
                }
                block.write(b, from, Math.max(0, to - from));
                if ((flags & 0x4) != 0) {
                    blocks.add(Traffic.client(block.toByteArray()));
                    block.reset();
                }
            }
            p = end;
        }
        return blocks;
    }

    // -- recording --

    interface Client {
        void run(int port) throws Exception;
    }

    /** Runs {@code client} against a recording proxy in front of {@code upstream}; returns the connection's reads. */
    private static List<Traffic.Segment> run(int upstream, Client client) throws Exception {
        List<Traffic.Segment> segments = new ArrayList<>();
        try (ServerSocket proxy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread relay = new Thread(() -> {
                try (Socket in = proxy.accept(); Socket out = new Socket(InetAddress.getLoopbackAddress(), upstream)) {
                    Thread back = new Thread(() -> pump(out, in, false, segments));
                    back.start();
                    pump(in, out, true, segments);
                    back.join(10_000);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            relay.start();
            client.run(proxy.getLocalPort());
            relay.join(15_000);
        }
        synchronized (segments) {
            return new ArrayList<>(segments);
        }
    }

    private static void pump(Socket from, Socket to, boolean fromClient, List<Traffic.Segment> segments) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) > 0) {
                synchronized (segments) {
                    segments.add(fromClient ? Traffic.client(Arrays.copyOf(buffer, n))
                            : Traffic.server(Arrays.copyOf(buffer, n)));
                }
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // one side hung up
        }
    }

    /** The first read of a connection {@code client} makes to a server that hangs up after it. */
    private static byte[] firstBytes(Client client) throws Exception {
        byte[][] first = {null};
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    byte[] buffer = new byte[16 * 1024];
                    int n = s.getInputStream().read(buffer);
                    first[0] = Arrays.copyOf(buffer, Math.max(n, 0));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            t.start();
            client.run(server.getLocalPort());
            t.join(10_000);
        }
        return first[0];
    }

    private static void exec(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", command));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Process startNginx(Path dir, int http1, int h2c) throws Exception {
        String conf = "daemon off;\nworker_processes 1;\npid " + dir + "/nginx.pid;\nerror_log " + dir
                + "/error.log notice;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n"
                + "  client_body_temp_path " + dir + "/body;\n  proxy_temp_path " + dir + "/proxy;\n"
                + "  fastcgi_temp_path " + dir + "/fastcgi;\n  uwsgi_temp_path " + dir + "/uwsgi;\n"
                + "  scgi_temp_path " + dir + "/scgi;\n  keepalive_timeout 5s;\n"
                + "  server {\n    listen 127.0.0.1:" + http1 + ";\n    listen 127.0.0.1:" + h2c + " http2;\n"
                + "    location / { add_header Keep-Alive \"timeout=5, max=100\"; return 200 \"hello\\n\"; }\n  }\n}\n";
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        String nginx = Files.isExecutable(Paths.get("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : "nginx";
        Process p = new ProcessBuilder(nginx, "-p", dir + "/", "-c", file.toString(), "-e", dir + "/error.log")
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), http1)) {
                return p;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        p.destroy();
        throw new IllegalStateException("nginx did not start: " + Files.readString(dir.resolve("nginx.out")));
    }
}
