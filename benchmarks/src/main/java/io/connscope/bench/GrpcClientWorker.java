package io.connscope.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;

/**
 * The gRPC unary workload's client, a JVM of its own that the driver keeps running and commands over stdin like
 * {@link ClientWorker}: {@code run grpc-unary MILLIS} makes unary calls to {@link GrpcHello} at {@code args[0]} (a
 * port on 127.0.0.1) for that long, {@code args[1]} of them in flight at all times on one channel (grpc-java's
 * defaults: one HTTP/2 connection, the native epoll transport where it loads), and answers
 * {@code ops COUNT NANOS ERRORS}: the calls completed, from the start until the last one in flight ended.
 */
public final class GrpcClientWorker {

    private static final byte[] REQUEST = "sixteen bytes!!!".getBytes(StandardCharsets.US_ASCII);

    private final ManagedChannel channel;
    private final int inFlight;

    private GrpcClientWorker(int port, int inFlight) {
        this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        this.inFlight = inFlight;
    }

    public static void main(String[] args) throws Exception {
        GrpcClientWorker worker = new GrpcClientWorker(Integer.parseInt(args[0]), Integer.parseInt(args[1]));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        System.out.println("ready " + ProcessHandle.current().pid());
        System.out.flush();
        for (String line; (line = in.readLine()) != null; ) {
            String[] cmd = line.trim().split(" ");
            if (cmd.length == 3 && cmd[0].equals("run") && cmd[1].equals("grpc-unary")) {
                System.out.println(worker.run(Long.parseLong(cmd[2])));
            } else if (cmd[0].equals("exit")) {
                break;
            } else {
                System.out.println("error unknown command: " + line);
            }
            System.out.flush();
        }
        worker.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private String run(long millis) throws InterruptedException {
        AtomicLong ops = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(inFlight);
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
        for (int i = 0; i < inFlight; i++) {
            new Caller(end, ops, errors, done).next();
        }
        if (!done.await(millis + 60_000, TimeUnit.MILLISECONDS)) {
            errors.incrementAndGet();
        }
        return "ops " + ops.get() + " " + (System.nanoTime() - start) + " " + errors.get();
    }

    /** One of the calls in flight: when a call ends it starts the next, until the run's end. */
    private final class Caller implements StreamObserver<byte[]> {
        private final long end;
        private final AtomicLong ops;
        private final AtomicLong errors;
        private final CountDownLatch done;
        private boolean answered;

        Caller(long end, AtomicLong ops, AtomicLong errors, CountDownLatch done) {
            this.end = end;
            this.ops = ops;
            this.errors = errors;
            this.done = done;
        }

        void next() {
            if (System.nanoTime() - end >= 0 || errors.get() >= 1000) {
                done.countDown();
                return;
            }
            answered = false;
            ClientCalls.asyncUnaryCall(channel.newCall(GrpcHello.UNARY, CallOptions.DEFAULT), REQUEST, this);
        }

        @Override
        public void onNext(byte[] value) {
            answered = value.length == 12;
        }

        @Override
        public void onError(Throwable t) {
            if (errors.incrementAndGet() == 1) {
                System.err.println("worker: grpc-unary: " + t);
            }
            next();
        }

        @Override
        public void onCompleted() {
            if (answered) {
                ops.incrementAndGet();
            } else {
                errors.incrementAndGet();
            }
            next();
        }
    }
}
