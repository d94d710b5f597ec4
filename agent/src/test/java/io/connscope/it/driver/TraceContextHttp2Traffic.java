package io.connscope.it.driver;

import io.connscope.it.driver.TraceContextTraffic.Request;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static io.connscope.it.driver.TraceContextTraffic.hex;
import static io.connscope.it.driver.TraceContextTraffic.printTruth;

/**
 * HTTP/2 requests that carry trace context, with generated ids, one connection per scenario, servers in this JVM:
 * <ul>
 *   <li>{@code jetty}: the JDK HttpClient over h2 (TLS, ALPN) to Jetty 12: the JDK's HPACK encoder, which
 *   Huffman-codes the values where that is shorter (hex digits always are);</li>
 *   <li>{@code grpc}: grpc-netty-shaded in the clear (h2c), the trace headers as call metadata: Netty's encoder,
 *   raw literals added to the dynamic table, a repeated header sent as its index.</li>
 * </ul>
 * Both send {@code tracestate} and {@code baggage} with {@code SECRET} values beside valid and malformed trace
 * headers. Prints the same ground truth as {@link TraceContextTraffic}. Args: a PKCS12 keystore (changeit) with a
 * certificate for 127.0.0.1. Class path: Jetty's and gRPC's jars.
 */
public final class TraceContextHttp2Traffic {

    /** One request's headers (name, value, ...; lowercase, as HTTP/2 sends them) and what connscope must find. */
    private static final class Http2Request {
        final String[] headers;
        final Request truth;

        Http2Request(Request truth, String... headers) {
            this.headers = headers;
            this.truth = truth;
        }
    }

    private TraceContextHttp2Traffic() {
    }

    private static List<Http2Request> requests() {
        List<Http2Request> list = new ArrayList<>();
        String t = hex(32);
        String s = hex(16);
        list.add(new Http2Request(new Request(null, t, s, true, 0), "traceparent", "00-" + t + "-" + s + "-01",
                "tracestate", "congo=SECRET-tracestate", "baggage", "userId=SECRET-baggage"));
        // The very same header again: an encoder that added it to its table sends only its index.
        list.add(new Http2Request(new Request(null, t, s, true, 0), "traceparent", "00-" + t + "-" + s + "-01"));
        t = hex(32);
        s = hex(16);
        list.add(new Http2Request(new Request(null, t, s, false, 0), "traceparent", "00-" + t + "-" + s + "-00"));
        String t16 = hex(16);
        s = hex(16);
        list.add(new Http2Request(new Request(null, "0000000000000000" + t16, s, true, 0), "b3",
                t16 + "-" + s + "-1"));
        t = hex(32);
        s = hex(16);
        list.add(new Http2Request(new Request(null, t, s, false, 0), "x-b3-traceid", t, "x-b3-spanid", s,
                "x-b3-parentspanid", hex(16), "x-b3-sampled", "0"));
        list.add(new Http2Request(new Request(null, null, null, false, 0), "b3", "0"));
        t = hex(32);
        s = hex(16);
        list.add(new Http2Request(new Request(null, t, s, null, 1), "traceparent",
                "00-" + hex(32).toUpperCase(Locale.ROOT) + "-" + hex(16) + "-01", "b3", t + "-" + s));
        list.add(new Http2Request(new Request(null, null, null, null, 1), "x-b3-traceid", hex(32)));
        t = hex(32);
        s = hex(16);
        list.add(new Http2Request(new Request(null, t, s, true, 0), "traceparent",
                "7a-" + t + "-" + s + "-01-SECRET-future"));
        list.add(new Http2Request(new Request(null, null, null, null, 0), "tracestate", "congo=SECRET-tracestate",
                "baggage", "userId=SECRET-baggage"));
        return list;
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        jetty(args[0]);
        grpc();
        System.out.println("DONE");
        System.exit(0);
    }

    private static void jetty(String keystore) throws Exception {
        org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server();
        HttpConfiguration config = new HttpConfiguration();
        SslContextFactory.Server ssl = JettyH2Server.tls(keystore);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2");
        ServerConnector secure = new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn,
                new HTTP2ServerConnectionFactory(config), new HttpConnectionFactory(config));
        secure.setHost("127.0.0.1");
        secure.setPort(0);
        server.addConnector(secure);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
                response.setStatus(200);
                Content.Sink.write(response, true, "ok", callback);
                return true;
            }
        });
        server.start();
        int port = secure.getLocalPort();
        List<Http2Request> requests = requests();
        int malformed = 0;
        try {
            HttpClient client = HttpClient.newBuilder().sslContext(KeepAliveServer.tls(keystore))
                    .version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(10)).build();
            for (int i = 0; i < requests.size(); i++) {
                Http2Request r = requests.get(i);
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
                        + "/SECRET-path?q=SECRET-query")).timeout(Duration.ofSeconds(10));
                for (int k = 0; k < r.headers.length; k += 2) {
                    b.header(r.headers[k], r.headers[k + 1]);
                }
                HttpResponse<String> response = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200 || response.version() != HttpClient.Version.HTTP_2) {
                    throw new IllegalStateException(response.version() + " " + response.statusCode());
                }
                malformed += r.truth.malformed;
                printTruth("jetty", port, i + 1, r.truth);
            }
        } finally {
            server.stop();
        }
        System.out.println("SCENARIO name=jetty port=" + port + " requests=" + requests.size() + " malformed="
                + malformed);
    }

    private static void grpc() throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder("connscope.Test")
                .addMethod(GrpcHttp2Scenarios.ECHO, ServerCalls.asyncUnaryCall((byte[] req,
                        StreamObserver<byte[]> out) -> {
                    out.onNext(req);
                    out.onCompleted();
                })).build();
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .channelType(NioServerSocketChannel.class).bossEventLoopGroup(group).workerEventLoopGroup(group)
                .addService(service).build().start();
        int port = server.getPort();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .channelType(NioSocketChannel.class).eventLoopGroup(group).build();
        List<Http2Request> requests = requests();
        int malformed = 0;
        try {
            for (int i = 0; i < requests.size(); i++) {
                Http2Request r = requests.get(i);
                Metadata headers = new Metadata();
                for (int k = 0; k < r.headers.length; k += 2) {
                    headers.put(Metadata.Key.of(r.headers[k], Metadata.ASCII_STRING_MARSHALLER), r.headers[k + 1]);
                }
                ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(channel,
                                MetadataUtils.newAttachHeadersInterceptor(headers)), GrpcHttp2Scenarios.ECHO,
                        CallOptions.DEFAULT, "hello".getBytes(StandardCharsets.US_ASCII));
                malformed += r.truth.malformed;
                printTruth("grpc", port, i + 1, r.truth);
            }
        } finally {
            channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdown().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        System.out.println("SCENARIO name=grpc port=" + port + " requests=" + requests.size() + " malformed="
                + malformed);
    }
}
