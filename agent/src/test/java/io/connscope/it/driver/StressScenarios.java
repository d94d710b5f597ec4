package io.connscope.it.driver;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs in a forked JVM with the agent attached: volume, to show that what connscope keeps does not grow with it.
 * Both ends of every connection are in this JVM, so each connection is two sockets connscope traces.
 *
 * <ul>
 *   <li>{@code churn N THREADS [LINGER_MS]}: N short connections to a server in this JVM, THREADS client threads and as many
 *       accepting threads. The server closes first, the client reads the end of stream and closes with
 *       {@code SO_LINGER 0}: its RST ends the server's FIN_WAIT2 at once, so neither side leaves a TIME_WAIT
 *       entry and the ephemeral ports are free again right away (a FIN from the client would leave a TIME_WAIT
 *       entry per connection for 60 s: a million of them overflow the kernel's table, which other processes
 *       on the machine read and share). Then it sleeps LINGER_MS (default 1.5 s) before the last heap sample.</li>
 *   <li>{@code leak N WAVE}: N connections whose two sockets are dropped without close, WAVE connections at a
 *       time: a wave holds 2 x WAVE descriptors until the garbage collector's cleaners close them, so after each
 *       wave it collects until the process's open descriptors are back where they were (bounded).</li>
 * </ul>
 * Both print {@code HEAP after=K used_mb=..} samples of the heap used after a full collection (the first one,
 * {@code after=0}, before any connection) and {@code RESULT key=value ...} lines.
 */
public final class StressScenarios {

    private StressScenarios() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(170_000);
        InetAddress v4 = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        Thread.currentThread().setName("stress-main");
        switch (args[0]) {
            case "churn":
                churn(v4, Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                        args.length > 3 ? Long.parseLong(args[3]) : 1500);
                break;
            case "leak":
                leak(v4, Integer.parseInt(args[1]), Integer.parseInt(args[2]));
                break;
            default:
                throw new IllegalArgumentException("unknown scenario " + args[0] + " (churn, leak)");
        }
        System.out.println("DONE");
    }

    private static void churn(InetAddress v4, int n, int threads, long lingerMillis) throws Exception {
        heapSample(0);
        AtomicLong next = new AtomicLong();
        AtomicLong accepted = new AtomicLong();
        AtomicLong done = new AtomicLong();
        long sampleEvery = Math.max(1, n / 10);
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        int port;
        try (ServerSocket server = new ServerSocket(0, 4096, v4)) {
            port = server.getLocalPort();
            InetSocketAddress to = new InetSocketAddress(v4, port);
            List<Thread> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                all.add(new Thread(() -> {
                    try {
                        while (accepted.get() < n) {
                            Socket s;
                            try {
                                s = server.accept();
                            } catch (java.net.SocketTimeoutException e) {
                                continue;
                            }
                            accepted.incrementAndGet();
                            s.close();
                        }
                    } catch (Throwable e) {
                        if (accepted.get() < n) {
                            errors.add(e);
                        }
                    }
                }, "stress-server-" + t));
                all.add(new Thread(() -> {
                    try {
                        for (long i; (i = next.getAndIncrement()) < n; ) {
                            Socket c = new Socket();
                            c.setSoTimeout(10_000);
                            c.connect(to, 10_000);
                            if (c.getInputStream().read() != -1) {
                                throw new IOException("expected the server's end of stream");
                            }
                            c.setSoLinger(true, 0);
                            c.close();
                            long d = done.incrementAndGet();
                            if (d % sampleEvery == 0 && d < n) {
                                heapSample(d);
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "stress-client-" + t));
            }
            server.setSoTimeout(500);
            for (Thread t : all) {
                t.start();
            }
            for (Thread t : all) {
                t.join();
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        for (Throwable e : errors) {
            e.printStackTrace();
        }
        // The agent's reporter thread has the last closes in its queue: give it a moment before the last sample.
        Thread.sleep(lingerMillis);
        heapSample(n);
        System.out.println("RESULT connections=" + done.get() + " accepted=" + accepted.get() + " errors=" + errors.size()
                + " server_port=" + port + " churn_ms=" + millis);
    }

    private static void leak(InetAddress v4, int n, int wave) throws Exception {
        com.sun.management.UnixOperatingSystemMXBean os =
                (com.sun.management.UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        heapSample(0);
        long baseFds = os.getOpenFileDescriptorCount();
        // A wave's sockets all hold descriptors until collected: stay well inside the process's limit.
        wave = (int) Math.max(1, Math.min(wave, (os.getMaxFileDescriptorCount() - baseFds) / 4));
        System.out.println("FDS open=" + baseFds + " max=" + os.getMaxFileDescriptorCount() + " wave=" + wave);
        int made = 0;
        int waves = 0;
        long start = System.nanoTime();
        try (ServerSocket server = new ServerSocket(0, 4096, v4)) {
            server.setSoTimeout(10_000);
            InetSocketAddress to = new InetSocketAddress(v4, server.getLocalPort());
            while (made < n) {
                int k = Math.min(wave, n - made);
                openAndDrop(server, to, k);
                made += k;
                waves++;
                // Bounded: the cleaners close collected sockets shortly after a collection.
                for (int i = 0; i < 100 && os.getOpenFileDescriptorCount() > baseFds + 16; i++) {
                    System.gc();
                    Thread.sleep(20);
                }
                if (waves % 5 == 0) {
                    heapSample(made);
                }
            }
            System.out.println("FDS open=" + os.getOpenFileDescriptorCount() + " after " + waves + " waves");
            // The agent's reporter expunges collected sockets every second: give it two.
            for (int i = 0; i < 10; i++) {
                System.gc();
                Thread.sleep(200);
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        heapSample(n);
        System.out.println("RESULT connections=" + made + " waves=" + waves + " wave=" + wave + " leak_ms=" + millis);
    }

    /** {@code k} connections, each with one byte each way, both sockets left to the garbage collector. */
    private static void openAndDrop(ServerSocket server, InetSocketAddress to, int k) throws IOException {
        for (int i = 0; i < k; i++) {
            Socket c = new Socket();
            c.setSoTimeout(10_000);
            c.connect(to, 10_000);
            Socket s = server.accept();
            c.getOutputStream().write(1);
            if (s.getInputStream().read() != 1) {
                throw new IOException("expected one byte");
            }
        }
    }

    /** Prints the heap used after a full collection. */
    static synchronized void heapSample(long after) {
        System.gc();
        System.gc();
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.out.println("HEAP after=" + after + " used_kb=" + used / 1024);
    }
}
