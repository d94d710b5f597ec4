package io.connscope.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.connscope.agent.core.http.ByteSource;
import io.connscope.agent.core.http.HttpConnectionTracker;
import io.connscope.agent.core.http.HttpExchange;
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
 * connscope's HTTP/1.x head look on its own, warm and cold: {@link HttpConnectionTracker} on a server's side, fed
 * the request {@code wrk} sends and the response Spring Boot's Tomcat writes (its exact bytes), from native memory
 * through the agent's own reader, as the agent feeds it from each read and write. No socket and no agent.
 *
 * <p>One operation is one kept-alive exchange (a read of the request, a write of the response) on the next of
 * {@code connections} trackers, in turn. With one, the tracker and its head scanners stay in the CPU's caches, as
 * on a server whose requests are all connscope and the socket (the demo's). With thousands, each exchange finds its
 * connection's state gone from the caches, as a real application's tens of microseconds between a connection's read
 * and its write leave it: a Spring Boot request's look took about 0.5 µs in a profile, this look's warm cost
 * several times over. So the cold rows measure what the look's memory layout costs, and are the ones to watch
 * when it changes. The clock is a counter (the agent passes the time its byte counter already read).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// NativeMemory reads through jdk.internal.misc.Unsafe, which the agent opens to itself with Instrumentation.
@Fork(jvmArgsAppend = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
public class Http1ExchangeBenchmark {

    /** What an exchange may allocate, in bytes, for "nothing": as {@link Http2ExchangeBenchmark#MAX_BYTES_PER_CALL}. */
    static final double MAX_BYTES_PER_EXCHANGE = Http2ExchangeBenchmark.MAX_BYTES_PER_CALL;

    /** 1: warm; 4096 and 65536: each exchange's state cold (some MB and some tens of MB of trackers). */
    @Param({"1", "4096", "65536"})
    public int connections;

    /** What {@code wrk -t1 -c8 http://127.0.0.1:PORT/} sends. */
    static final String REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
    /** What the benchmark's Spring Boot application (Tomcat 10.1) writes for {@code GET /}, in one write. */
    static final String RESPONSE = "HTTP/1.1 200 \r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 12\r\n"
            + "Date: Mon, 07 Dec 2026 22:41:44 GMT\r\n\r\nHello there!";
    /** What the clock advances by between a read and a write (a loopback exchange's steps, microseconds apart). */
    private static final long STEP_NANOS = 20_000;

    private ByteSource memory;
    private long request;
    private int requestLength;
    private long response;
    private int responseLength;
    /** Kept reachable: the native bytes live as long as the buffer. */
    private ByteBuffer buffer;

    private HttpConnectionTracker[] trackers;
    private int next;
    private long now;
    private long exchanges;

    @Setup(Level.Trial)
    public void connect() throws ReflectiveOperationException {
        byte[] req = REQUEST.getBytes(StandardCharsets.US_ASCII);
        byte[] resp = RESPONSE.getBytes(StandardCharsets.US_ASCII);
        buffer = ByteBuffer.allocateDirect(req.length + resp.length).put(req).put(resp).clear();
        long base = Http2ExchangeBenchmark.DirectAddress.of(buffer);
        memory = Http2ExchangeBenchmark.nativeMemory();
        request = base;
        requestLength = req.length;
        response = base + req.length;
        responseLength = resp.length;
        // Check what an exchange yields before measuring it: a tracker that reports them, through the same bytes.
        List<HttpExchange> seen = new ArrayList<>();
        HttpConnectionTracker checked = new HttpConnectionTracker(seen::add);
        for (int i = 0; i < 3; i++) {
            exchange(checked);
        }
        checked.onClose(false, true, false, false);
        if (seen.size() != 3 || checked.requests() != 3) {
            throw new IllegalStateException("the tracker did not follow the exchanges: " + seen.size() + " reported, "
                    + checked.requests() + " requests");
        }
        for (HttpExchange e : seen) {
            if (e.status != 200 || !"HTTP/1.1".equals(e.httpVersion)) {
                throw new IllegalStateException("exchange " + e.index + ": " + e.httpVersion + " " + e.status);
            }
        }
        // The measured trackers: made and each given a first exchange here, in an order other than the one they are
        // used in, so that neighbours in memory are not neighbours in time (the heap's order is the allocation's).
        trackers = new HttpConnectionTracker[connections];
        for (int i = 0; i < connections; i++) {
            trackers[i] = new HttpConnectionTracker(null);
        }
        // A fixed shuffle: the same order in every run (Arrays.asList writes through to the array).
        Collections.shuffle(Arrays.asList(trackers), new Random(42));
        for (HttpConnectionTracker t : trackers) {
            exchange(t);
        }
        exchanges = 0;
    }

    @TearDown(Level.Trial)
    public void check() {
        long requests = 0;
        for (HttpConnectionTracker t : trackers) {
            requests += t.requests();
        }
        if (requests != exchanges + connections) {
            throw new IllegalStateException("the trackers lost exchanges: " + requests + " requests for "
                    + (exchanges + connections) + " exchanges");
        }
    }

    /** A kept-alive exchange on the next connection: the request read, the response written. */
    @Benchmark
    public int keptAliveExchange() {
        HttpConnectionTracker t = trackers[next];
        next = next + 1 == trackers.length ? 0 : next + 1;
        exchanges++;
        return exchange(t);
    }

    private int exchange(HttpConnectionTracker t) {
        t.onRequestBytes(memory, request, requestLength, now += STEP_NANOS);
        return t.onResponseBytes(memory, response, responseLength, now += STEP_NANOS);
    }
}
