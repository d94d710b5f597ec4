package io.connscope.agent.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The kernel's keep-alive defaults, which every socket inherits unless the application overrides them.
 * On Linux they are {@code /proc/sys/net/ipv4/tcp_keepalive_{time,intvl,probes}} (stock values 7200 s, 75 s,
 * 9). Read at start and every 10 s after: per network namespace, and the kernel uses the current values.
 */
public final class OsKeepAliveDefaults {

    private OsKeepAliveDefaults() {
    }

    public static KeepAliveSettings read() {
        return read(Paths.get("/proc/sys/net/ipv4"));
    }

    static KeepAliveSettings read(Path dir) {
        return new KeepAliveSettings(Boolean.FALSE,
                readInt(dir.resolve("tcp_keepalive_time")),
                readInt(dir.resolve("tcp_keepalive_intvl")),
                readInt(dir.resolve("tcp_keepalive_probes")),
                KeepAliveSettings.Source.OS_DEFAULT);
    }

    private static Integer readInt(Path file) {
        // A line reader, not Files.readAllBytes: procfs reports size 0 and a sized read may come back short.
        try (BufferedReader in = PlainFiles.reader(file, StandardCharsets.US_ASCII)) {
            String line = in.readLine();
            return line == null ? null : Integer.valueOf(line.trim());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
