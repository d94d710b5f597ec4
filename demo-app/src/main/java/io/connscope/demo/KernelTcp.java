package io.connscope.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The kernel's view of loopback TCP connections, from {@code /proc/net/tcp} and {@code /proc/net/tcp6}: the ground
 * truth the scenarios hold connscope's report against. A row's local port is its own side's; state {@code 06} is
 * TIME_WAIT, which the side that sent the first FIN holds; timer {@code 02} is the keep-alive timer.
 */
final class KernelTcp {

    static final String TIME_WAIT = "06";
    static final String ESTABLISHED = "01";
    /** The unit of the timer's time to expiry in /proc/net/tcp: clock ticks, USER_HZ (100 on Linux). */
    static final long TICK_MILLIS = 10;

    /** One row: local port, remote port, state, timer and its time to expiry (ticks). */
    static final class Row {
        final int localPort;
        final int remotePort;
        final String state;
        final String timer;
        final long timerTicks;

        Row(int localPort, int remotePort, String state, String timer, long timerTicks) {
            this.localPort = localPort;
            this.remotePort = remotePort;
            this.state = state;
            this.timer = timer;
            this.timerTicks = timerTicks;
        }
    }

    private KernelTcp() {
    }

    static boolean available() {
        return Files.isReadable(Paths.get("/proc/net/tcp"));
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (String file : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path p = Paths.get(file);
            if (!Files.isReadable(p)) {
                continue;
            }
            try {
                List<String> lines = Files.readAllLines(p, StandardCharsets.US_ASCII);
                for (int i = 1; i < lines.size(); i++) {
                    String[] f = lines.get(i).trim().split("\\s+");
                    if (f.length < 6) {
                        continue;
                    }
                    // "tr:tm->when": the timer, then its time to expiry in clock ticks (hex).
                    rows.add(new Row(port(f[1]), port(f[2]), f[3], f[5].substring(0, 2),
                            Long.parseLong(f[5].substring(3), 16)));
                }
            } catch (IOException | RuntimeException e) {
                // A row vanishing while we read is normal; what was read stays.
            }
        }
        return rows;
    }

    private static int port(String addressColonPort) {
        return Integer.parseInt(addressColonPort.substring(addressColonPort.indexOf(':') + 1), 16);
    }

    /** TIME_WAIT rows held by the server side of connections from {@code clientPorts} to {@code serverPort}. */
    static int timeWaitOnServer(int serverPort, Set<Integer> clientPorts) {
        int n = 0;
        for (Row r : rows()) {
            if (TIME_WAIT.equals(r.state) && r.localPort == serverPort && clientPorts.contains(r.remotePort)) {
                n++;
            }
        }
        return n;
    }

    /** TIME_WAIT rows held by the client side of connections from {@code clientPorts} to {@code serverPort}. */
    static int timeWaitOnClient(int serverPort, Set<Integer> clientPorts) {
        int n = 0;
        for (Row r : rows()) {
            if (TIME_WAIT.equals(r.state) && r.remotePort == serverPort && clientPorts.contains(r.localPort)) {
                n++;
            }
        }
        return n;
    }

    /**
     * The time to the expiry of the keep-alive timer of the established client socket {@code clientPort ->
     * serverPort}, in ms; -1 when it is not armed (or there is no such socket).
     */
    static long keepaliveTimerMillis(int clientPort, int serverPort) {
        for (Row r : rows()) {
            if (r.localPort == clientPort && r.remotePort == serverPort && ESTABLISHED.equals(r.state)) {
                return "02".equals(r.timer) ? r.timerTicks * TICK_MILLIS : -1;
            }
        }
        return -1;
    }
}
