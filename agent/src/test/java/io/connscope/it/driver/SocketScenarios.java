package io.connscope.it.driver;

import io.connscope.it.driver.Kinds.Conn;
import io.connscope.it.driver.Kinds.Kind;
import io.connscope.it.driver.Kinds.Listener;
import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs in a forked JVM with the agent attached. Client and server both run here, on loopback, so the agent sees
 * both ends of every connection. For each scenario it prints one line of ground truth:
 *
 * <pre>SCENARIO name=client-closes-first family=inet4 client_port=... server_port=... client_thread=... ...</pre>
 *
 * plus {@code FAILED}, {@code TIMEOUT} and {@code FILLER} lines for connects that fail or are never accepted,
 * and {@code SKIP name=... reason=...} when a scenario cannot run here. Values never contain spaces.
 *
 * <p>Usage: {@code SocketScenarios <socket|channel|nbchannel|async> [--virtual] <scenario...|all>}
 */
public final class SocketScenarios {

    public static final List<String> ALL = Arrays.asList(
            "client-closes-first", "server-closes-first", "ipv6-client-closes-first", "half-close", "peer-reset",
            "client-linger0", "refused", "connect-timeout", "keepalive-unset", "keepalive-app",
            "keepalive-inherited", "bytes");

    /** Bytes client to server and server to client, per scenario: distinct so records cannot be confused. */
    static final int BIG_C2S = 200_003;
    static final int BIG_S2C = 300_007;
    /** Extra bytes left unread to make the kernel send RST where SO_LINGER cannot be set (asynchronous channels). */
    static final int UNREAD = 50;

    private final Kind kind;
    private final boolean virtual;
    private final InetAddress v4;

