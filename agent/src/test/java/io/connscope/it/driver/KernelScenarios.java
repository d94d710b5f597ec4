package io.connscope.it.driver;

import jdk.net.ExtendedSocketOptions;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenarios for the kernel's view, run under the agent by KernelViewIT. Each prints {@code ready ...} on stdout and
 * waits for a line on stdin, so the test can change the network or read {@code ss} at a known moment.
 */
public final class KernelScenarios {

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        switch (args[0]) {
            case "unanswered-probes":
                unansweredProbes(stdin);
                break;
            case "time-wait":
                timeWait(Integer.parseInt(args[1]), Integer.parseInt(args[2]), stdin);
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * A client with keep-alive every second (4 probes) to a server in this JVM; "ready SERVERPORT CLIENTPORT". After a
     * line on stdin (the test has made the kernel drop the server's packets to the client), the client's probes go
     * unanswered and the kernel gives the connection up: the read fails and the client closes.
     */
    static void unansweredProbes(BufferedReader stdin) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket client = new Socket();
            client.setKeepAlive(true);
            client.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 1);
            client.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 1);
            client.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 4);
            client.connect(server.getLocalSocketAddress());
            Socket accepted = server.accept();
            accepted.getOutputStream().write('x');
            client.getInputStream().read();
            System.out.println("ready " + server.getLocalPort() + " " + client.getLocalPort());
            System.out.flush();
            stdin.readLine();
            long start = System.nanoTime();
            try {
                int b = client.getInputStream().read();
                System.out.println("client read returned " + b);
            } catch (java.io.IOException e) {
                System.out.println("client read failed after " + (System.nanoTime() - start) / 1_000_000 + " ms: " + e);
            }
            client.close();
            accepted.close();
        }
    }

    /**
     * {@code closed} connections the client closes first (TIME_WAIT on the client's side), then {@code open} ones kept
     * open; "ready PORT" and wait for a line, then exit with them open (the exit report counts them).
     */
    static void timeWait(int closed, int open, BufferedReader stdin) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            for (int i = 0; i < closed; i++) {
                Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                try (Socket accepted = server.accept()) {
                    client.getOutputStream().write('x');
                    accepted.getInputStream().read();
                    client.close();
                    // The server reads the FIN, then closes: it closed second and keeps no TIME_WAIT.
                    InputStream in = accepted.getInputStream();
                    System.out.println("server read after client close: " + in.read());
                }
            }
            List<Socket> keep = new ArrayList<>();
            for (int i = 0; i < open; i++) {
                keep.add(new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort()));
                keep.add(server.accept());
            }
            System.out.println("ready " + server.getLocalPort());
            System.out.flush();
            stdin.readLine();
            System.out.println("exiting with " + keep.size() + " sockets open");
        }
    }
}
