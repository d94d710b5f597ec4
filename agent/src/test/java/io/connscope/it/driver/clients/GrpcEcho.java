package io.connscope.it.driver.clients;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The echo service the gRPC drivers call, on gRPC's transport-neutral API only (no protobuf: byte[] messages), so
 * that a JVM without grpc-netty-shaded can load it: the calls each run makes and their two methods.
 */
public final class GrpcEcho {

    public static final int UNARY_CALLS = 5;
    static final int STREAM_MESSAGES = 3;

    /** byte[] messages as they are: the marshaller every test service and client here uses. */
    public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
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

    /** What the echo service counts as it serves: calls, stream messages, its callers' ports, the TLS session's class. */
    static final class Counts {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger messages = new AtomicInteger();
        /** Guarded by itself. */
        final Set<Integer> clientPorts = new TreeSet<>();
        final AtomicReference<String> session = new AtomicReference<>("none");
    }

    /** The echo service (unary and bidirectional stream), counting into {@code counts}. */
    static ServerServiceDefinition service(Counts counts) {
        ServerServiceDefinition echo = ServerServiceDefinition.builder("connscope.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((request, response) -> {
                    counts.calls.incrementAndGet();
                    response.onNext(request);
                    response.onCompleted();
                }))
                .addMethod(STREAM, ServerCalls.asyncBidiStreamingCall(response -> {
                    counts.calls.incrementAndGet();
                    return new StreamObserver<byte[]>() {
                        @Override
                        public void onNext(byte[] value) {
                            counts.messages.incrementAndGet();
                            response.onNext(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            response.onError(t);
                        }

                        @Override
                        public void onCompleted() {
                            response.onCompleted();
                        }
                    };
                }))
                .build();
        ServerInterceptor peers = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                              ServerCallHandler<Q, A> next) {
                SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                synchronized (counts.clientPorts) {
                    counts.clientPorts.add(((InetSocketAddress) remote).getPort());
                }
                Object ssl = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                if (ssl != null) {
                    counts.session.set(ssl.getClass().getName());
                }
                return next.startCall(call, headers);
            }
        };
        return ServerInterceptors.intercept(echo, peers);
    }
}
