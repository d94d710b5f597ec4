package io.connscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

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
     * The exact count, on the calling thread alone (the JVM's per-thread allocation counter), in a JVM with the JIT
     * off ({@code -Xint}): there nothing is optimized away, so whatever the code allocates is counted. After the
     * first calls (which load and link what they use), none of 900 calls allocates a byte, in every case (few calls:
     * interpreted, one takes hundreds of microseconds). With C2 on, the thread's counter also moves by tens to
     * hundreds of bytes a few times while C2 compiles, then not at all (with C1 alone, never): the JVM's, not the
     * calls'. The JMH run below covers compiled code.
     */
    @Test
    void noCallAllocatesAByteInterpreted() throws Exception {
        Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xint",
                "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                InterpretedCount.class.getName()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), output);
        assertEquals(0, p.exitValue(), output);
        List<String> counts = output.lines().filter(l -> l.startsWith("allocated ")).collect(Collectors.toList());
        assertEquals(4 * 3, counts.size(), output);
        for (String line : counts) {
            assertTrue(line.endsWith(" 0 bytes"), line);
        }
    }

    /** {@link #noCallAllocatesAByteInterpreted}'s JVM: prints {@code allocated HEADERS SOURCE ROUND N bytes}. */
    static final class InterpretedCount {
        public static void main(String[] args) throws Exception {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long self = Thread.currentThread().getId();
            for (String headers : List.of("indexed", "literal")) {
                for (String source : List.of("heap", "native")) {
                    Http2ExchangeBenchmark b = new Http2ExchangeBenchmark();
                    b.headers = headers;
                    b.source = source;
                    b.encode();
                    long checksum = 0;
                    for (int i = 0; i < 20; i++) {
                        checksum += b.unaryCall();
                    }
                    for (int round = 0; round < 3; round++) {
                        long before = threads.getThreadAllocatedBytes(self);
                        long counter = threads.getThreadAllocatedBytes(self) - before; // what reading it costs
                        before = threads.getThreadAllocatedBytes(self);
                        for (int i = 0; i < 300; i++) {
                            checksum += b.unaryCall();
                        }
                        long bytes = threads.getThreadAllocatedBytes(self) - before - counter;
                        System.out.println("allocated " + headers + " " + source + " " + round + " " + bytes + " bytes");
                    }
                    b.check();
                    System.out.println("checksum " + checksum);
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
