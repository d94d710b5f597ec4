package io.connscope.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;

/**
 * The gRPC unary workload's server: grpc-java on grpc-netty-shaded with its defaults (the native epoll transport
 * where it loads, calls handed to its default executor), one method, {@code connscope.bench.Echo/Unary}, that
 * answers every request with "Hello there!". Described by hand ({@link #UNARY}: a byte array each way), so that the
 * suite needs no protobuf code generation; what goes over the connection is what any gRPC unary call sends (HEADERS,
 * a length-prefixed message, trailers with {@code grpc-status}). Prints {@code serving grpc://127.0.0.1:PORT} once it
 * accepts; runs until it is ended.
 */
public final class GrpcHello {

    /** Messages as they are: the suite measures calls, not serialization. */
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
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

    static final MethodDescriptor<byte[], byte[]> UNARY = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("connscope.bench.Echo", "Unary"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    private static final byte[] HELLO = "Hello there!".getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws Exception {
        ServerServiceDefinition echo = ServerServiceDefinition.builder("connscope.bench.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(HELLO);
                    response.onCompleted();
                }))
                .build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(echo).build()
                .start();
        System.out.println("serving grpc://127.0.0.1:" + server.getPort());
        System.out.flush();
        server.awaitTermination();
    }
}
