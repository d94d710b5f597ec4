package io.connscope.agent.kernel;

import java.io.FileInputStream;
import java.io.IOException;

/**
 * The calling thread's CPU time, from {@code /proc/thread-self/schedstat} (its first field: nanoseconds on a CPU,
 * user and system). Not {@code ThreadMXBean}: its first use loads {@code java.lang.management} (some 300 classes,
 * about 35 ms of CPU), which the kernel sampler's first sample, 2 s in, put into the application's start.
 */
final class ThreadCpuClock {

    private static final String FILE = "/proc/thread-self/schedstat";
    /** The line is three numbers: 64 bytes hold it. */
    private final byte[] buffer = new byte[64];

    /** The calling thread's CPU time in nanoseconds, or -1 when it cannot be read (not Linux, no schedstat). */
    long nanos() {
        int n;
        try (FileInputStream in = new FileInputStream(FILE)) {
            n = in.read(buffer);
        } catch (IOException | SecurityException e) {
            return -1;
        }
        return parse(buffer, n);
    }

    /** The first field of a schedstat line, {@code n} bytes of {@code line}; -1 when it is no number. */
    static long parse(byte[] line, int n) {
        long value = 0;
        int i = 0;
        for (; i < n && i < 19; i++) {
            int d = line[i] - '0';
            if (d < 0 || d > 9) {
                break;
            }
            value = value * 10 + d;
        }
        boolean ended = i < n && (line[i] == ' ' || line[i] == '\n');
        return i > 0 && ended ? value : -1;
    }
}
