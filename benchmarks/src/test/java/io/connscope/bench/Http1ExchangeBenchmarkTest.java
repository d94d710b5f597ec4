package io.connscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * Following a kept-alive HTTP/1.x exchange allocates nothing: {@link Http1ExchangeBenchmark}'s exchanges counted on
 * their thread with the JIT off, as {@link Http2ExchangeBenchmarkTest} counts HTTP/2 calls (the suite's JMH run, with
 * JMH's GC profiler, covers compiled code). And the benchmark checks what it measures: a tracker that lost its
 * exchanges fails the run.
 */
class Http1ExchangeBenchmarkTest {

    @Test
    void noExchangeAllocatesAByteInterpreted() throws Exception {
        Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xint",
                "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                InterpretedCount.class.getName()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), output);
        assertEquals(0, p.exitValue(), output);
        List<String> counts = output.lines().filter(l -> l.startsWith("allocated ")).collect(Collectors.toList());
        assertEquals(2 * 3, counts.size(), output);
        for (String line : counts) {
            assertTrue(line.endsWith(" 0 bytes"), line);
        }
    }

    /** {@link #noExchangeAllocatesAByteInterpreted}'s JVM: prints {@code allocated CONNECTIONS ROUND N bytes}. */
    static final class InterpretedCount {
        public static void main(String[] args) throws Exception {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long self = Thread.currentThread().getId();
            for (int connections : new int[] {1, 64}) {
                Http1ExchangeBenchmark b = new Http1ExchangeBenchmark();
                b.connections = connections;
                b.connect();
                long checksum = 0;
                for (int i = 0; i < 2 * connections; i++) {
                    checksum += b.keptAliveExchange();
                }
                for (int round = 0; round < 3; round++) {
                    long before = threads.getThreadAllocatedBytes(self);
                    long counter = threads.getThreadAllocatedBytes(self) - before; // what reading it costs
                    before = threads.getThreadAllocatedBytes(self);
                    for (int i = 0; i < 300; i++) {
                        checksum += b.keptAliveExchange();
                    }
                    long bytes = threads.getThreadAllocatedBytes(self) - before - counter;
                    System.out.println("allocated " + connections + " " + round + " " + bytes + " bytes");
                }
                b.check();
                System.out.println("checksum " + checksum);
            }
        }
    }
}
