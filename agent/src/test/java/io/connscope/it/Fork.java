package io.connscope.it;

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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** Forks a JVM with the built agent jar attached and collects its stdout, stderr and JSON Lines file. */
public final class Fork {

    public static final long TIMEOUT_SECONDS = 60;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fork() {
    }

    public static Path agentJar() {
        return Paths.get(required("connscope.agent.jar"));
    }

    public static Path testClasses() {
        return Paths.get(required("connscope.test.classes"));
    }

    /**
     * A path for a fork's events file, not there yet (the agent creates it): under the build's {@code target/}, next
     * to the test classes, so that test runs leave nothing behind in the system's temporary directory.
     */
    public static Path newEventsFile(String prefix) throws IOException {
        Path dir = testClasses().toAbsolutePath().getParent().resolve("it-events");
        Files.createDirectories(dir);
        Path events = Files.createTempFile(dir, prefix, ".jsonl");
        Files.delete(events);
        return events;
    }

    /**
     * A new directory for a test's files that forked JVMs read (keystores, certificates, config files), under the
     * build's {@code target/} as {@link #newEventsFile} is. Not for nginx's ({@link Nginx#newDirectory}): its workers
     * run as another user, who may not get into the build's directory.
     */
    public static Path newScratchDirectory(String prefix) throws IOException {
        Path dir = testClasses().toAbsolutePath().getParent().resolve("it-scratch");
        Files.createDirectories(dir);
        return Files.createTempDirectory(dir, prefix);
    }

    public static String java() {
        String java = System.getProperty("connscope.test.java");
        return java == null || java.isEmpty() ? Paths.get(System.getProperty("java.home"), "bin", "java").toString() : java;
    }

    private static String required(String key) {
        String v = System.getProperty(key);
        if (v == null || v.isEmpty()) {
            fail("system property " + key + " is not set; run the ITs through Maven (mvn verify)");
        }
        return v;
    }

    /** A running fork; its output is collected by background threads. */
    public static final class Running {
        public final Process process;
        public final Path events;
        public final List<String> command;
        private final Collector out;
        private final Collector err;

        Running(Process process, Path events, List<String> command) {
            this.process = process;
            this.events = events;
            this.command = command;
            this.out = new Collector(process.getInputStream(), "fork-stdout");
            this.err = new Collector(process.getErrorStream(), "fork-stderr");
        }

        public String stdoutSoFar() {
            return out.text();
        }

        public String stderrSoFar() {
            return err.text();
        }

        /** Waits for exit (bounded) and returns everything; kills and fails on timeout. */
        public Result await() throws Exception {
            return await(TIMEOUT_SECONDS);
        }

