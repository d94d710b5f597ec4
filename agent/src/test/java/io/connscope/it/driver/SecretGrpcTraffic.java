package io.connscope.it.driver;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ForwardingServerCall;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * gRPC (HTTP/2 in the clear) full of things connscope must never record, each marked {@code SECRET}: the method
 * (the {@code :path}), the {@code :authority}, request metadata (authorization, tracestate, baggage, a custom header, a binary one),
 * response headers and trailers, and both messages. Prints {@code RESULT grpc_port=PORT calls=N}.
 */
public final class SecretGrpcTraffic {

    private SecretGrpcTraffic() {
    }

    /** Adds a secret to the response headers and one to the trailers. */
    private static final class SecretResponseMetadata implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                           ServerCallHandler<Q, R> next) {
            return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendHeaders(Metadata responseHeaders) {
                    responseHeaders.put(Metadata.Key.of("x-secret-response", Metadata.ASCII_STRING_MARSHALLER),
                            "SECRET-response-header");
                    super.sendHeaders(responseHeaders);
                }

                @Override
                public void close(Status status, Metadata trailers) {
                    trailers.put(Metadata.Key.of("x-secret-trailer", Metadata.ASCII_STRING_MARSHALLER),
                            "SECRET-trailer");
                    super.close(status, trailers);
                }
            }, headers);
        }
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        io.grpc.MethodDescriptor<byte[], byte[]> method = GrpcHttp2Scenarios.ECHO.toBuilder()
                .setFullMethodName("SECRET.Service/SECRET-method").build();
        ServerServiceDefinition service = ServerServiceDefinition.builder("SECRET.Service")
                .addMethod(method, ServerCalls.asyncUnaryCall((byte[] req, StreamObserver<byte[]> out) -> {
                    out.onNext("SECRET-response-body".getBytes(StandardCharsets.US_ASCII));
                    out.onCompleted();
                })).build();
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .channelType(NioServerSocketChannel.class).bossEventLoopGroup(group).workerEventLoopGroup(group)
                .addService(io.grpc.ServerInterceptors.intercept(service, new SecretResponseMetadata()))
                .build().start();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer SECRET-authorization");
        headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), "SECRET-api-key");
        headers.put(Metadata.Key.of("tracestate", Metadata.ASCII_STRING_MARSHALLER), "congo=SECRET-tracestate");
        headers.put(Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER), "userId=SECRET-baggage");
        headers.put(Metadata.Key.of("x-token-bin", Metadata.BINARY_BYTE_MARSHALLER),
                "SECRET-binary".getBytes(StandardCharsets.US_ASCII));
        int port = server.getPort();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .overrideAuthority("SECRET-authority:443").channelType(NioSocketChannel.class).eventLoopGroup(group)
                .build();
        int calls = 0;
        try {
            for (int i = 0; i < 3; i++) {
                ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(channel,
                                MetadataUtils.newAttachHeadersInterceptor(headers)), method, CallOptions.DEFAULT,
                        "SECRET-request-body".getBytes(StandardCharsets.US_ASCII));
                calls++;
            }
        } finally {
            channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdown().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        System.out.println("RESULT grpc_port=" + port + " calls=" + calls);
    }
}
