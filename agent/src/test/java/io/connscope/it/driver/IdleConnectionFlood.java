package io.connscope.it.driver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A flood of connections that never send a byte, as a port scanner or a client stuck before its first write makes
 * them. Two JVMs: {@code server COUNT OPEN} accepts {@code OPEN} connections at a time and closes each batch first;
 * {@code client PORT COUNT OPEN} (run without the agent, so that the server's records are all there is) opens them,
 * reads each one's end-of-stream and closes it. The server prints its heap in use after a full GC once the first
 * batch came and went ({@code HEAP at=warm}), with the second open ({@code at=open}) and at the end ({@code at=end}),
 * and its count.
 */
public final class IdleConnectionFlood {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private IdleConnectionFlood() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(300_000);
        if (args[0].equals("server")) {
            server(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        } else {
            client(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        }
        System.out.flush();
        System.exit(0);
    }

    private static void server(int count, int open) throws IOException, InterruptedException {
        try (ServerSocket listener = new ServerSocket(0, open + 64, LOOPBACK)) {
            System.out.println("READY " + listener.getLocalPort());
            System.out.flush();
            int accepted = 0;
            List<Socket> batch = new ArrayList<>(open);
            for (int round = 0; accepted < count; round++) {
                int n = Math.min(open, count - accepted);
                if (round == 1 && n == open) {
                    heap("warm"); // the first batch came and went: whatever is made once is made
                }
                for (int i = 0; i < n; i++) {
                    batch.add(listener.accept());
                    accepted++;
                }
                if (round == 1 && n == open) {
                    heap("open");
                }
                for (Socket s : batch) {
                    s.close();
                }
                batch.clear();
            }
            System.out.println("TRUTH accepted=" + accepted + " port=" + listener.getLocalPort());
        }
        heap("end");
        System.out.println("DONE");
    }

    private static void client(int port, int count, int open) throws IOException {
        int connected = 0;
        int endOfStream = 0;
        List<Socket> batch = new ArrayList<>(open);
        while (connected < count) {
            int n = Math.min(open, count - connected);
            for (int i = 0; i < n; i++) {
                Socket s = new Socket(LOOPBACK, port);
                s.setSoTimeout(30_000);
                batch.add(s);
                connected++;
            }
            for (Socket s : batch) {
                if (s.getInputStream().read() < 0) {
                    endOfStream++;
                }
                s.close();
            }
            batch.clear();
        }
        System.out.println("RESULT connected=" + connected + " end_of_stream=" + endOfStream);
    }

    private static void heap(String at) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        Runtime rt = Runtime.getRuntime();
        System.out.println("HEAP at=" + at + " used_kb=" + (rt.totalMemory() - rt.freeMemory()) / 1024);
        System.out.flush();
    }
}
