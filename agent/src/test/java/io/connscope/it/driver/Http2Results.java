package io.connscope.it.driver;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * What an application gets over HTTP/2, as digests, so that a run with the agent can be compared with one without:
 * gRPC unary calls with messages from 1 byte to 1 MiB (many DATA frames, flow control, CONTINUATION-free headers)
 * and a server stream, on grpc-netty-shaded's default transport, in the clear and inside its bundled BoringSSL.
 * Prints {@code RESULT <transport> calls=N digest=<sha-256 of every response, in order>}. Args: a PKCS12 keystore
 * (changeit) for 127.0.0.1.
 */
public final class Http2Results {

    private static final int[] SIZES = {1, 100, 16_383, 16_384, 16_385, 65_535, 65_536, 300_000, 1 << 20};

    private Http2Results() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        System.out.println(run("h2c", null, null));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Paths.get(args[0]))) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SslContext server = GrpcSslContexts.configure(SslContextBuilder.forServer(kmf), SslProvider.OPENSSL).build();
        SslContext client = GrpcSslContexts.configure(SslContextBuilder.forClient().trustManager(tmf), SslProvider.OPENSSL)
                .build();
        System.out.println(run("h2-boringssl", server, client));
        System.exit(0);
    }

    private static String run(String name, SslContext serverTls, SslContext clientTls) throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder("connscope.Test")
                .addMethod(GrpcHttp2Scenarios.ECHO, ServerCalls.asyncUnaryCall((byte[] req, StreamObserver<byte[]> out) -> {
                    byte[] answer = new byte[req.length];
                    for (int i = 0; i < req.length; i++) {
                        answer[i] = (byte) (req[req.length - 1 - i] * 31 + i);
                    }
                    out.onNext(answer);
                    out.onCompleted();
                }))
                .addMethod(GrpcHttp2Scenarios.COUNT, ServerCalls.asyncServerStreamingCall((byte[] req, StreamObserver<byte[]> out) -> {
                    for (int i = 0; i < req[0]; i++) {
                        out.onNext(new byte[] {(byte) i, (byte) (i * 7)});
                    }
                    out.onCompleted();
                })).build();
        NettyServerBuilder sb = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service);
        if (serverTls != null) {
            sb.sslContext(serverTls);
        }
        Server server = sb.build().start();
        NettyChannelBuilder cb = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
                .maxInboundMessageSize(4 << 20);
        if (clientTls != null) {
            cb.sslContext(clientTls);
        } else {
            cb.usePlaintext();
        }
        ManagedChannel channel = cb.build();
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        int calls = 0;
        try {
            for (int size : SIZES) {
                byte[] req = new byte[size];
                for (int i = 0; i < size; i++) {
                    req[i] = (byte) (i * 13 + size);
                }
                digest.update(ClientCalls.blockingUnaryCall(channel, GrpcHttp2Scenarios.ECHO, CallOptions.DEFAULT, req));
                calls++;
            }
            Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(channel, GrpcHttp2Scenarios.COUNT,
                    CallOptions.DEFAULT, new byte[] {100});
            while (it.hasNext()) {
                digest.update(it.next());
            }
            calls++;
        } finally {
            channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        }
        return "RESULT " + name + " calls=" + calls + " digest=" + HexFormat.of().formatHex(digest.digest());
    }
}
