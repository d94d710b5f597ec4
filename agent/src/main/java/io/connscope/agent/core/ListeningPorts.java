package io.connscope.agent.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Set;

/**
 * The local TCP ports something listens on, from the kernel's tables ({@code /proc/net/tcp} and {@code tcp6},
 * state {@code 0A}), read at most once a second. A connection found open after a runtime attach is inbound when
 * its local port is one of them: nothing else says which side connected.
 */
final class ListeningPorts {

    private static final long REFRESH_NANOS = 1_000_000_000L;
    private static final Path[] TABLES = {Paths.get("/proc/net/tcp"), Paths.get("/proc/net/tcp6")};

    private Set<Integer> ports = Set.of();
    private long readAtNanos;
    private boolean read;

    synchronized boolean isListening(int port) {
        long now = System.nanoTime();
        if (!read || now - readAtNanos > REFRESH_NANOS) {
            ports = readPorts();
            readAtNanos = now;
            read = true;
        }
        return ports.contains(port);
    }

    static Set<Integer> readPorts() {
        Set<Integer> found = new HashSet<>();
        for (Path table : TABLES) {
            // Line by line: /proc files are generated as they are read, and big tables come in several reads.
            try (BufferedReader in = PlainFiles.reader(table, StandardCharsets.US_ASCII)) {
                in.readLine();
                for (String line; (line = in.readLine()) != null; ) {
                    parse(line.trim(), found);
                }
            } catch (IOException | RuntimeException e) {
                // Not Linux, or not readable: no port is known to listen.
            }
        }
        return found;
    }

    /** {@code sl local_address rem_address st ...}: adds the local port of a row in state LISTEN (0A). */
    static void parse(String row, Set<Integer> into) {
        String[] f = row.split("\\s+");
        if (f.length > 3 && f[3].equals("0A")) {
            int colon = f[1].lastIndexOf(':');
            into.add(Integer.parseInt(f[1].substring(colon + 1), 16));
        }
    }
}
