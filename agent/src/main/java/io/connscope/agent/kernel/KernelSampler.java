package io.connscope.agent.kernel;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionState;
import io.connscope.agent.core.Direction;
import io.connscope.agent.core.PlainFiles;
import io.connscope.bootstrap.AgentThread;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The kernel's view of this JVM's connections, sampled periodically from /proc on a thread of its own: TIME_WAIT
 * sockets per peer (rows matched to connections connscope saw close), local ports in use per peer against the
 * ephemeral port range, and open connections whose keep-alive probes go unanswered.
 *
 * <p>Each sample streams /proc/net/tcp and /proc/net/tcp6 through one fixed buffer and one reused row, and looks up
 * each row in two hash maps: work is linear in the rows (every TCP socket of the network namespace), memory is
 * bounded by connscope's own connections and {@link RecentCloses}. /proc shows the sockets of the reader's network
 * namespace, which is the JVM's.
 */
public final class KernelSampler {

    /** Tuples of closed connections kept for TIME_WAIT matching; beyond, the oldest are forgotten early. */
    static final int MAX_RECENT_CLOSES = 65_536;
    /** The longest line read; /proc/net/tcp6 rows are about 170 bytes. */
    private static final int MAX_LINE = 512;

    private final Path procNet;
    private final Path procSys;
    private final RecentCloses closes = new RecentCloses(MAX_RECENT_CLOSES, RecentCloses.KEEP_NANOS);
    private final byte[] buffer = new byte[64 * 1024];
    private final TcpRow row = new TcpRow();
    /**
     * Rows already counted in this sample: a read of /proc/net/tcp is not atomic, and a socket can be listed twice
     * when the table changes between two reads of the file.
     */
    private final Set<ConnectionRecord> seenOpen = Collections.newSetFromMap(new IdentityHashMap<>());
    /** This sample's number, never 0, for {@link RecentCloses#firstInSample} (TIME_WAIT rows counted once). */
    private int sampleNumber;
    private volatile KernelSnapshot latest;
    /** The tuple of the close being reported, filled again for each (the reporter thread's alone). */
    private final Endpoints closing = new Endpoints();
    /**
     * Per direction (outbound, inbound), the peer of the last close reported and its server's address (the
     * reporter thread's alone).
     */
    private final KernelPeer[] lastPeers = new KernelPeer[2];
    private final InetAddress[] lastPeerAddresses = new InetAddress[2];

    KernelSampler(Path proc) {
        this.procNet = proc.resolve("net");
        this.procSys = proc.resolve("sys/net/ipv4");
    }

    /**
     * Starts sampling every {@code intervalSeconds} on an agent thread, or returns null: when the interval is 0,
     * or when /proc/net/tcp cannot be read (not Linux), which is said in one line on {@code out}.
     */
    public static KernelSampler start(long intervalSeconds, Supplier<List<ConnectionRecord>> open, PrintStream out) {
        return start(Paths.get("/proc"), intervalSeconds, open, out);
    }

    static KernelSampler start(Path proc, long intervalSeconds, Supplier<List<ConnectionRecord>> open,
                               PrintStream out) {
        if (intervalSeconds <= 0) {
            return null;
        }
        KernelSampler sampler = new KernelSampler(proc);
        if (!Files.isReadable(sampler.procNet.resolve("tcp"))) {
            out.println("connscope: kernel view off: " + sampler.procNet.resolve("tcp") + " is not readable here ("
                    + System.getProperty("os.name") + "); TIME_WAIT, port usage and keep-alive probes are not sampled");
            return null;
        }
        long intervalNanos = TimeUnit.SECONDS.toNanos(intervalSeconds);
        Thread t = new AgentThread(() -> sampler.run(intervalNanos, open, out), "connscope-kernel");
        t.start();
        return sampler;
    }

    /** Samples take at most this share of one core: a host with very many sockets is sampled less often. */
    static final int MAX_CPU_SHARE_INVERSE = 100;

    /**
     * How long to wait before the next sample: the configured interval, or longer when a sample took more than
     * 1% of it (reading /proc/net/tcp costs a few microseconds per row, of every socket in the network namespace,
     * and a host with 100,000 sockets would otherwise spend a noticeable share of a core on it).
     */
    static long nextSleepNanos(long intervalNanos, long sampleNanos) {
        return Math.max(intervalNanos, sampleNanos * MAX_CPU_SHARE_INVERSE);
    }

    private static final long FIRST_SAMPLE_DELAY_NANOS = TimeUnit.SECONDS.toNanos(2);

