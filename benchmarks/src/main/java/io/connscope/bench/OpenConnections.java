package io.connscope.bench;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory workload: heap in use after a full GC, before and while {@code args[0]} connections are open (half
 * outbound {@code Socket}s, half the inbound ones a {@code ServerSocket} of the same JVM accepted: every one a
 * tracked connection for connscope). Run with {@code -XX:+UseSerialGC} so that {@code System.gc()} is one full,
 * compacting collection. Prints {@code heap_before=B heap_open=B connections=N}; the driver subtracts the no-agent
 * JVM's growth (the JDK's own socket objects) from an agent's.
 */
public final class OpenConnections {

    public static void main(String[] args) throws Exception {
        int connections = Integer.parseInt(args[0]);
        List<Socket> open = new ArrayList<>(connections);
        try (ServerSocket listener = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress())) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
            // Loads and links every class the measured part uses, the agent's included; the list's array is sized.
            openPairs(listener, address, new ArrayList<>(), 200, true);
            long before = heapAfterGc();
            openPairs(listener, address, open, connections / 2, false);
            long during = heapAfterGc();
            System.out.println("heap_before=" + before + " heap_open=" + during + " connections=" + open.size());
            for (Socket s : open) {
                s.close();
            }
        }
    }

    private static void openPairs(ServerSocket listener, InetSocketAddress address, List<Socket> into, int pairs,
                                  boolean close) throws Exception {
        for (int i = 0; i < pairs; i++) {
            Socket client = new Socket();
            client.connect(address, 5_000);
            Socket accepted = listener.accept();
            if (close) {
                accepted.close();
                client.close();
            } else {
                into.add(client);
                into.add(accepted);
            }
        }
    }

    /**
     * Heap in use once full collections stop freeing anything: closed sockets are freed only after the JDK's Cleaner
     * has run for them, which a first collection sets off. Then the least of ten more collections 100 ms apart:
     * what is retained, not what an agent thread holds for a moment (connscope's kernel sampler builds maps of the
     * open connections while it reads /proc, for as long as the read takes with thousands of TIME_WAIT rows).
     */
    private static long heapAfterGc() throws InterruptedException {
        long previous = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            long used = usedAfterGc();
            if (Math.abs(previous - used) < 4096) {
                break;
            }
            previous = used;
        }
        long least = previous;
        for (int i = 0; i < 10; i++) {
            least = Math.min(least, usedAfterGc());
        }
        return least;
    }

    private static long usedAfterGc() throws InterruptedException {
        System.gc();
        Thread.sleep(100);
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
