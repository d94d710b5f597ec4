package io.connscope.it.driver.clients;

import io.connscope.it.driver.Watchdog;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;

import java.io.File;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * gRPC on a transport other than grpc-netty-shaded's default, server and client in this JVM, one channel per run:
 * the same calls as {@link GrpcShadedDriver} (5 unary calls, one bidirectional streaming call of 3 messages).
 * {@code main(mode[, certDir])}:
 * <ul>
 *   <li>{@code netty} / {@code netty-tls}: server and client from grpc-netty on plain Netty, whose transport is NIO
 *       when no native transport jar is on the class path; TLS by the JDK's {@code SSLEngine} (no netty-tcnative);</li>
 *   <li>{@code okhttp} / {@code okhttp-tls}: a grpc-okhttp client (blocking JDK sockets, TLS by the JDK's
 *       {@code SSLSocket}) against a grpc-netty-shaded server.</li>
 * </ul>
 * Only gRPC's public API, and the builders by name: the driver compiles against the build's gRPC (grpc-netty-shaded
 * only) and runs against each version's own directory. Prints the same {@code RESULT} keys as {@link
 * GrpcShadedDriver}, and what ran: {@code transports}, the kinds of I/O loop on this JVM's threads while the
 * connection is open ({@code Nio}, {@code Epoll} for plain Netty; {@code ShadedNio}, {@code ShadedEpoll} for
 * grpc-netty-shaded; {@code OkHttp} for grpc-okhttp's reader, which over TLS reads the JDK's {@code SSLSocket}:
 * there is no other provider on the class path).
 */
public final class GrpcTransportDriver {

    private GrpcTransportDriver() {
    }

    public static void main(String[] args) throws Throwable {
        Watchdog.start(50_000);
        String mode = args[0];
        File certDir = args.length > 1 ? new File(args[1]) : null;
        boolean okhttp = mode.startsWith("okhttp");
        String serverBuilder = okhttp ? "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder" : "io.grpc.netty.NettyServerBuilder";
        String channelBuilder = okhttp ? "io.grpc.okhttp.OkHttpChannelBuilder" : "io.grpc.netty.NettyChannelBuilder";
        System.out.println("RESULT scenario=" + mode + " native_epoll_on_class_path=" + present("io.netty.channel.epoll.Epoll")
                + " netty_tcnative_on_class_path=" + present("io.netty.internal.tcnative.SSL"));
        grpc(mode, serverBuilder, channelBuilder, certDir);
        System.out.println("DONE");
    }

    private static void grpc(String mode, String serverBuilderClass, String channelBuilderClass, File certDir)
            throws Throwable {
        GrpcEcho.Counts counts = new GrpcEcho.Counts();
        ServerCredentials serverCredentials = certDir == null ? InsecureServerCredentials.create()
                : TlsServerCredentials.create(new File(certDir, "cert.pem"), new File(certDir, "key.pem"));
        ChannelCredentials channelCredentials = certDir == null ? InsecureChannelCredentials.create()
                : TlsChannelCredentials.newBuilder().trustManager(new File(certDir, "cert.pem")).build();
        // By method handle, not Class.getMethod: that resolves every public method's signature, and
        // OkHttpChannelBuilder's name okhttp 2's ConnectionSpec, which grpc-okhttp neither needs nor brings.
        ServerBuilder<?> serverBuilder = (ServerBuilder<?>) MethodHandles.publicLookup().findStatic(
                Class.forName(serverBuilderClass), "forAddress",
                MethodType.methodType(Class.forName(serverBuilderClass), SocketAddress.class, ServerCredentials.class))
                .invoke(new InetSocketAddress("127.0.0.1", 0), serverCredentials);
        Server server = serverBuilder.addService(GrpcEcho.service(counts)).build().start();
        int serverPort = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
        ManagedChannelBuilder<?> channelBuilder = (ManagedChannelBuilder<?>) MethodHandles.publicLookup().findStatic(
                Class.forName(channelBuilderClass), "forAddress",
                MethodType.methodType(Class.forName(channelBuilderClass), String.class, int.class, ChannelCredentials.class))
                .invoke("127.0.0.1", serverPort, channelCredentials);
        ManagedChannel channel = channelBuilder.build();

        int made = 0;
        for (int i = 0; i < GrpcEcho.UNARY_CALLS; i++) {
            byte[] reply = ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), ("unary " + i).getBytes(StandardCharsets.UTF_8));
            made++;
            if (!new String(reply, StandardCharsets.UTF_8).equals("unary " + i)) {
                throw new AssertionError("wrong echo: " + new String(reply, StandardCharsets.UTF_8));
            }
        }
        CountDownLatch finished = new CountDownLatch(1);
        AtomicInteger streamed = new AtomicInteger();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(GrpcEcho.STREAM, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
                new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        streamed.incrementAndGet();
                    }

                    @Override
                    public void onError(Throwable t) {
                        failed.set(t);
                        finished.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        finished.countDown();
                    }
                });
        made++;
        for (int i = 0; i < GrpcEcho.STREAM_MESSAGES; i++) {
            requests.onNext(("stream " + i).getBytes(StandardCharsets.UTF_8));
        }
        requests.onCompleted();
        if (!finished.await(10, TimeUnit.SECONDS) || failed.get() != null) {
            throw new AssertionError("the streaming call did not complete", failed.get());
        }

        // What ran, while the connection is still open: the I/O loops on this JVM's threads.
        String transports = transports();
        // The client closes first: the channel ends its connection, then the server stops.
        channel.shutdown();
        if (!channel.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the channel did not terminate");
        }
        Thread.sleep(300);
        server.shutdown();
        if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the server did not terminate");
        }
        String ports;
        synchronized (counts.clientPorts) {
            ports = counts.clientPorts.toString().replace(" ", "");
        }
        System.out.println("RESULT scenario=" + mode + " channel_builder=" + channelBuilder.getClass().getName()
                + " server_builder=" + serverBuilder.getClass().getName() + " transports=" + transports
                + " ssl_session=" + counts.session.get());
        System.out.println("RESULT scenario=" + mode + " server_port=" + serverPort + " client_ports=" + ports
                + " calls_made=" + made + " calls_served=" + counts.calls.get()
                + " stream_messages_sent=" + GrpcEcho.STREAM_MESSAGES + " stream_messages_served=" + counts.messages.get()
                + " stream_messages_received=" + streamed.get());
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, GrpcTransportDriver.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The kinds of I/O loop on some thread's stack now, sorted and joined by "+". Netty 4.1 runs {@code NioEventLoop}
     * and {@code EpollEventLoop}; Netty 4.2 (gRPC 1.8x) a {@code SingleThreadIoEventLoop} driving an {@code
     * NioIoHandler} or {@code EpollIoHandler}.
     */
    static String transports() {
        Set<String> kinds = new TreeSet<>();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            for (StackTraceElement frame : e.getValue()) {
                String c = frame.getClassName();
                String shaded = c.startsWith("io.grpc.netty.shaded.") ? "Shaded" : "";
                if (c.endsWith(".channel.epoll.EpollEventLoop") || c.endsWith(".channel.epoll.EpollIoHandler")) {
                    kinds.add(shaded + "Epoll");
                } else if (c.endsWith(".channel.nio.NioEventLoop") || c.endsWith(".channel.nio.NioIoHandler")) {
                    kinds.add(shaded + "Nio");
                } else if (c.startsWith("io.grpc.okhttp.OkHttpClientTransport")) {
                    kinds.add("OkHttp");
                }
            }
        }
        return kinds.isEmpty() ? "none" : String.join("+", kinds);
    }
}
