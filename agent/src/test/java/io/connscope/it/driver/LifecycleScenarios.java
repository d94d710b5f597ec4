package io.connscope.it.driver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs in a forked JVM with the agent attached; exercises the agent's own life cycle rather than one connection.
 * Prints {@code PAIR client_port=... server_port=...} for every connection it makes.
 *
 * <ul>
 *   <li>{@code leak}: 50 connections (both ends) dropped without close, then System.gc() for about 5 s.</li>
 *   <li>{@code bounded}: 20 connections made one after another and kept open, then all closed.</li>
 *   <li>{@code sigterm}: one connection kept open; prints {@code ready} and sleeps until it is killed.</li>
 *   <li>{@code closing-at-exit}: 300 connections; a daemon thread closes them, both ends, one every ~0.5 ms;
 *       main returns once a third are closed, so the rest close while the JVM exits.</li>
 * </ul>
 */
public final class LifecycleScenarios {

    private LifecycleScenarios() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        InetAddress v4 = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        Thread.currentThread().setName("lifecycle-main");
        switch (args[0]) {
            case "leak":
                leak(v4, 50);
                break;
            case "bounded":
                bounded(v4, 20);
                break;
            case "sigterm":
                sigterm(v4);
                break;
            case "closing-at-exit":
                closingAtExit(v4, 300);
                break;
            default:
                throw new IllegalArgumentException("unknown scenario " + args[0]
                        + " (leak, bounded, sigterm, closing-at-exit)");
        }
        System.out.println("DONE");
    }

    private static Socket[] connectPair(ServerSocket server, InetAddress v4) throws IOException {
        Socket c = new Socket();
        c.setSoTimeout(10_000);
        c.connect(new InetSocketAddress(v4, server.getLocalPort()), 10_000);
        Socket s = server.accept();
        System.out.println("PAIR client_port=" + c.getLocalPort() + " server_port=" + server.getLocalPort());
        return new Socket[] {c, s};
    }

    private static void leak(InetAddress v4, int n) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 100, v4)) {
            server.setSoTimeout(10_000);
            openAndDrop(server, v4, n);
            // No signal exists for "the agent noticed the collection": collect for a bounded ~5 s.
            for (int i = 0; i < 25; i++) {
                System.gc();
                Thread.sleep(200);
            }
        }
    }

    private static void openAndDrop(ServerSocket server, InetAddress v4, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            Socket[] pair = connectPair(server, v4);
            pair[0].getOutputStream().write(1);
            if (pair[1].getInputStream().read() != 1) {
                throw new IOException("expected one byte");
            }
        }
    }

    private static void bounded(InetAddress v4, int n) throws Exception {
        List<Socket[]> pairs = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 100, v4)) {
            server.setSoTimeout(10_000);
            for (int i = 0; i < n; i++) {
                pairs.add(connectPair(server, v4));
            }
            for (Socket[] p : pairs) {
                p[0].close();
                p[1].close();
            }
        }
    }

    private static void sigterm(InetAddress v4) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, v4)) {
            server.setSoTimeout(10_000);
            Socket[] pair = connectPair(server, v4);
            pair[0].getOutputStream().write(new byte[11]);
            byte[] buf = new byte[11];
            int got = 0;
            while (got < 11) {
                int r = pair[1].getInputStream().read(buf, got, 11 - got);
                if (r < 0) {
                    throw new IOException("unexpected end-of-stream");
                }
                got += r;
            }
            System.out.println("ready");
            System.out.flush();
            Thread.sleep(40_000);
            System.out.println("not killed");
        }
    }

    private static void closingAtExit(InetAddress v4, int n) throws Exception {
        List<Socket[]> pairs = new ArrayList<>();
        ServerSocket server = new ServerSocket(0, n, v4);
        server.setSoTimeout(10_000);
        for (int i = 0; i < n; i++) {
            Socket c = new Socket();
            c.connect(new InetSocketAddress(v4, server.getLocalPort()), 10_000);
            pairs.add(new Socket[] {c, server.accept()});
        }
        server.close();
        System.out.println("RESULT server_port=" + server.getLocalPort() + " connections=" + n);
        java.util.concurrent.CountDownLatch third = new java.util.concurrent.CountDownLatch(n / 3);
        Thread closer = new Thread(() -> {
            for (Socket[] p : pairs) {
                try {
                    p[0].close();
                    java.util.concurrent.locks.LockSupport.parkNanos(500_000);
                    p[1].close();
                    java.util.concurrent.locks.LockSupport.parkNanos(500_000);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                third.countDown();
            }
        }, "closer");
        closer.setDaemon(true);
        closer.start();
        third.await();
    }
}