    private void run(long intervalNanos, Supplier<List<ConnectionRecord>> open, PrintStream out) {
        boolean reported = false;
        boolean stretchReported = false;
        try {
            // Not at once: the application is starting, and on a host with many sockets (tens of thousands of
            // TIME_WAIT rows after a churn) a sample takes the kernel hundreds of milliseconds; a JVM that exits
            // before then had to wait for it before its exit sample.
            TimeUnit.NANOSECONDS.sleep(Math.min(intervalNanos, FIRST_SAMPLE_DELAY_NANOS));
        } catch (InterruptedException e) {
            return;
        }
        ThreadCpuClock clock = new ThreadCpuClock();
        boolean cpuTime = clock.nanos() >= 0;
        while (true) {
            // CPU time (user and system: most of a sample is the kernel formatting the rows), not wall time, which a
            // busy machine stretches.
            long started = cpuTime ? clock.nanos() : System.nanoTime();
            try {
                sample(open.get());
            } catch (Throwable t) {
                if (!reported) {
                    reported = true;
                    out.println("connscope: kernel view sample failed (reported once, sampling goes on): " + t);
                }
            }
            long ended = cpuTime ? clock.nanos() : System.nanoTime();
            long took = started < 0 || ended < 0 ? 0 : ended - started;
            KernelSnapshot last = latest;
            long lastRows = last == null ? 0 : last.rows;
            long sleep = nextSleepNanos(intervalNanos, took);
            if (sleep > intervalNanos && !stretchReported) {
                stretchReported = true;
                out.println("connscope: kernel view: a sample of " + lastRows + " rows in /proc/net/tcp* took "
                        + TimeUnit.NANOSECONDS.toMillis(took) + " ms of CPU; sampling every "
                        + TimeUnit.NANOSECONDS.toSeconds(sleep) + " s instead of "
                        + TimeUnit.NANOSECONDS.toSeconds(intervalNanos) + " s while samples cost this much"
                        + " (at most 1% of a core; reported once)");
            }
            try {
                TimeUnit.NANOSECONDS.sleep(sleep);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The reporter thread: a connection closed; its TIME_WAIT row, if any, is this JVM's from now on. */
    public void onClosed(ConnectionRecord r) {
        if (r.state() == ConnectionState.FAILED) {
            return;
        }
        Endpoints tuple = closing;
        if (!tuple.set(r)) {
            return;
        }
        InetAddress server = r.serverInet();
        int d = r.direction() == Direction.INBOUND ? 1 : 0;
        KernelPeer peer = lastPeers[d];
        // Consecutive closes in a direction mostly share a peer: its text is not made again (IPv4 only: IPv6
        // text has the scope).
        if (peer == null || !(server instanceof Inet4Address) || r.serverPort() != peer.serverPort
                || !server.equals(lastPeerAddresses[d])) {
            peer = KernelPeer.of(r);
            lastPeers[d] = server instanceof Inet4Address ? peer : null;
            lastPeerAddresses[d] = server;
        }
        if (peer != null) {
            closes.add(tuple, peer, System.nanoTime());
        }
    }

    /** The last sample, or null before the first. */
    public KernelSnapshot latest() {
        return latest;
    }

    /** A sample now, or the last one when it fails. */
    public KernelSnapshot sampleNow(List<ConnectionRecord> open) {
        if (open.isEmpty() && closes.size() == 0) {
            // Nothing of this JVM's to find: spare a JVM that made no connection reading every socket of the host.
            return latest;
        }
        try {
            return sample(open);
        } catch (IOException | RuntimeException e) {
            return latest;
        }
    }

    /** One sample, joined to {@code open} (connscope's open connections); published as {@link #latest()}. */
    public synchronized KernelSnapshot sample(List<ConnectionRecord> open) throws IOException {
        long start = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        closes.expire(start);
        Map<Endpoints, ConnectionRecord> byTuple = new HashMap<>(open.size() * 2);
        Map<ConnectionRecord, KernelPeer> peerOf = new HashMap<>(open.size() * 2);
        for (ConnectionRecord r : open) {
            Endpoints tuple = new Endpoints();
            KernelPeer peer = KernelPeer.of(r);
            if (tuple.set(r) && peer != null) {
                byTuple.put(tuple, r);
                peerOf.put(r, peer);
            }
        }
        Map<KernelPeer, KernelSnapshot.PeerCounts> peers = new HashMap<>();
        seenOpen.clear();
        sampleNumber = sampleNumber == Integer.MAX_VALUE ? 1 : sampleNumber + 1;
        RowSink sink = r -> sampleRow(r, byTuple, peerOf, peers, nowMillis);
        int rows = read(procNet.resolve("tcp"), sink) + read(procNet.resolve("tcp6"), sink);
        int[] range = ints(procSys.resolve("ip_local_port_range"), 2);
        int[] twReuse = ints(procSys.resolve("tcp_tw_reuse"), 1);
        KernelSnapshot s = new KernelSnapshot(nowMillis, rows, System.nanoTime() - start, range[0], range[1],
                twReuse[0], peers);
        latest = s;
        return s;
    }

    /** A row of /proc/net/tcp*, parsed into the one reused {@link TcpRow}. */
    private interface RowSink {
        void accept(TcpRow row);
    }

    /** Streams {@code file} through the fixed buffer; each row goes to {@code sink}. Returns the rows. */
    private int read(Path file, RowSink sink) throws IOException {
        if (!Files.exists(file)) {
            return 0; // no IPv6 in this kernel
        }
        int rows = 0;
        try (InputStream in = PlainFiles.in(file)) {
            int filled = 0;
            while (true) {
                int n = in.read(buffer, filled, buffer.length - filled);
                if (n < 0) {
                    if (filled > 0 && consume(buffer, 0, filled, sink)) {
                        rows++;
                    }
                    return rows;
                }
                filled += n;
                int lineStart = 0;
                for (int i = 0; i < filled; i++) {
                    if (buffer[i] == '\n') {
                        if (consume(buffer, lineStart, i, sink)) {
                            rows++;
                        }
                        lineStart = i + 1;
                    }
                }
                // Keep the unfinished line for the next read; a line longer than MAX_LINE is not a row: dropped.
                int rest = filled - lineStart;
                if (rest > MAX_LINE) {
                    rest = 0;
                }
                System.arraycopy(buffer, filled - rest, buffer, 0, rest);
                filled = rest;
            }
        }
    }

    /** One line: counted when it is a row. */
    private boolean consume(byte[] line, int from, int to, RowSink sink) {
        TcpRow r = row;
        if (!r.parse(line, from, to)) {
            return false;
        }
        sink.accept(r);
        return true;
    }

    /** A sample's look at one row. */
    private void sampleRow(TcpRow r, Map<Endpoints, ConnectionRecord> byTuple, Map<ConnectionRecord, KernelPeer> peerOf,
                           Map<KernelPeer, KernelSnapshot.PeerCounts> peers, long nowMillis) {
        if (r.state() == TcpRow.TIME_WAIT) {
            KernelPeer peer = closes.firstInSample(r.endpoints(), sampleNumber);
            if (peer != null) {
                counts(peers, peer).timeWait++;
            }
            return;
        }
        if (r.state() == TcpRow.LISTEN) {
            return;
        }
        ConnectionRecord c = byTuple.get(r.endpoints());
        if (c == null || !seenOpen.add(c)) {
            return;
        }
        KernelSnapshot.PeerCounts counts = counts(peers, peerOf.get(c));
        counts.open++;
        if (r.timer() == TcpRow.TIMER_KEEPALIVE && r.probesOut() > 0) {
            counts.unansweredProbes++;
            counts.maxUnansweredProbes = Math.max(counts.maxUnansweredProbes, r.probesOut());
            c.noteUnansweredProbes(r.probesOut(), nowMillis);
        }
    }

    /** When the reporter may next read /proc to settle closes: these reads, too, take at most 1% of a core. */
    private long settleAllowedAtNanos = System.nanoTime();
    /**
     * Times a settle's reads in the reporter's CPU time, as a sample's are: in wall time, which a busy machine
     * stretches while the reporter waits for a CPU, the budget skipped settles (and left guesses standing) that 1 % of
     * a core did not call for.
     */
    private final ThreadCpuClock settleClock = new ThreadCpuClock();

    /**
     * The reporter thread, before it reports {@code finished}: closes whose FINs met at a shutdown
     * ({@link ConnectionRecord#closeInitiatorForKernel}) are settled by this side's row, in one read of /proc for
     * them all (two when the first found no row for one of them). This side's FIN was first when its row is
     * FIN_WAIT1, FIN_WAIT2, CLOSING or TIME_WAIT (TIME_WAIT stays 60 s); when the peer's was, the row is LAST_ACK
     * until the peer's ACK, then gone. A close nobody looked at (its descriptor gone first) needs a row to tell, as
     * a reset leaves none either: this side's, or the peer's when it is on this host (in TIME_WAIT when its FIN was
     * first). Under connection churn such closes come in every batch (a peer that answers this side's FIN with its
     * own within microseconds looks the same as FINs that met) while /proc holds tens of thousands of TIME_WAIT
     * rows: a read that took T of the reporter's CPU waits 100 T before the next, and closes in between keep the guess.
     */
    public synchronized void settleCloseInitiators(List<?> finished) {
        long now = System.nanoTime();
        if (now - settleAllowedAtNanos < 0) {
            return; // over its share of a core: the looks' guess stands, its reason saying the kernel was not asked
        }
        Map<Endpoints, ConnectionRecord> waiting = null;
        Map<Endpoints, ConnectionRecord> peersOf = null;
        for (Object item : finished) {
            if (item instanceof ConnectionRecord && ((ConnectionRecord) item).closeInitiatorForKernel()) {
                ConnectionRecord r = (ConnectionRecord) item;
                Endpoints tuple = new Endpoints();
                if (tuple.set(r)) {
                    if (waiting == null) {
                        waiting = new HashMap<>();
                        peersOf = new HashMap<>();
                    }
                    waiting.put(tuple, r);
                    peersOf.put(tuple.reversed(), r);
                }
            }
        }
        if (waiting == null) {
            return;
        }
        Map<Endpoints, ConnectionRecord> byTuple = waiting;
        Map<Endpoints, ConnectionRecord> byPeerTuple = peersOf;
        Set<ConnectionRecord> first = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<ConnectionRecord> peerFirst = Collections.newSetFromMap(new IdentityHashMap<>());
        RowSink sink = r -> {
            ConnectionRecord c = byTuple.get(r.endpoints());
            if (c != null && TcpRow.sentTheFirstFin(r.state())) {
                first.add(c);
            } else if (c != null && TcpRow.gotTheFirstFin(r.state())) {
                peerFirst.add(c);
            }
            // A peer on this host (loopback, a container's bridge): its row in TIME_WAIT outlives this side's.
            ConnectionRecord ofPeer = byPeerTuple.get(r.endpoints());
            if (ofPeer != null && TcpRow.sentTheFirstFin(r.state())) {
                peerFirst.add(ofPeer);
            }
        };
        long startedCpu = settleClock.nanos();
        long started = System.nanoTime();
        try {
            read(procNet.resolve("tcp"), sink);
            read(procNet.resolve("tcp6"), sink);
            // A read of /proc can miss a row: the kernel walks its table in pieces, and a row that leaves it between
            // two pieces (a TIME_WAIT's end) moves those behind it forward, past the walk. No row is a verdict here,
            // so a close the first read found no row for is looked for once more.
            boolean unfound = false;
            for (ConnectionRecord c : byTuple.values()) {
                unfound |= !first.contains(c) && !peerFirst.contains(c);
            }
            if (unfound) {
                read(procNet.resolve("tcp"), sink);
                read(procNet.resolve("tcp6"), sink);
            }
        } catch (IOException | RuntimeException e) {
            return; // unsettled: the looks' guess stands, and its reason says the kernel was not asked
        } finally {
            long end = System.nanoTime();
            long endCpu = startedCpu < 0 ? -1 : settleClock.nanos();
            long took = endCpu < 0 ? end - started : endCpu - startedCpu;
            settleAllowedAtNanos = end + nextSleepNanos(0, took);
        }
        for (ConnectionRecord c : byTuple.values()) {
            c.settleCloseInitiator(first.contains(c), peerFirst.contains(c));
        }
    }

    private static KernelSnapshot.PeerCounts counts(Map<KernelPeer, KernelSnapshot.PeerCounts> peers, KernelPeer peer) {
        return peers.computeIfAbsent(peer, p -> new KernelSnapshot.PeerCounts());
    }

    /** The first {@code n} whole numbers of a /proc/sys file, or -1 for each when it cannot be read. */
    static int[] ints(Path file, int n) {
        int[] values = new int[n];
        java.util.Arrays.fill(values, -1);
        // Files.readAllBytes trusts the size /proc reports (0) and may return a truncated value: read to the end.
        try (InputStream in = PlainFiles.in(file)) {
            String[] parts = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
            for (int i = 0; i < n && i < parts.length; i++) {
                values[i] = Integer.parseInt(parts[i]);
            }
        } catch (IOException | RuntimeException e) {
            // Unknown stays -1: a container may hide /proc/sys.
        }
        return values;
    }

    int recentCloses() {
        return closes.size();
    }
}
