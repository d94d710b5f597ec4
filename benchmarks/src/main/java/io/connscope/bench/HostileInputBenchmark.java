package io.connscope.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.connscope.agent.core.http.ByteSource;
import io.connscope.agent.core.http.HttpConnectionTracker;
import io.connscope.agent.core.http2.Http2ConnectionTracker;
import io.connscope.agent.core.tls.ClientHelloKey;
import io.connscope.agent.core.tls.TlsRecords;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * What hostile and broken traffic costs connscope in CPU per byte, against ordinary traffic of the same size
 * (docs/security.md, "CPU per byte"). Each {@code input} is one case; one operation feeds that case's fixed number
 * of bytes ({@link HostileInputs#bytesPerOp}) to the parser the agent would hand them to, through the same calls its advice
 * makes, so ns/byte = ns/op / bytes. Each family shares a size: HTTP/1.x and HTTP/2 cases about 1 MiB per operation,
 * the TLS cases about 3 KiB. As in {@link Http2ExchangeBenchmark}: state set up once (a connection's setup is fed
 * before the run), time a counter, not the clock, no exchange listener ({@code console=summary}), and the bytes read
 * from native memory as the agent reads them ({@code source=native}; {@code heap} for the unit test).
 *
 * <p>The cases (the first of each family is its ordinary traffic, the others are compared with it):
 * <ul>
 *   <li>{@code h1-normal}: curl-like request heads and Tomcat-like response heads, each fed whole (one write, one
 *   read); {@code h1-1-byte-reads}: the same bytes, one byte per read; {@code h1-10k-headers}: request heads of
 *   10,000 short headers each; {@code h1-1mb-header-line}: one request head with a 1 MiB header line, in 64 KiB
 *   reads; {@code h1-garbage}: random bytes both ways after a first exchange, in 64 KiB reads;
 *   {@code h1-unknown-method}: 2048-byte reads that each start like an unknown method's request line and have no
 *   line end (the longest scan of a read's start); {@code h1-pipelined-50}: 50 requests in one write, then their 50
 *   responses in one read.</li>
 *   <li>{@code h2-normal}: gRPC unary calls and PING round trips ({@link Http2ExchangeBenchmark}'s frames, indexed
 *   header blocks); {@code h2-ping-flood}; {@code h2-settings-flood} (six settings each, no ACK);
 *   {@code h2-rapid-reset}: HEADERS then RST_STREAM on a new stream, again and again; {@code h2-reset-1024-open}:
 *   the same with 1024 streams held open, the most followed; {@code h2-end-stream-1024-open}: empty DATA frames
 *   with END_STREAM on the last of 1024 open streams (the smallest frame that searches the open streams);
 *   {@code h2-end-stream-1024-colliding}: the same on 1024 streams whose ids would collide in the agent's
 *   open-stream index without the seed each connection mixes in (what a peer that knows the code could pick);
 *   {@code h2-hpack-size-updates}: header blocks of dynamic table size updates (0, then 4096, again and again);
 *   {@code h2-continuation-1mb}: a 1 MiB header block in 16 KiB CONTINUATION frames; {@code h2-goaway-1mb}: a
 *   GOAWAY carrying 1 MiB of debug data, in 64 KiB reads. HTTP/2 frames are fed in 64 KiB reads or writes.</li>
 *   <li>{@code tls-hello}: connections' first reads, each a whole 517-byte ClientHello; {@code tls-hello-1-byte-records}:
 *   a ClientHello whose handshake message comes in records of one byte each, each record its own read.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsAppend = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
public class HostileInputBenchmark {

    @Param({"h1-normal", "h1-1-byte-reads", "h1-10k-headers", "h1-1mb-header-line", "h1-garbage", "h1-unknown-method",
        "h1-pipelined-50",
        "h2-normal", "h2-ping-flood", "h2-settings-flood", "h2-rapid-reset", "h2-reset-1024-open",
        "h2-end-stream-1024-open", "h2-end-stream-1024-colliding", "h2-hpack-size-updates", "h2-continuation-1mb", "h2-goaway-1mb",
        "tls-hello", "tls-hello-1-byte-records"})
    public String input;

    @Param({"native"})
    public String source;

    private static final long STEP_NANOS = 20_000;

    /**
     * Runs every case (1 fork, 3 warm-up and 5 measured iterations of 500 ms, GC profiler) and prints the table.
     * Class path: the benchmarks jar, its lib/ and the agent jar (the fork starts with the same class path).
     */
    public static void main(String[] args) throws Exception {
        OptionsBuilder options = new OptionsBuilder();
        options.include(HostileInputBenchmark.class.getName() + ".*")
                .forks(1)
                .warmupIterations(3)
                .warmupTime(TimeValue.milliseconds(500))
                .measurementIterations(5)
                .measurementTime(TimeValue.milliseconds(500))
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true);
        if (args.length > 0) {
            options.param("input", args);
        }
        System.out.println(HostileInputs.table(new Runner(options.build()).run()));
    }

    private HostileInputs.Input in;
    private ByteSource bytes;
    private ByteBuffer writable;
    private long base;
    private HttpConnectionTracker http;
    private Http2ConnectionTracker http2;
    private long now;
    private int nextStream;
    /** What the TLS cases found: keys read (their hash codes summed, so that they are used). */
    long keys;
    long keyHashes;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        in = HostileInputs.Input.build(input);
        if (source.equals("heap")) {
            bytes = ByteSource.of(in.bytes);
            writable = ByteBuffer.wrap(in.bytes);
            base = 0;
        } else {
            bytes = Http2ExchangeBenchmark.nativeMemory();
            writable = ByteBuffer.allocateDirect(in.bytes.length).put(in.bytes).clear();
            base = Http2ExchangeBenchmark.DirectAddress.of(writable);
        }
        connect();
    }

    /** A new connection, with its setup fed (the only place the benchmark's own code makes objects). */
    private void connect() {
        now = 0;
        nextStream = in.firstOpStream;
        if (in.family == HostileInputs.Input.HTTP1) {
            http = new HttpConnectionTracker(null, 0, 0);
        } else if (in.family == HostileInputs.Input.HTTP2) {
            http2 = new Http2ConnectionTracker(null, in.localIsClient, 0, 0);
        }
        feed(in.setupAt, in.setupLength, in.setupToServer, in.setupChunk, null);
    }

    /** One operation: the case's bytes, {@link HostileInputs#bytesPerOp} of them. */
    @Benchmark
    public long feed() {
        if (in.idAt.length > 0) {
            if (nextStream > Integer.MAX_VALUE - 2 * in.streamsPerOp) {
                connect(); // stream ids are 31 bits: a client opens a new connection when they run out
            }
            for (int j = 0; j < in.idAt.length; j++) {
                writable.putInt(in.idAt[j], nextStream + 2 * in.idStream[j]);
            }
            nextStream += 2 * in.streamsPerOp;
        }
        feed(in.at, in.length, in.toServer, in.chunk, in.newConnection);
        return in.family == HostileInputs.Input.HTTP1 ? http.requests() : in.family == HostileInputs.Input.HTTP2 ? http2.requests() : keys;
    }

    private void feed(int[] at, int[] length, boolean[] toServer, int chunk, boolean[] newConnection) {
        for (int i = 0; i < at.length; i++) {
            long start = base + at[i];
            long end = start + length[i];
            now += STEP_NANOS;
            for (long p = start; p < end; p += chunk) {
                int n = (int) Math.min(chunk, end - p);
                if (in.family == HostileInputs.Input.HTTP1) {
                    if (toServer[i]) {
                        http.onRequestBytes(bytes, p, n, now);
                    } else {
                        http.onResponseBytes(bytes, p, n, now);
                    }
                } else if (in.family == HostileInputs.Input.HTTP2) {
                    if (toServer[i]) {
                        http2.onClientBytes(bytes, p, n, now);
                    } else {
                        http2.onServerBytes(bytes, p, n, now);
                    }
                } else {
                    tlsRead(p, n, newConnection != null && newConnection[i] && p == start);
                }
            }
        }
    }

    private boolean awaitingHelloBody;

    /** A TLS connection's read toward the server, as the registry looks at it (ConnectionProtocols). */
    private void tlsRead(long address, int length, boolean first) {
        if (first) {
            awaitingHelloBody = false;
            if (TlsRecords.looksLikeClientHello(bytes, address, Math.min(length, 16))) {
                ClientHelloKey key = ClientHelloKey.ofRecord(bytes, address, length);
                if (key != null) {
                    keys++;
                    keyHashes += key.hashCode();
                } else if (ClientHelloKey.isRecordHeaderAlone(bytes, address, length)) {
                    awaitingHelloBody = true;
                }
            }
        } else if (awaitingHelloBody) {
            awaitingHelloBody = false;
            ClientHelloKey key = ClientHelloKey.ofMessage(bytes, address, length);
            if (key != null) {
                keys++;
                keyHashes += key.hashCode();
            }
        }
        // Any later read of a TLS connection toward its server: its records are not followed (only the plaintext).
    }

    HttpConnectionTracker http() {
        return http;
    }

    Http2ConnectionTracker http2() {
        return http2;
    }
}
