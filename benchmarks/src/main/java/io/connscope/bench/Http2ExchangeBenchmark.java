package io.connscope.bench;

import java.io.ByteArrayOutputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Proxy;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.connscope.agent.core.http.ByteSource;
import io.connscope.agent.core.http.HttpExchange;
import io.connscope.agent.core.http2.Http2ConnectionTracker;
import io.connscope.agent.core.http2.Http2Summary;
import io.connscope.agent.jdk.NativeMemory;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2HeadersEncoder;
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
import org.openjdk.jmh.annotations.TearDown;

/**
 * connscope's HTTP/2 frame following on its own: {@link Http2ConnectionTracker} fed a gRPC unary call's frames, both
 * directions, as the agent feeds it from each read and write of an h2 connection. No socket and no agent: the
 * tracker's cost per call, and what it allocates (with JMH's GC profiler: nothing, per frame or per call).
 *
 * <p>One operation is one call on a connection set up once, before the run (preface, both SETTINGS and their ACKs,
 * and a first call on stream 1): the client's HEADERS and DATA (END_STREAM), the server's HEADERS ({@code :status}),
 * DATA and trailers ({@code grpc-status}, END_STREAM), then a PING from the client and the server's ACK, in four
 * feeds (four reads or writes). Each call takes the next client stream id, written into the frames' headers before
 * it is fed. The header blocks come from Netty's HPACK encoder (grpc-netty-shaded's, which grpc-java sends with):
 * <ul>
 *   <li>{@code headers=indexed}: the steady state of a long-lived gRPC connection. The first call's blocks put its
 *   fields in the dynamic tables; every later call's blocks are the encoder's second encoding of the same fields,
 *   one-byte references to those entries (grpc-java's encoder leaves strings under 512 bytes raw).</li>
 *   <li>{@code headers=literal}: every call's blocks are the first call's: each field a literal added to the
 *   dynamic table, its strings Huffman-coded (as most encoders other than Netty's send them). The decoder's whole
 *   path on every call: Huffman decoding, table insertion and eviction.</li>
 * </ul>
 * {@code source=heap} reads the bytes from a {@code byte[]} ({@link ByteSource#of}), {@code source=native} from
 * native memory through the agent's own reader ({@link NativeMemory}, {@code jdk.internal.misc.Unsafe}), as the
 * agent reads the buffer the JDK passed to the system call. Time is a counter, not the clock: the agent passes the
 * timestamp its byte counter already took, so ns/op is the tracker's alone. The tracker has no exchange listener,
 * as with {@code console=summary}; with JSON Lines or OpenTelemetry on, each finished stream is also handed on as
 * an {@link HttpExchange} (one object per call, the report itself, not parsing).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// NativeMemory reads through jdk.internal.misc.Unsafe, which the agent opens to itself with Instrumentation.
@Fork(jvmArgsAppend = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
public class Http2ExchangeBenchmark {

    /**
     * What a call may allocate, in bytes, for "nothing" ({@code gc.alloc.rate.norm}, checked by the test and the
     * suite), as for the suite's other JMH rows. Not 0: the profiler counts every thread's allocations, JMH's own
     * included, which come at a steady rate (about 6 KB/s here), so per call they grow with the time a call takes:
     * about 0.01 B/op on an idle machine, 0.2 B/op where a busy one made the calls 20 times slower. Exactly 0 is
     * checked on the calling thread alone ({@code Http2ExchangeBenchmarkTest}). An object made in every call would
     * cost 16 bytes or more.
     */
    static final double MAX_BYTES_PER_CALL = 1.0;

    @Param({"indexed", "literal"})
    public String headers;

    @Param({"heap", "native"})
    public String source;

    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int SETTINGS = 0x4;
    private static final int PING = 0x6;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    /** What the clock advances by between two feeds (a loopback call's steps are some microseconds apart). */
    private static final long STEP_NANOS = 20_000;
    /** The last client stream id a connection can open (odd, below 2^31). */
    private static final int LAST_STREAM_ID = Integer.MAX_VALUE;

    private static final String PATH = "/connscope.bench.Echo/Unary";

    /** The bytes both sides send, laid out one after the other (see {@link Layout}); in a byte array or natively. */
    private ByteSource bytes;
    /** The same bytes, to write each call's stream id into (a heap or a direct buffer, big-endian as HTTP/2). */
    private ByteBuffer writable;
    private long base;
    private Layout layout;

    private Http2ConnectionTracker tracker;
    private int streamId;
    private long now;
    private long calls;

    @Setup(Level.Trial)
    public void encode() throws Exception {
        layout = Layout.build(headers.equals("indexed"));
        byte[] all = layout.bytes;
        if (source.equals("heap")) {
            bytes = ByteSource.of(all);
            writable = ByteBuffer.wrap(all);
            base = 0;
        } else {
            bytes = nativeMemory();
            writable = ByteBuffer.allocateDirect(all.length).put(all).clear();
            base = DirectAddress.of(writable);
        }
        // Check what a call yields before measuring it: a tracker that reports its exchanges, through the same bytes.
        List<HttpExchange> seen = new ArrayList<>();
        Http2ConnectionTracker checked = connect(seen::add);
        for (int i = 0; i < 3; i++) {
            call(checked);
        }
        Http2Summary s = checked.summary();
        if (seen.size() != 4 || s.unparsed != null || s.headersUndecoded || s.clientPings.acked != 3
                || checked.requests() != 4) {
            throw new IllegalStateException("the tracker did not follow the exchange: " + seen.size()
                    + " exchanges, unparsed " + s.unparsed + ", headers undecoded " + s.headersUndecoded);
        }
        for (HttpExchange e : seen) {
            if (e.status != 200 || e.grpcStatus != 0 || e.resetCode != null) {
                throw new IllegalStateException("stream " + e.index + ": :status " + e.status + ", grpc-status "
                        + e.grpcStatus + ", reset " + e.resetCode);
            }
        }
        // The measured connection: one for the whole run, so that nothing is made between iterations either.
        tracker = connect(null);
    }

    @TearDown(Level.Trial)
    public void check() {
        Http2Summary s = tracker.summary();
        if (s.unparsed != null || s.headersUndecoded || tracker.requests() != calls + 1) {
            throw new IllegalStateException("the measured tracker lost the exchange: " + tracker.requests()
                    + " requests for " + calls + " calls, unparsed " + s.unparsed);
        }
    }

    /** One gRPC unary call and a PING round trip: four reads or writes, seven frames. */
    @Benchmark
    public int unaryCall() {
        return call(tracker);
    }

    private int call(Http2ConnectionTracker t) {
        if (streamId >= LAST_STREAM_ID) {
            // Stream ids are 31 bits: a client opens a new connection when they run out (once in a billion calls,
            // only ever on the measured tracker).
            t = tracker = connect(null);
        }
        streamId += 2;
        for (int at : layout.streamIdAt) {
            writable.putInt(at, streamId);
        }
        calls++;
        t.onClientBytes(bytes, base + layout.requestAt, layout.requestLength, now += STEP_NANOS);
        t.onServerBytes(bytes, base + layout.responseAt, layout.responseLength, now += STEP_NANOS);
        t.onClientBytes(bytes, base + layout.pingAt, layout.pingLength, now += STEP_NANOS);
        t.onServerBytes(bytes, base + layout.pingAckAt, layout.pingLength, now += STEP_NANOS);
        return t.requests();
    }

    /** A tracker on the client's side that has seen the connection's setup and its first call, on stream 1. */
    private Http2ConnectionTracker connect(io.connscope.agent.core.http.HttpConnectionTracker.ExchangeListener listener) {
        now = 0;
        calls = 0;
        streamId = 1;
        Http2ConnectionTracker t = new Http2ConnectionTracker(listener, true, 0, 0);
        t.onClientBytes(bytes, base + layout.clientSetupAt, layout.clientSetupLength, now += STEP_NANOS);
        t.onServerBytes(bytes, base + layout.serverSetupAt, layout.serverSetupLength, now += STEP_NANOS);
        t.onClientBytes(bytes, base + layout.firstRequestAt, layout.firstRequestLength, now += STEP_NANOS);
        t.onServerBytes(bytes, base + layout.firstResponseAt, layout.firstResponseLength, now += STEP_NANOS);
        return t;
    }

    /**
     * Where each piece is in the bytes: the client's setup (preface, SETTINGS, the ACK of the server's), the server's
     * (SETTINGS, the ACK of the client's), the first call on stream 1, then the call repeated by every operation.
     */
    static final class Layout {
        /** Here, not in the benchmark: building the frames needs no class of the agent (HostileInputs). */
        private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] bytes;
        int clientSetupAt, clientSetupLength, serverSetupAt, serverSetupLength;
        int firstRequestAt, firstRequestLength, firstResponseAt, firstResponseLength;
        int requestAt, requestLength, responseAt, responseLength, pingAt, pingAckAt, pingLength;
        /** Where the stream id of each of the repeated call's five frames is. */
        int[] streamIdAt;

        static Layout build(boolean indexed) throws Http2Exception {
            // grpc-java's encoder is Netty's default (strings under 512 bytes raw); the literal case Huffman-codes.
            int huffmanThreshold = indexed ? 512 : 0;
            DefaultHttp2HeadersEncoder client = encoder(huffmanThreshold);
            DefaultHttp2HeadersEncoder server = encoder(huffmanThreshold);
            Http2Headers request = new DefaultHttp2Headers()
                    .method("POST").scheme("http").path(PATH).authority("127.0.0.1:50051")
                    .add("content-type", "application/grpc").add("user-agent", "grpc-java-netty/1.76.0")
                    .add("te", "trailers").add("grpc-accept-encoding", "gzip");
            Http2Headers response = new DefaultHttp2Headers().status("200")
                    .add("content-type", "application/grpc").add("grpc-encoding", "identity")
                    .add("grpc-accept-encoding", "gzip");
            Http2Headers trailers = new DefaultHttp2Headers().add("grpc-status", "0");
            byte[] firstRequest = encode(client, request);
            byte[] firstResponse = encode(server, response);
            byte[] firstTrailers = encode(server, trailers);
            byte[] requestBlock = indexed ? encode(client, request) : firstRequest;
            byte[] responseBlock = indexed ? encode(server, response) : firstResponse;
            byte[] trailersBlock = indexed ? encode(server, trailers) : firstTrailers;
            // A gRPC message: a compression flag, a 4-byte length, the message.
            byte[] requestMessage = grpcMessage("sixteen bytes!!!");
            byte[] responseMessage = grpcMessage("Hello there!");
            long pingPayload = 0x1234_5678_9abc_def0L; // grpc-java's BDP pings carry a constant

            Layout l = new Layout();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<Integer> streamIds = new ArrayList<>();

            l.clientSetupAt = out.size();
            out.writeBytes(PREFACE);
            // ENABLE_PUSH 0, INITIAL_WINDOW_SIZE 1 MiB, MAX_HEADER_LIST_SIZE 8 KiB: what grpc-java's client sends.
            frame(out, SETTINGS, 0, 0, settings(2, 0, 4, 1 << 20, 6, 8192), null);
            frame(out, SETTINGS, ACK, 0, new byte[0], null);
            l.clientSetupLength = out.size() - l.clientSetupAt;

            l.serverSetupAt = out.size();
            frame(out, SETTINGS, 0, 0, settings(3, Integer.MAX_VALUE, 4, 1 << 20, 6, 8192), null);
            frame(out, SETTINGS, ACK, 0, new byte[0], null);
            l.serverSetupLength = out.size() - l.serverSetupAt;

            l.firstRequestAt = out.size();
            frame(out, HEADERS, END_HEADERS, 1, firstRequest, null);
            frame(out, DATA, END_STREAM, 1, requestMessage, null);
            l.firstRequestLength = out.size() - l.firstRequestAt;
            l.firstResponseAt = out.size();
            frame(out, HEADERS, END_HEADERS, 1, firstResponse, null);
            frame(out, DATA, 0, 1, responseMessage, null);
            frame(out, HEADERS, END_HEADERS | END_STREAM, 1, firstTrailers, null);
            l.firstResponseLength = out.size() - l.firstResponseAt;

            l.requestAt = out.size();
            frame(out, HEADERS, END_HEADERS, 0, requestBlock, streamIds);
            frame(out, DATA, END_STREAM, 0, requestMessage, streamIds);
            l.requestLength = out.size() - l.requestAt;
            l.responseAt = out.size();
            frame(out, HEADERS, END_HEADERS, 0, responseBlock, streamIds);
            frame(out, DATA, 0, 0, responseMessage, streamIds);
            frame(out, HEADERS, END_HEADERS | END_STREAM, 0, trailersBlock, streamIds);
            l.responseLength = out.size() - l.responseAt;
            l.pingAt = out.size();
            frame(out, PING, 0, 0, ByteBuffer.allocate(8).putLong(pingPayload).array(), null);
            l.pingLength = out.size() - l.pingAt;
            l.pingAckAt = out.size();
            frame(out, PING, ACK, 0, ByteBuffer.allocate(8).putLong(pingPayload).array(), null);

            l.bytes = out.toByteArray();
            l.streamIdAt = streamIds.stream().mapToInt(Integer::intValue).toArray();
            return l;
        }

        private static DefaultHttp2HeadersEncoder encoder(int huffmanThreshold) {
            return new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, false, 16, huffmanThreshold);
        }

        private static byte[] encode(DefaultHttp2HeadersEncoder encoder, Http2Headers headers) throws Http2Exception {
            ByteBuf buf = Unpooled.buffer();
            try {
                encoder.encodeHeaders(0, headers, buf);
                byte[] block = new byte[buf.readableBytes()];
                buf.readBytes(block);
                return block;
            } finally {
                buf.release();
            }
        }

        private static byte[] grpcMessage(String text) {
            byte[] message = text.getBytes(StandardCharsets.US_ASCII);
            return ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message).array();
        }

        private static byte[] settings(int... idsAndValues) {
            ByteBuffer b = ByteBuffer.allocate(idsAndValues.length / 2 * 6);
            for (int i = 0; i < idsAndValues.length; i += 2) {
                b.putShort((short) idsAndValues[i]).putInt(idsAndValues[i + 1]);
            }
            return b.array();
        }

        /** A frame (RFC 9113, 4.1); with {@code streamIds}, where its stream id is goes there, to be rewritten. */
        private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload,
                                  List<Integer> streamIds) {
            if (streamIds != null) {
                streamIds.add(out.size() + 5);
            }
            HostileInputs.Frames.write(out, type, flags, stream, payload);
        }
    }

    /**
     * The agent's native memory reader. The agent opens {@code jdk.internal.misc} to itself through
     * {@link Instrumentation#redefineModule}; here the fork's {@code --add-opens} has done that, so the
     * instrumentation handed to it does nothing.
     */
    static ByteSource nativeMemory() {
        Instrumentation none = (Instrumentation) Proxy.newProxyInstance(Http2ExchangeBenchmark.class.getClassLoader(),
                new Class<?>[] {Instrumentation.class}, (proxy, method, args) -> null);
        NativeMemory memory = NativeMemory.open(none);
        if (memory == null) {
            throw new IllegalStateException("jdk.internal.misc.Unsafe is not open to this JVM's unnamed module");
        }
        return memory;
    }

    /** A direct buffer's native address, read once at setup (as {@code sun.nio.ch.DirectBuffer#address} gives it). */
    static final class DirectAddress {
        static long of(ByteBuffer direct) throws ReflectiveOperationException {
            Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
            Object unsafe = unsafeClass.getMethod("getUnsafe").invoke(null);
            long offset = (long) unsafeClass.getMethod("objectFieldOffset", Class.class, String.class)
                    .invoke(unsafe, Buffer.class, "address");
            return (long) unsafeClass.getMethod("getLong", Object.class, long.class).invoke(unsafe, direct, offset);
        }
    }
}
