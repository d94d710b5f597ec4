package io.connscope.it;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A network namespace of the test's own, with only its loopback up: what a test does to the network there (make
 * the kernel drop packets) touches nothing of the machine's. Needs root and iproute2; where either is missing the
 * test is skipped, not failed. Closing it deletes the namespace, and with it every socket left in it.
 */
public final class NetworkNamespace implements AutoCloseable {

    public final String name;

    private NetworkNamespace(String name) {
        this.name = name;
    }

    /** Creates {@code connscope-<what>-<pid>} with its loopback up, or skips the test where that is not allowed. */
    public static NetworkNamespace create(String what) throws Exception {
        String name = "connscope-" + what + "-" + ProcessHandle.current().pid();
        Fork.Result r;
        try {
            r = Fork.exec(List.of("ip", "netns", "add", name));
        } catch (IOException noIp) {
            Assumptions.abort("needs iproute2 ('ip'): " + noIp);
            return null;
        }
        Assumptions.assumeTrue(r.exit == 0, "needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to create a network "
                + "namespace; 'ip netns add' said: " + r.stderr.trim());
        NetworkNamespace ns = new NetworkNamespace(name);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    /** {@code ip -n NAME args...}, which must succeed. */
    public void ip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        Fork.Result r = Fork.exec(cmd);
        assertEquals(0, r.exit, r.describe());
    }

    /**
     * Moves the local routing table behind rules of the test's own (preference 10 and on), so that a rule can
     * blackhole loopback packets by TCP port; call once before {@link #blackhole}.
     */
    public void allowPortRules() throws Exception {
        ip("rule", "add", "pref", "100", "lookup", "local");
        ip("rule", "del", "pref", "0");
    }

    /** The kernel drops, without a word to either side, TCP packets matching {@code selector} ("sport", "1234"...). */
    public void blackhole(String... selector) throws Exception {
        List<String> args = new ArrayList<>(List.of("rule", "add", "pref", "10", "ipproto", "tcp"));
        args.addAll(List.of(selector));
        args.add("blackhole");
        ip(args.toArray(new String[0]));
    }

    /** Starts {@code java <jvmArgs> -cp <test classes> main args} in the namespace, with the agent when asked. */
    public Fork.Running java(boolean agent, List<String> jvmArgs, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name, Fork.java()));
        Path events = null;
        if (agent) {
            events = Fork.newEventsFile("connscope-it-");
            cmd.add(Fork.javaagent());
            cmd.add("-Dconnscope.events.file=" + events);
        }
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", Fork.testClasses().toString(), mainClass));
        cmd.addAll(List.of(args));
        return new Fork.Running(new ProcessBuilder(cmd).start(), events, cmd);
    }

    /** The first stdout line of {@code running} that starts with {@code prefix}, waiting up to 30 s for it. */
    public static String awaitLine(Fork.Running running, String prefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (String line : running.stdoutSoFar().split("\n")) {
                if (line.startsWith(prefix)) {
                    return line.trim();
                }
            }
            if (!running.process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        running.process.destroyForcibly();
        return fail("no '" + prefix + "' line\n--- stdout\n" + running.stdoutSoFar() + "\n--- stderr\n"
                + running.stderrSoFar());
    }

    /** /proc/net/tcp and tcp6 as the namespace's processes see them. */
    public List<ProcNetTcp.Row> tcpRows() throws Exception {
        Fork.Result r = Fork.exec(List.of("ip", "netns", "exec", name, "cat", "/proc/net/tcp", "/proc/net/tcp6"));
        assertEquals(0, r.exit, r.describe());
        return ProcNetTcp.parse(r.stdout);
    }

    @Override
    public void close() throws Exception {
        Fork.exec(List.of("ip", "netns", "del", name));
    }
}
