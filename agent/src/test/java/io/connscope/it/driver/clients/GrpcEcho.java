package io.connscope.it.driver.clients;

import io.grpc.MethodDescriptor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The echo service the gRPC drivers call, on gRPC's transport-neutral API only (no protobuf: byte[] messages), so
 * that a JVM without grpc-netty-shaded can load it: the calls each run makes and their two methods.
 */
public final class GrpcEcho {

    public static final int UNARY_CALLS = 5;
    static final int STREAM_MESSAGES = 3;

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
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
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("connscope.Echo/Unary")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    static final MethodDescriptor<byte[], byte[]> STREAM = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING).setFullMethodName("connscope.Echo/Stream")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    private GrpcEcho() {
    }
}
