package io.connscope.it.driver;

import io.connscope.it.driver.clients.GrpcEcho;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * gRPC-java (grpc-netty-shaded, on its default transport: native epoll) client and server pairs in one JVM, each
 * pair on its own server, showing the HTTP/2
 * connection management connscope reports: calls as streams, a cancelled call, PING keep-alive a server accepts,
 * PINGs it punishes ({@code too_many_pings}), and GOAWAYs for the server's maximum connection age and idle time.
 * The pairs run side by side (the longest, {@code too_many_pings}, takes about 30 s: gRPC clamps a client's
 * keep-alive time to 10 s and the server strikes on the third early PING).
 *
 * <p>Ground truth, printed for the test: the calls each client made and each server served, and every frame gRPC's
 * own HTTP/2 frame loggers logged, per connection (the local and remote port in the channel's name) and direction.
 * gRPC logs every frame it reads and writes at {@code FINE} whether or not anyone listens; this driver listens.
 *
 * <p>Args: the scenarios to run, comma-separated (all when none), then {@code wait} to wait for a line on stdin
 * before exiting. Output lines: {@code RESULT <scenario> port=<server port> calls=<made> served=<served>} and
 * {@code FRAMES side=<client|server> local=<port> remote=<port> <DIRECTION>_<TYPE>=<n> ...} (for example
 * {@code OUTBOUND_PING=3 INBOUND_PING_ACK=3 OUTBOUND_GO_AWAY=1 OUTBOUND_GO_AWAY_CODE=11}).
 */
public final class GrpcHttp2Scenarios {

    static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("connscope.Test/Echo")
            .setRequestMarshaller(GrpcEcho.BYTES).setResponseMarshaller(GrpcEcho.BYTES).build();
    static final MethodDescriptor<byte[], byte[]> COUNT = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING).setFullMethodName("connscope.Test/Count")
            .setRequestMarshaller(GrpcEcho.BYTES).setResponseMarshaller(GrpcEcho.BYTES).build();
    static final MethodDescriptor<byte[], byte[]> HOLD = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING).setFullMethodName("connscope.Test/Hold")
            .setRequestMarshaller(GrpcEcho.BYTES).setResponseMarshaller(GrpcEcho.BYTES).build();

    /** Frames by connection ("side local remote") and kind ("OUTBOUND_PING"), from gRPC's frame loggers. */
    private static final Map<String, Map<String, AtomicInteger>> FRAMES = new ConcurrentHashMap<>();
    private static final Pattern FRAME = Pattern.compile(
            // "L:/127.0.0.1:5000 - R:/127.0.0.1:6000]" (NIO), "R:127.0.0.1/127.0.0.1:6000]" (epoll, a client's)
            "L:\\S*?:(\\d+) [-!] R:\\S*?:(\\d+)\\] (INBOUND|OUTBOUND) (\\w+): (.*)");
    private static final Pattern ACK = Pattern.compile("ack=(true|false)");
    private static final Pattern ERROR_CODE = Pattern.compile("errorCode=(\\d+)");
    /** Keeps the loggers (and their level) alive: JUL holds loggers weakly. */
    private static final List<Logger> LOGGERS = new ArrayList<>();

    private GrpcHttp2Scenarios() {
    }

    public static void main(String[] args) throws Exception {
        listenToFrameLoggers();
        System.out.println("TRANSPORT epoll=" + Epoll.isAvailable());
        List<Thread> threads = new ArrayList<>();
        // All scenarios, or those named (comma-separated) in the first argument.
        List<String> only = args.length > 0 ? List.of(args[0].split(",")) : List.of();
        for (String name : new String[] {"calls", "lenient_pings", "too_many_pings", "max_age", "max_idle"}) {
            if (!only.isEmpty() && !only.contains(name)) {
                continue;
            }
            Thread t = new Thread(() -> {
                try {
                    System.out.println(run(name));
                } catch (Throwable e) {
                    System.out.println("FAILED " + name + " " + e);
                    e.printStackTrace();
                }
            }, "scenario-" + name);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(50));
        }
        for (Map.Entry<String, Map<String, AtomicInteger>> c : new TreeMap<>(FRAMES).entrySet()) {
            StringBuilder sb = new StringBuilder("FRAMES ").append(c.getKey());
            new TreeMap<>(c.getValue()).forEach((k, v) -> sb.append(' ').append(k).append('=').append(v.get()));
            System.out.println(sb);
        }
        System.out.flush();
        if (args.length > 1 && args[1].equals("wait")) {
            // For a scrape of connscope's Prometheus endpoint: every connection has closed, the JVM still runs.
            System.out.println("WAITING");
            System.out.flush();
            System.in.read();
        }
        System.exit(0);
    }

    private static String run(String name) throws Exception {
        AtomicInteger served = new AtomicInteger();
        // gRPC's default transport: the native epoll one bundled in grpc-netty-shaded, where it loads (Linux).
        NettyServerBuilder sb = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(service(), counting(served)));
        NettyChannelBuilder cb = null;
        switch (name) {
            case "lenient_pings":
                sb.permitKeepAliveTime(1, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true);
                break;
            case "max_age":
                sb.maxConnectionAge(1, TimeUnit.SECONDS).maxConnectionAgeGrace(1, TimeUnit.SECONDS);
                break;
            case "max_idle":
                sb.maxConnectionIdle(1, TimeUnit.SECONDS);
                break;
            default:
                break;
        }
        Server server = sb.build().start();
        int port = server.getPort();
        cb = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext();
        if (name.equals("lenient_pings") || name.equals("too_many_pings")) {
            // gRPC's shortest: anything under 10 s is raised to 10 s.
            // On epoll gRPC also sets TCP_USER_TIMEOUT to the keep-alive timeout (gRFC A18).
            cb.keepAliveTime(10, TimeUnit.SECONDS).keepAliveTimeout(15, TimeUnit.SECONDS).keepAliveWithoutCalls(true);
        }
        ManagedChannel channel = cb.build();
        int calls = 0;
        try {
            switch (name) {
                case "calls":
                    for (int i = 0; i < 20; i++) {
                        ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, new byte[] {(byte) i});
                        calls++;
                    }
                    Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(channel, COUNT, CallOptions.DEFAULT,
                            new byte[] {5});
                    while (it.hasNext()) {
                        it.next();
                    }
                    calls++;
                    calls += cancelledCall(channel);
                    break;
                case "lenient_pings":
                case "too_many_pings":
                    ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, new byte[] {1});
                    calls++;
                    // Three keep-alive PINGs, at 10, 20 and 30 s: the strict server answers the third with GOAWAY.
                    Thread.sleep(name.equals("lenient_pings") ? 25_000 : 33_000);
                    break;
                default:
                    ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, new byte[] {1});
                    calls++;
                    // Past the age or idle time and its grace: the server has sent GOAWAY and closed.
                    Thread.sleep(4_000);
            }
        } finally {
            channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        }
        return "RESULT " + name + " port=" + port + " calls=" + calls + " served=" + served.get();
    }

    /** A server-streaming call the server holds open, cancelled by the client: RST_STREAM(CANCEL) from the client. */
    private static int cancelledCall(ManagedChannel channel) throws InterruptedException {
        ClientCall<byte[], byte[]> call = channel.newCall(HOLD, CallOptions.DEFAULT);
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                first.countDown();
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.countDown();
            }
        }, new Metadata());
        call.sendMessage(new byte[] {1});
        call.halfClose();
        call.request(1);
        first.await(5, TimeUnit.SECONDS);
        call.cancel("the test cancels it", null);
        closed.await(5, TimeUnit.SECONDS);
        return 1;
    }

    private static ServerServiceDefinition service() {
        return ServerServiceDefinition.builder("connscope.Test")
                .addMethod(ECHO, ServerCalls.asyncUnaryCall((byte[] req, StreamObserver<byte[]> out) -> {
                    out.onNext(req);
                    out.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((byte[] req, StreamObserver<byte[]> out) -> {
                    for (int i = 0; i < req[0]; i++) {
                        out.onNext(new byte[] {(byte) i});
                    }
                    out.onCompleted();
                }))
                // Sends one message and never completes: the client cancels.
                .addMethod(HOLD, ServerCalls.asyncServerStreamingCall((byte[] req, StreamObserver<byte[]> out) ->
                        out.onNext(req)))
                .build();
    }

    private static ServerInterceptor counting(AtomicInteger served) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                served.incrementAndGet();
                return next.startCall(call, headers);
            }
        };
    }

    /** gRPC's HTTP/2 frame loggers, one per side, log every frame at FINE (Netty's DEBUG). */
    private static void listenToFrameLoggers() {
        for (String side : new String[] {"client", "server"}) {
            String name = "io.grpc.netty.shaded.io.grpc.netty.Netty" + (side.equals("client") ? "Client" : "Server")
                    + "Handler";
            Logger logger = Logger.getLogger(name);
            logger.setLevel(Level.FINE);
            logger.setUseParentHandlers(false);
            logger.addHandler(new Handler() {
                @Override
                public void publish(LogRecord record) {
                    count(side, String.valueOf(record.getMessage()));
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            });
            LOGGERS.add(logger);
        }
    }

    private static void count(String side, String message) {
        Matcher m = FRAME.matcher(message);
        if (!m.find()) {
            return;
        }
        String kind = m.group(3) + "_" + m.group(4);
        String rest = m.group(5);
        Matcher ack = ACK.matcher(rest);
        if (("PING".equals(m.group(4)) || "SETTINGS".equals(m.group(4))) && ack.find() && ack.group(1).equals("true")) {
            kind += "_ACK";
        }
        Map<String, AtomicInteger> frames = FRAMES.computeIfAbsent(
                "side=" + side + " local=" + m.group(1) + " remote=" + m.group(2), k -> new ConcurrentHashMap<>());
        frames.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
        Matcher code = ERROR_CODE.matcher(rest);
        if (code.find()) {
            frames.computeIfAbsent(kind + "_CODE" + code.group(1), k -> new AtomicInteger()).incrementAndGet();
        }
    }
}
