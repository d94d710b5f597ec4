package io.connscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Following HTTP/2 frames allocates nothing: {@link Http2ExchangeBenchmark}'s calls counted on their thread, and the
 * benchmark run briefly, every case, with JMH's GC profiler. Bytes allocated per call is a count, not a timing, so a
 * loaded machine does not change it; the time per call is not checked.
 */
class Http2ExchangeBenchmarkTest {

    /**
     * The exact count, with the JIT off ({@link InterpretedAllocations}): after the first calls (which load and link
     * what they use), none of 900 calls allocates a byte, in every case (few calls: interpreted, one takes hundreds
     * of microseconds). The JMH run below covers compiled code.
     */
    @Test
    void noCallAllocatesAByteInterpreted() throws Exception {
        InterpretedAllocations.assertNoneIn(InterpretedCount.class, 4 * 3);
    }

    /** {@link #noCallAllocatesAByteInterpreted}'s JVM. */
    static final class InterpretedCount {
        public static void main(String[] args) throws Exception {
            for (String headers : List.of("indexed", "literal")) {
                for (String source : List.of("heap", "native")) {
                    Http2ExchangeBenchmark b = new Http2ExchangeBenchmark();
                    b.headers = headers;
                    b.source = source;
                    b.encode();
                    InterpretedAllocations.print(headers + " " + source, 20, 300, b::unaryCall);
                    b.check();
                }
            }
        }
    }

    @Test
    void aCallAllocatesNothing() throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(Http2ExchangeBenchmark.class.getName() + ".*")
                .forks(1)
                .warmupIterations(1)
                .warmupTime(TimeValue.milliseconds(500))
                .measurementIterations(2)
                .measurementTime(TimeValue.milliseconds(300))
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build()).run();
        assertEquals(4, results.size(), "headers indexed and literal, from the heap and from native memory");
        for (RunResult r : results) {
            String which = r.getParams().getParam("headers") + ", " + r.getParams().getParam("source");
            Result<?> bytes = r.getSecondaryResults().get("gc.alloc.rate.norm");
            assertNotNull(bytes, "no gc.alloc.rate.norm for " + which);
            System.out.printf(Locale.ROOT, "Http2ExchangeBenchmark.unaryCall (%s): %.0f ns/op, %.4f B/op%n", which,
                    r.getPrimaryResult().getScore(), bytes.getScore());
            assertTrue(bytes.getScore() < Http2ExchangeBenchmark.MAX_BYTES_PER_CALL,
                    which + ": " + bytes.getScore() + " bytes allocated per call");
        }
    }
}
