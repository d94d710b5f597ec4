package io.connscope.it.driver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Listening ports for a driver's servers that no other server of the same run had: the tests match records to a
 * scenario by its server's port, and the kernel's port 0 may hand a closed server's port to the next one. Taken
 * below the ephemeral range, so that no connection's local port takes it between the probe and the bind.
 */
public final class FreshPorts {

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreshPorts() {
    }

    /** A port of 127.0.0.1 that was free a moment ago and not handed out before in this JVM. */
    public static int next() throws IOException {
        int high = ephemeralLow() - 1;
        int low = 10_000;
        for (int attempt = 0; attempt < 500 && high > low; attempt++) {
            int port = low + ThreadLocalRandom.current().nextInt(high - low + 1);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (IOException busy) {
                continue;
            }
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        // No room below the ephemeral range: the kernel's choice, still never one handed out before.
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
        throw new IOException("no free loopback port found");
    }

    /**
     * A port a server of this JVM binds that {@link #next} did not choose (one the test gave the driver, such as
     * nginx's upstream): never handed out, or another scenario's server could take it before or after that server
     * and have its records counted with that server's.
     */
    public static void reserve(int port) {
        if (port > 0) {
            HANDED_OUT.add(port);
        }
    }

    private static int ephemeralLow() {
        try {
            // One read with a whole buffer: /proc/sys answers a read at a later offset with end of file, and
            // Files.readAllBytes of a file whose size says 0 reads one byte first.
            String range;
            try (java.io.BufferedReader in = Files.newBufferedReader(Paths.get("/proc/sys/net/ipv4/ip_local_port_range"),
                    StandardCharsets.US_ASCII)) {
                range = String.valueOf(in.readLine()).trim();
            }
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