    private SocketScenarios(Kind kind, boolean virtual) throws IOException {
        this.kind = kind;
        this.virtual = virtual;
        this.v4 = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        System.out.println("JAVA_VERSION " + Runtime.version().feature());
        Kind kind = Kinds.byName(args[0]);
        boolean virtual = false;
        List<String> scenarios = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--virtual")) {
                virtual = true;
            } else if (args[i].equals("all")) {
                scenarios.addAll(ALL);
            } else {
                scenarios.add(args[i]);
            }
        }
        if (virtual && !Threads.virtualAvailable()) {
            System.out.println("SKIP name=all reason=virtual-threads-need-jdk-21");
            return;
        }
        SocketScenarios driver = new SocketScenarios(kind, virtual);
        for (String s : scenarios) {
            driver.run(s);
        }
        System.out.println("DONE");
        System.out.flush();
    }

    private void run(String scenario) throws Exception {
        switch (scenario) {
            case "client-closes-first":
            case "keepalive-unset":
                exchange(scenario, v4, true, 123, 4567, null, null);
                break;
            case "server-closes-first":
                exchange(scenario, v4, false, 234, 5678, null, null);
                break;
            case "ipv6-client-closes-first": {
                InetAddress v6 = ipv6Loopback();
                if (v6 == null) {
                    System.out.println("SKIP name=" + scenario + " reason=no-ipv6-loopback");
                } else {
                    exchange(scenario, v6, true, 345, 6789, null, null);
                }
                break;
            }
            case "keepalive-app":
                exchange(scenario, v4, true, 456, 7890, c -> {
                    c.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                    c.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 10);
                    c.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 5);
                    c.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
                }, null);
                break;
            case "keepalive-inherited":
                exchange(scenario, v4, true, 567, 8901, null, l -> {
                    l.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 20);
                    l.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 7);
                    l.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 4);
                });
                break;
            case "bytes":
                exchange(scenario, v4, true, BIG_C2S, BIG_S2C, null, null);
                break;
            case "half-close":
                halfClose(scenario);
                break;
            case "peer-reset":
                peerReset(scenario);
                break;
            case "client-linger0":
                clientLinger0(scenario);
                break;
            case "refused":
                refused(scenario);
                break;
            case "connect-timeout":
                if (kind.hasConnectTimeout()) {
                    connectTimeout(scenario);
                } else {
                    System.out.println("SKIP name=" + scenario + " reason=kind-has-no-connect-timeout");
                }
                break;
            default:
                throw new IllegalArgumentException("unknown scenario " + scenario + "; known: " + ALL);
        }
    }

    interface IoAction<T> {
        void accept(T t) throws IOException;
    }

    /** One line of ground truth; insertion-ordered, thread-safe. */
    static final class Truth {
        final Map<String, String> values = new LinkedHashMap<>();

        Truth(String type, String name) {
            values.put("type", type);
            values.put("name", name);
        }

        synchronized void put(String key, Object value) {
            String v = String.valueOf(value);
            if (v.isEmpty() || v.contains(" ")) {
                throw new IllegalArgumentException(key + "='" + v + "' is empty or has spaces");
            }
            values.put(key, v);
        }

        synchronized void print() {
            StringBuilder sb = new StringBuilder(values.get("type"));
            values.forEach((k, v) -> {
                if (!k.equals("type")) {
                    sb.append(' ').append(k).append('=').append(v);
                }
            });
            System.out.println(sb);
            System.out.flush();
        }
    }

    private Truth pairTruth(String scenario, InetAddress addr, Listener l) {
        Truth t = new Truth("SCENARIO", scenario);
        t.put("kind", kind.name);
        t.put("family", addr instanceof Inet6Address ? "inet6" : "inet4");
        t.put("server_port", l.port());
        t.put("address", addr.getHostAddress());
        return t;
    }

    private void connected(Truth t, Conn c) throws IOException {
        InetSocketAddress local = c.localAddress();
        t.put("client_port", local.getPort());
        t.put("client_address", local.getAddress().getHostAddress());
        t.put("client_thread", Thread.currentThread().getName());
    }

    private void accepted(Truth t, Conn s) {
        t.put("server_thread", Thread.currentThread().getName());
    }

    /**
     * Request/response: the client sends c2s bytes, the server reads them and replies s2c bytes. Then, with
     * clientFirst, the client closes after reading the reply and the server reads end-of-stream and closes;
     * otherwise the server closes after replying and the client reads end-of-stream and closes.
     */
    private void exchange(String scenario, InetAddress addr, boolean clientFirst, int c2s, int s2c,
                          IoAction<Conn> clientSetup, IoAction<Listener> listenerSetup) throws Exception {
        try (Listener l = kind.listen(addr, 50)) {
            if (listenerSetup != null) {
                listenerSetup.accept(l);
            }
            Truth t = pairTruth(scenario, addr, l);
            t.put("c2s", c2s);
            t.put("s2c", s2c);
            InetSocketAddress remote = new InetSocketAddress(addr, l.port());
            pair(scenario, () -> {
                Conn s = l.accept();
                accepted(t, s);
                t.put("ka_server", keepAlive(s));
                s.readExactly(c2s);
                s.writeAll(new byte[s2c]);
                if (clientFirst) {
                    s.expectEof();
                }
                s.close();
                return null;
            }, () -> {
                Conn c = kind.open();
                if (clientSetup != null) {
                    clientSetup.accept(c);
                }
                c.connect(remote);
                connected(t, c);
                t.put("ka_client", keepAlive(c));
                c.writeAll(new byte[c2s]);
                c.readExactly(s2c);
                if (!clientFirst) {
                    c.expectEof();
                }
                c.close();
                return null;
            });
            t.print();
        }
    }

    /** Client sends and shuts down output; server reads to end-of-stream, replies, closes; client reads to EOF, closes. */
    private void halfClose(String scenario) throws Exception {
        int c2s = 678;
        int s2c = 9012;
        try (Listener l = kind.listen(v4, 50)) {
            Truth t = pairTruth(scenario, v4, l);
            t.put("c2s", c2s);
            t.put("s2c", s2c);
            pair(scenario, () -> {
                Conn s = l.accept();
                accepted(t, s);
                s.readExactly(c2s);
                s.expectEof();
                s.writeAll(new byte[s2c]);
                s.close();
                return null;
            }, () -> {
                Conn c = kind.open();
                c.connect(new InetSocketAddress(v4, l.port()));
                connected(t, c);
                c.writeAll(new byte[c2s]);
                c.shutdownOutput();
                c.readExactly(s2c);
                c.expectEof();
                c.close();
                return null;
            });
            t.print();
        }
    }

    /**
     * The server resets: after reading the request it closes with SO_LINGER 0 (or, where SO_LINGER cannot be set,
     * with unread data in its receive buffer). The client's next read fails with a reset.
     */
    private void peerReset(String scenario) throws Exception {
        int c2s = 789;
        int extra = kind.supportsLinger() ? 0 : UNREAD;
        try (Listener l = kind.listen(v4, 50)) {
            Truth t = pairTruth(scenario, v4, l);
            t.put("c2s", c2s + extra);
            t.put("c2s_read", c2s);
            t.put("s2c", 0);
            t.put("reset_by", kind.supportsLinger() ? "so_linger0" : "unread_data");
            pair(scenario, () -> {
                Conn s = l.accept();
                accepted(t, s);
                s.readExactly(c2s);
                if (kind.supportsLinger()) {
                    s.setOption(StandardSocketOptions.SO_LINGER, 0);
                }
                s.close();
                return null;
            }, () -> {
                Conn c = kind.open();
                c.connect(new InetSocketAddress(v4, l.port()));
                connected(t, c);
                // One write: on loopback it arrives as one segment, so once the server has read c2s bytes the
                // extra bytes are already in its receive buffer.
                c.writeAll(new byte[c2s + extra]);
                t.put("client_saw", readOutcome(c));
                c.close();
                return null;
            });
            t.print();
        }
    }

    /** The client resets: reads the reply, closes with SO_LINGER 0 (or unread data); the server's read fails. */
    private void clientLinger0(String scenario) throws Exception {
        int c2s = 890;
        int s2c = 1234;
        int extra = kind.supportsLinger() ? 0 : UNREAD;
        try (Listener l = kind.listen(v4, 50)) {
            Truth t = pairTruth(scenario, v4, l);
            t.put("c2s", c2s);
            t.put("s2c", s2c + extra);
            t.put("s2c_read", s2c);
            t.put("reset_by", kind.supportsLinger() ? "so_linger0" : "unread_data");
            pair(scenario, () -> {
                Conn s = l.accept();
                accepted(t, s);
                s.readExactly(c2s);
                s.writeAll(new byte[s2c + extra]);
                t.put("server_saw", readOutcome(s));
                s.close();
                return null;
            }, () -> {
                Conn c = kind.open();
                c.connect(new InetSocketAddress(v4, l.port()));
                connected(t, c);
                c.writeAll(new byte[c2s]);
                c.readExactly(s2c);
                if (kind.supportsLinger()) {
                    c.setOption(StandardSocketOptions.SO_LINGER, 0);
                }
                c.close();
                return null;
            });
            t.print();
        }
    }

    /** What one read shows: reset, eof, data or another error. */
    private static String readOutcome(Conn c) {
        try {
            int n = c.read(new byte[1024], 0, 1024);
            return n < 0 ? "eof" : "data:" + n;
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase();
            return m.contains("reset") ? "reset" : "error:" + e.getClass().getSimpleName();
        }
    }

    /** Connect to a port that was just closed. */
    private void refused(String scenario) throws Exception {
        int port;
        try (Listener l = kind.listen(v4, 1)) {
            port = l.port();
        }
        Truth t = new Truth("FAILED", scenario);
        t.put("remote_port", port);
        runNamed("cli-" + scenario, () -> {
            Conn c = kind.open();
            try {
                c.connect(new InetSocketAddress(v4, port));
                t.put("outcome", "connected");
            } catch (ConnectException e) {
                t.put("outcome", "refused");
            } finally {
                c.close();
            }
            t.put("thread", Thread.currentThread().getName());
            return null;
        });
        t.print();
    }

    /** A listener with backlog 1 that never accepts: connect with 300 ms timeouts until one times out. */
    private void connectTimeout(String scenario) throws Exception {
        try (ServerSocket never = new ServerSocket(0, 1, v4)) {
            InetSocketAddress remote = new InetSocketAddress(v4, never.getLocalPort());
            List<Conn> fillers = new ArrayList<>();
            List<Truth> lines = new ArrayList<>();
            runNamed("cli-" + scenario, () -> {
                String thread = Thread.currentThread().getName();
                for (int i = 0; i < 10; i++) {
                    Conn c = kind.open();
                    try {
                        c.connect(remote, 300);
                        Truth f = new Truth("FILLER", scenario);
                        f.put("client_port", c.localAddress().getPort());
                        f.put("remote_port", remote.getPort());
                        f.put("thread", thread);
                        lines.add(f);
                        fillers.add(c);
                    } catch (SocketTimeoutException e) {
                        c.close();
                        Truth f = new Truth("TIMEOUT", scenario);
                        f.put("remote_port", remote.getPort());
                        f.put("attempt", i + 1);
                        f.put("thread", thread);
                        lines.add(f);
                        break;
                    }
                }
                for (Conn c : fillers) {
                    c.close();
                }
                return null;
            });
            lines.forEach(Truth::print);
        }
    }

    private static String keepAlive(Conn c) {
        return opt(c, StandardSocketOptions.SO_KEEPALIVE) + ":" + opt(c, ExtendedSocketOptions.TCP_KEEPIDLE) + ":"
                + opt(c, ExtendedSocketOptions.TCP_KEEPINTERVAL) + ":" + opt(c, ExtendedSocketOptions.TCP_KEEPCOUNT);
    }

    private static String opt(Conn c, java.net.SocketOption<?> o) {
        try {
            return String.valueOf(c.getOption(o));
        } catch (IOException | UnsupportedOperationException e) {
            return "unsupported";
        }
    }

    private static InetAddress ipv6Loopback() {
        try {
            InetAddress v6 = InetAddress.getByName("::1");
            try (ServerSocket probe = new ServerSocket(0, 1, v6)) {
                return v6;
            }
        } catch (IOException e) {
            return null;
        }
    }

    /** Runs server and client on their own named threads and waits for both. */
    private void pair(String scenario, Callable<Void> server, Callable<Void> client) throws Exception {
        FutureTask<Void> s = new FutureTask<>(server);
        FutureTask<Void> c = new FutureTask<>(client);
        Threads.start("srv-" + scenario, virtual, s);
        Threads.start("cli-" + scenario, virtual, c);
        Exception failure = null;
        for (FutureTask<Void> f : Arrays.asList(c, s)) {
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                Exception add = new IllegalStateException("scenario " + scenario + " failed on the "
                        + (f == c ? "client" : "server") + " side", e instanceof ExecutionException ? e.getCause() : e);
                if (failure == null) {
                    failure = add;
                } else {
                    failure.addSuppressed(add);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void runNamed(String name, Callable<Void> body) throws Exception {
        FutureTask<Void> task = new FutureTask<>(body);
        Threads.start(name, virtual, task);
        try {
            task.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("thread " + name + " failed", e.getCause());
        }
    }
}
