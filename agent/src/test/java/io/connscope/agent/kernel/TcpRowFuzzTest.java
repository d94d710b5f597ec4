package io.connscope.agent.kernel;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.connscope.agent.fuzz.FuzzBudget;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The /proc/net/tcp row parser on fuzzed lines, and the sampler that streams those files through its fixed buffer.
 * A line parses alike wherever it sits in the buffer; a parsed row's fields are within their columns' widths; a
 * sample of fuzzed files neither throws nor counts negative. Seeds: {@code TcpRowFuzzTestInputs/rows/} and {@code files/} (text as
 * /proc/net/tcp and tcp6 print it).
 */
class TcpRowFuzzTest {

    private static Path proc;

    @FuzzTest(maxDuration = FuzzBudget.CI)
    void rows(byte[] input) {
        int from = 0;
        for (int i = 0; i <= input.length; i++) {
            if (i == input.length || input[i] == '\n') {
                line(input, from, i);
                from = i + 1;
            }
        }
    }

    /** The sampler on the same text as its files: slower (files), so a target of its own. */
    @FuzzTest(maxDuration = FuzzBudget.CI)
    void files(byte[] input) throws IOException {
        sample(input);
    }

    private static void line(byte[] input, int from, int to) {
        TcpRow inPlace = new TcpRow();
        boolean parsed = inPlace.parse(input, from, to);
        TcpRow alone = new TcpRow();
        byte[] copy = Arrays.copyOfRange(input, from, to);
        assertEquals(parsed, alone.parse(copy, 0, copy.length), "the same line elsewhere in the buffer");
        if (!parsed) {
            return;
        }
        assertEquals(describe(inPlace), describe(alone));
        assertTrue(inPlace.state() >= 0 && inPlace.state() <= 0xff, "state " + inPlace.state());
        assertTrue(inPlace.timer() >= 0 && inPlace.timer() <= 0xff, "timer " + inPlace.timer());
        assertTrue(inPlace.retransmits() >= 0, "retransmits " + inPlace.retransmits());
        assertTrue(inPlace.probesOut() >= 0, "probes " + inPlace.probesOut());
    }

    private static String describe(TcpRow r) {
        return r.state() + " " + r.timer() + " " + r.timerTicks() + " " + r.retransmits() + " " + r.probesOut() + " "
                + r.endpoints().localHigh + " " + r.endpoints().localLow + " " + r.endpoints().remoteHigh + " "
                + r.endpoints().remoteLow + " " + r.endpoints().ports;
    }

    /** The input as /proc/net/tcp, tcp6 and ip_local_port_range of a directory made once, sampled. */
    private static void sample(byte[] input) throws IOException {
        if (proc == null) {
            proc = Files.createTempDirectory("connscope-fuzz-proc");
            Files.createDirectories(proc.resolve("net"));
            Files.createDirectories(proc.resolve("sys/net/ipv4"));
            // Deleted at exit in the reverse of this order: the files, then the directories that hold them.
            for (String p : new String[] {"", "net", "sys", "sys/net", "sys/net/ipv4", "net/tcp",
                    "sys/net/ipv4/ip_local_port_range"}) {
                proc.resolve(p).toFile().deleteOnExit();
            }
        }
        Files.write(proc.resolve("net/tcp"), input);
        Files.write(proc.resolve("sys/net/ipv4/ip_local_port_range"), input);
        KernelSnapshot s = new KernelSampler(proc).sample(List.of());
        assertTrue(s.rows >= 0, "rows " + s.rows);
        assertTrue(s.ephemeralPorts() >= 0, "ephemeral ports " + s.ephemeralPorts());
        s.render();
    }
}
