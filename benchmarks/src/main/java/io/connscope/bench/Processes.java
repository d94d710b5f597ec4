package io.connscope.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The processes a run starts: every one is remembered and ended when the run ends, also on failure. Processes may
 * be started from several threads at once (the gRPC workload starts its JVMs side by side).
 */
final class Processes implements AutoCloseable {

    private final Path logDir;
    private final List<Process> started = Collections.synchronizedList(new ArrayList<>());
    private int count;

    Processes(Path logDir) throws IOException {
        this.logDir = Files.createDirectories(logDir);
    }

    Path logDir() {
        return logDir;
    }

    /** Result of a command run to its end. */
    static final class Finished {
        final int exitCode;
        final String output;
        final long nanos;

        Finished(int exitCode, String output, long nanos) {
            this.exitCode = exitCode;
            this.output = output;
            this.nanos = nanos;
        }
    }

    /** Runs {@code command} to its end (stdout and stderr together), timing it from start to exit. */
    Finished run(List<String> command, long timeoutSeconds) throws Exception {
        Path log = logFile(command);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        long start = System.nanoTime();
        Process p = pb.start();
        started.add(p);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new IllegalStateException("timed out after " + timeoutSeconds + " s: " + String.join(" ", command)
                    + "\n" + Files.readString(log));
        }
        long nanos = System.nanoTime() - start;
        started.remove(p);
        return new Finished(p.exitValue(), Files.readString(log), nanos);
    }

    /** Starts {@code command} in the background, its output in a log file; returns once a line matches. */
    Background startAndAwait(List<String> command, Pattern ready, long timeoutSeconds) throws Exception {
        Path log = logFile(command);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            Matcher m = ready.matcher(Files.readString(log));
            if (m.find()) {
                return new Background(p, m, log);
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        p.destroyForcibly();
        throw new IllegalStateException("not ready (" + ready + "): " + String.join(" ", command) + "\n"
                + Files.readString(log));
    }

    /** Starts {@code command} with stdin and stdout as pipes (stderr to a log file): a commanded worker. */
    Worker startWorker(List<String> command, long timeoutSeconds) throws Exception {
        Path log = logFile(command);
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        started.add(p);
        Worker w = new Worker(p, log);
        String first = w.answer(timeoutSeconds);
        if (!first.startsWith("ready")) {
            throw new IllegalStateException("worker did not start: " + first + "\n" + Files.readString(log));
        }
        w.pid = Long.parseLong(first.substring("ready ".length()).trim());
        return w;
    }

    private synchronized Path logFile(List<String> command) {
        String name = Paths.get(command.get(0)).getFileName() + "-" + (++count) + ".log";
        return logDir.resolve(name);
    }

    @Override
    public void close() {
        List<Process> started = new ArrayList<>(this.started);
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroy();
            }
        }
        for (Process p : started) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        this.started.clear();
    }

    /** A process running in the background; {@link #ready} is the match of its ready line. */
    static final class Background {
        final Process process;
        final Matcher ready;
        final Path log;

        Background(Process process, Matcher ready, Path log) {
            this.process = process;
            this.ready = ready;
            this.log = log;
        }

        /** Ends it (SIGTERM, then SIGKILL after 10 s), so that an agent's threads do not run into later steps. */
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** A worker JVM commanded one line at a time ({@link ClientWorker}). */
    static final class Worker {
        final Process process;
        final Path log;
        long pid;
        private final PrintWriter in;
        private final BufferedReader out;

        Worker(Process process, Path log) {
            this.process = process;
            this.log = log;
            this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.US_ASCII);
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        }

        String ask(String command, long timeoutSeconds) throws Exception {
            in.println(command);
            return answer(timeoutSeconds);
        }

        /** The next line the worker prints, waiting at most {@code timeoutSeconds}. */
        String answer(long timeoutSeconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (!out.ready()) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("worker exited with " + process.exitValue() + "\n"
                            + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("worker gave no answer in " + timeoutSeconds + " s\n"
                            + Files.readString(log));
                }
                Thread.sleep(5);
            }
            return out.readLine();
        }

        void exit() throws Exception {
            in.println("exit");
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
