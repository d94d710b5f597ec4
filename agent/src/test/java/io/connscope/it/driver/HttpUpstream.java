package io.connscope.it.driver;

import io.connscope.it.driver.HttpServers.Server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An upstream for external clients (nginx, curl, ab): runs in a forked JVM with the agent attached, starts
 * {@code count} JDK HttpServer "Hello there!" servers on 127.0.0.1 and prints
 * {@code UPSTREAM name=upstream ports=p1,p2,...}. On a {@code stop} line (or end of stdin) it waits, bounded, until
 * the kernel shows none of its servers' connections still established or half-closed (so every close has been
 * seen), prints {@code SERVED name=server-i port=... client_ports=...} per server (one client port per request, in
 * order) and exits.
 */
public final class HttpUpstream {

    private HttpUpstream() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(55_000);
        int count = Integer.parseInt(args[0]);
        List<Server> servers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            servers.add(new Server());
        }
        System.out.println("UPSTREAM name=upstream ports="
                + servers.stream().map(s -> String.valueOf(s.port())).collect(Collectors.joining(",")));
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.trim().equals("stop")) {
                break;
            }
        }
        boolean settled = HttpServers.await(5000, () -> {
            for (Server s : servers) {
                Set<String> states = HttpServers.statesOnLocalPort(s.port());
                if (states.contains("01") || states.contains("08")) {
                    return false;
                }
            }
            return true;
        });
        for (int i = 0; i < count; i++) {
            Server s = servers.get(i);
            System.out.println("SERVED name=server-" + i + " port=" + s.port() + " requests=" + s.clientPorts().size()
                    + " client_ports=" + s.clientPortsText() + " versions=" + s.versionsText()
                    + " connections_seen=" + s.distinctClientPorts() + " settled=" + settled);
        }
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }
}
