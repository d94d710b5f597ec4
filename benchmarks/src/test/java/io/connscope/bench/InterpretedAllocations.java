package io.connscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;

/**
 * Exact allocation counts of a benchmark's operation, for the tests that say it allocates nothing: the calling
 * thread's counter (the JVM's per-thread allocation counter) in a JVM with the JIT off ({@code -Xint}), where nothing
 * is optimized away, so whatever the code allocates is counted. With C2 on, the thread's counter also moves by tens to
 * hundreds of bytes a few times while C2 compiles, then not at all (with C1 alone, never): the JVM's, not the
 * operation's. The suite's JMH runs, with JMH's GC profiler, cover compiled code.
 */
final class InterpretedAllocations {

    private InterpretedAllocations() {
    }

    /**
     * Runs {@code main} in a JVM with the JIT off and checks that it printed {@code rounds} lines
     * {@code allocated ... N bytes} ({@link #print}), each with N 0.
     */
    static void assertNoneIn(Class<?> main, int rounds) throws Exception {
        Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xint",
                "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                main.getName()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), output);
        assertEquals(0, p.exitValue(), output);
        List<String> counts = output.lines().filter(l -> l.startsWith("allocated ")).collect(Collectors.toList());
        assertEquals(rounds, counts.size(), output);
        for (String line : counts) {
            assertTrue(line.endsWith(" 0 bytes"), line);
        }
    }

    /** Whatever the operations returned, summed and printed at the end: nothing they compute goes unused. */
    private static long checksum;

    /**
     * In {@code main}'s JVM: runs {@code operation} {@code warmUp} times (loading and linking what it uses), then
     * three rounds of {@code times}, printing for each {@code allocated CASE ROUND N bytes}, N what the calling thread
     * allocated in the round (what reading the counter costs taken off).
     */
    static void print(String label, int warmUp, int times, IntSupplier operation) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        for (int i = 0; i < warmUp; i++) {
            checksum += operation.getAsInt();
        }
        for (int round = 0; round < 3; round++) {
            long before = threads.getThreadAllocatedBytes(self);
            long counter = threads.getThreadAllocatedBytes(self) - before; // what reading it costs
            before = threads.getThreadAllocatedBytes(self);
            for (int i = 0; i < times; i++) {
                checksum += operation.getAsInt();
            }
            long bytes = threads.getThreadAllocatedBytes(self) - before - counter;
            System.out.println("allocated " + label + " " + round + " " + bytes + " bytes");
        }
        System.out.println("checksum " + checksum);
    }
}
