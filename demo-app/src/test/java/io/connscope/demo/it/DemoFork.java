package io.connscope.demo.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The built demo jar in a JVM of its own with the built agent jar attached, writing JSON Lines to a file of its own:
 * {@code java -javaagent:connscope-agent.jar -Dconnscope.events.file=... <jvmArgs> -jar connscope-demo.jar <args>}.
 */
public final class DemoFork {

    private static final ObjectMapper JSON = new ObjectMapper();

    public final Process process;
    final Path events;
    final List<String> command;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Thread outDrain;
    private final Thread errDrain;

    private DemoFork(Process process, Path events, List<String> command) {
        this.process = process;
        this.events = events;
        this.command = command;
        this.outDrain = drain(process.getInputStream(), out);
        this.errDrain = drain(process.getErrorStream(), err);
    }

    static String property(String key) {
        String v = System.getProperty(key);
        if (v == null || v.isEmpty()) {
            fail("system property " + key + " is not set; run the tests through Maven (mvn verify)");
        }
        return v;
    }

    /** Deletes a test's directory and what is in it, deepest first (the forks' files under it included). */
    public static void deleteAll(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    public static DemoFork start(List<String> jvmArgs, String... args) throws IOException {
        // Under the build's target/, not the system's temporary directory: test runs leave nothing behind there.
        Path eventsDir = Paths.get(property("connscope.demo.jar")).toAbsolutePath().getParent().resolve("it-events");
        Files.createDirectories(eventsDir);
        Path events = Files.createTempFile(eventsDir, "connscope-demo-it-", ".jsonl");
        Files.delete(events);
        List<String> cmd = new ArrayList<>();
        cmd.add(property("connscope.test.java"));
        cmd.add("-javaagent:" + Paths.get(property("connscope.agent.jar")));
        cmd.add("-Dconnscope.events.file=" + events);
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(property("connscope.demo.jar"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("OTEL_") || k.startsWith("CONNSCOPE_"));
        return new DemoFork(pb.start(), events, cmd);
    }

    /** Waits (bounded) for exit; fails with the output on a timeout. Returns the exit code. */
    int await(long timeoutSeconds) throws Exception {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("the demo did not finish within " + timeoutSeconds + " s\n" + describe());
        }
        outDrain.join(10_000);
        errDrain.join(10_000);
        return process.exitValue();
    }

    /** Stops a --loop demo with SIGTERM (its shutdown hooks run) and waits for it. */
    public void stop() throws Exception {
        // Through the handle: Process.destroy() would also close our ends of the pipes, losing the last output.
        process.toHandle().destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        outDrain.join(10_000);
        errDrain.join(10_000);
    }

    public String stdout() {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    public String stderr() {
        synchronized (err) {
            return err.toString(StandardCharsets.UTF_8);
        }
    }

    /** connscope's JSON Lines, one object per line. */
    List<JsonNode> records() throws IOException {
        List<JsonNode> list = new ArrayList<>();
        if (!Files.exists(events)) {
            fail("the agent wrote no events file\n" + describe());
        }
        for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) {
            list.add(JSON.readTree(line));
        }
        return list;
    }

    public String describe() {
        String eventsText;
        try {
            eventsText = Files.exists(events) ? Files.readString(events) : "(none)";
        } catch (IOException e) {
            eventsText = e.toString();
        }
        return "--- command: " + String.join(" ", command) + "\n--- stdout:\n" + stdout() + "\n--- stderr:\n"
                + stderr() + "\n--- events:\n" + eventsText;
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            byte[] b = new byte[8192];
            try {
                for (int n; (n = in.read(b)) > 0; ) {
                    synchronized (to) {
                        to.write(b, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // The child is gone: keep what was read.
            }
        }, "demo-fork-drain");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