        /** Like {@link #await()}, for a run known to take longer than {@link #TIMEOUT_SECONDS}. */
        public Result await(long timeoutSeconds) throws Exception {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                out.join(5000);
                err.join(5000);
                fail("forked JVM did not finish within " + timeoutSeconds + " s: " + command
                        + "\n--- stdout\n" + out.text() + "\n--- stderr\n" + err.text());
            }
            out.join(10_000);
            err.join(10_000);
            return new Result(process.exitValue(), out.text(), err.text(), events, command);
        }
    }

    /** Starts a fork: {@code java -javaagent:<jar> -Dconnscope.events.file=<tmp> <jvmArgs> -cp <test classes> main args}. */
    public static Running start(List<String> jvmArgs, String mainClass, String... args) throws IOException {
        return start(jvmArgs, List.of(), mainClass, args);
    }

    /** Like {@link #start(List, String, String...)}, with {@code extraClasspath} after the test classes on {@code -cp}. */
    public static Running start(List<String> jvmArgs, List<Path> extraClasspath, String mainClass, String... args)
            throws IOException {
        return start(jvmArgs, extraClasspath, java.util.Map.of(), mainClass, args);
    }

    /**
     * Like {@link #start(List, List, String, String...)}, with {@code env} added to the fork's environment. The
     * fork never inherits {@code OTEL_*} or {@code CONNSCOPE_*} variables from the shell that runs the tests.
     */
    public static Running start(List<String> jvmArgs, List<Path> extraClasspath, java.util.Map<String, String> env,
                                String mainClass, String... args) throws IOException {
        return startWithAgentArgs(null, jvmArgs, extraClasspath, env, mainClass, args);
    }

    /** Like {@link #start(List, List, java.util.Map, String, String...)}, with {@code -javaagent:<jar>=agentArgs}. */
    public static Running startWithAgentArgs(String agentArgs, List<String> jvmArgs, List<Path> extraClasspath,
                                             java.util.Map<String, String> env, String mainClass, String... args)
            throws IOException {
        List<String> withAgent = new ArrayList<>();
        withAgent.add(javaagent() + (agentArgs == null ? "" : "=" + agentArgs));
        withAgent.addAll(jvmArgs);
        return startPlaced(withAgent, extraClasspath, env, mainClass, args);
    }

    /** {@code -javaagent:} with the built agent jar. */
    public static String javaagent() {
        return "-javaagent:" + agentJar();
    }

    /**
     * Like {@link #start(List, List, java.util.Map, String, String...)}, but connscope is where the test puts it:
     * {@link #javaagent()} among {@code jvmArgs} (after another agent, say), or nowhere (to be attached later, when
     * it reads the {@code -Dconnscope.events.file} set here from the running JVM).
     */
    public static Running startPlaced(List<String> jvmArgs, List<Path> extraClasspath, java.util.Map<String, String> env,
                                      String mainClass, String... args) throws IOException {
        Path events = newEventsFile("connscope-it-");
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.add("-Dconnscope.events.file=" + events);
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        StringBuilder classpath = new StringBuilder(testClasses().toString());
        for (Path p : extraClasspath) {
            classpath.append(java.io.File.pathSeparatorChar).append(p);
        }
        cmd.add(classpath.toString());
        cmd.add(mainClass);
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("OTEL_") || k.startsWith("CONNSCOPE_"));
        pb.environment().putAll(env);
        return new Running(pb.start(), events, cmd);
    }

    /** Runs a fork to completion; fails with its output on a non-zero exit or a timeout. */
    public static Result run(List<String> jvmArgs, String mainClass, String... args) throws Exception {
        return run(jvmArgs, List.of(), mainClass, args);
    }

    /** Like {@link #run(List, String, String...)}, with {@code extraClasspath} after the test classes on {@code -cp}. */
    public static Result run(List<String> jvmArgs, List<Path> extraClasspath, String mainClass, String... args)
            throws Exception {
        Result r = start(jvmArgs, extraClasspath, mainClass, args).await();
        if (r.exit != 0) {
            fail("forked JVM exited with " + r.exit + ", expected 0\n" + r.describe());
        }
        return r;
    }

    /** Runs a plain command (no agent), bounded, and returns its result. */
    public static Result exec(List<String> cmd) throws Exception {
        return startCommand(cmd).await();
    }

    /** Starts a plain command (no agent, no events file); its output is collected as a fork's. */
    public static Running startCommand(List<String> cmd) throws IOException {
        return new Running(new ProcessBuilder(cmd).start(), null, cmd);
    }

    public static final class Result {
        public final int exit;
        public final String stdout;
        public final String stderr;
        public final Path events;
        public final List<String> command;
        private List<JsonNode> records;

        Result(int exit, String stdout, String stderr, Path events, List<String> command) {
            this.exit = exit;
            this.stdout = stdout;
            this.stderr = stderr;
            this.events = events;
            this.command = command;
        }

        /** Every line of the events file parsed as one JSON object; fails naming the line that does not parse. */
        public List<JsonNode> records() throws IOException {
            if (records == null) {
                if (events == null || !Files.exists(events)) {
                    fail("the agent wrote no events file at " + events + "\n" + describe());
                }
                List<JsonNode> list = new ArrayList<>();
                List<String> lines = Files.readAllLines(events, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    try {
                        JsonNode n = JSON.readTree(lines.get(i));
                        if (n == null || !n.isObject()) {
                            fail("events line " + (i + 1) + " is not a JSON object: " + lines.get(i) + "\n" + describe());
                        }
                        list.add(n);
                    } catch (IOException e) {
                        fail("events line " + (i + 1) + " is not valid JSON (" + e.getMessage() + "): " + lines.get(i)
                                + "\n" + describe());
                    }
                }
                records = list;
            }
            return records;
        }

        public String eventsText() {
            try {
                return events != null && Files.exists(events)
                        ? new String(Files.readAllBytes(events), StandardCharsets.UTF_8) : "(no events file)";
            } catch (IOException e) {
                return "(cannot read events file: " + e + ")";
            }
        }

        /** Everything needed to diagnose a failure: command, exit code, stdout, stderr and the events file. */
        /** {@code key}'s integer value on the driver's {@code RESULT k=v ...} line; fails when there is none. */
        public int resultValue(String key) {
            for (String line : stdout.split("\n")) {
                if (line.startsWith("RESULT ")) {
                    for (String kv : line.substring(7).split(" ")) {
                        if (kv.startsWith(key + "=")) {
                            return Integer.parseInt(kv.substring(key.length() + 1));
                        }
                    }
                }
            }
            throw new AssertionError("no RESULT " + key + "\n" + describe());
        }

        public String describe() {
            return "--- command: " + String.join(" ", command) + "\n--- exit code: " + exit
                    + "\n--- driver stdout:\n" + stdout + "--- driver stderr:\n" + stderr
                    + "--- events file " + events + ":\n" + eventsText();
        }
    }

    /** Drains one stream of the child into memory on a daemon thread. */
    private static final class Collector extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Collector(InputStream in, String name) {
            super(name);
            this.in = in;
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            byte[] b = new byte[8192];
            try {
                for (int n; (n = in.read(b)) > 0; ) {
                    synchronized (buf) {
                        buf.write(b, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // The child is gone; keep what was read.
            }
        }

        String text() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
