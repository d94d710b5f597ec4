package io.connscope.demo.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/** The kernel's TIME_WAIT rows ({@code /proc/net/tcp}, {@code tcp6}; state 06): the side holding one closed first. */
final class TimeWait {

    private TimeWait() {
    }

    /**
     * TIME_WAIT rows of the scenario's own connections, between the server's port and one of its clients' ports:
     * on the server's side ({@code serverSide}: local port = the server's) or on the clients'. Only these 4-tuples
     * count: an earlier test's connection that happened to use one of the same ports may still be in TIME_WAIT.
     */
    static int count(boolean serverSide, int serverPort, java.util.Set<Integer> clientPorts) throws IOException {
        int n = 0;
        for (int client : clientPorts) {
            n += serverSide ? count(serverPort, client) : count(client, serverPort);
        }
        return n;
    }

    /** TIME_WAIT rows whose local port is {@code localPort} and remote port is {@code remotePort} (-1: any). */
    static int count(int localPort, int remotePort) throws IOException {
        int n = 0;
        for (String file : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path p = Paths.get(file);
            if (!Files.isReadable(p)) {
                continue;
            }
            List<String> lines = Files.readAllLines(p, StandardCharsets.US_ASCII);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                int local = port(f[1]);
                int remote = port(f[2]);
                if ("06".equals(f[3]) && (localPort < 0 || local == localPort) && (remotePort < 0 || remote == remotePort)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static int port(String addressColonPort) {
        return Integer.parseInt(addressColonPort.substring(addressColonPort.indexOf(':') + 1), 16);
    }
}
