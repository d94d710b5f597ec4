package io.connscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
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
 * Following HTTP/2 frames allocates nothing: {@link Http2ExchangeBenchmark} run briefly, every case, with JMH's GC
 * profiler. Bytes allocated per call is a count, not a timing, so a loaded machine does not change it; the time
 * per call is not checked.
 */
class Http2ExchangeBenchmarkTest {

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
