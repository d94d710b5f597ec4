package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connscope.it.driver.AttachTarget;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code java -jar connscope-agent.jar list} and {@code attach PID options}: connscope loaded into a JVM that runs
 * already, traces what it does afterwards, and refuses to be attached twice.
 */
class AttachIT {

    /** An {@link AttachTarget} JVM, started without connscope, its stderr collected; killed on close. */
    private static final class RunningTarget implements AutoCloseable {
        final Process process;
        final String pid;
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();
        private final Thread errPump;
        private final java.io.BufferedReader out;

        RunningTarget() throws Exception {
            process = new ProcessBuilder(Fork.java(), "-cp", Fork.testClasses().toString(),
                    AttachTarget.class.getName()).start();
            errPump = new Thread(() -> {
                try (InputStream in = process.getErrorStream()) {
                    in.transferTo(err);
                } catch (Exception ignored) {
                    // the process is gone
                }
            });
            errPump.start();
            out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()));
            String ready = out.readLine();
            if (ready == null || !ready.startsWith("READY ")) {
                process.destroyForcibly();
                fail("the target did not start: " + ready + "\n--- its stderr:\n" + stderr());
            }
            pid = ready.substring(6).trim();
        }

        /** Lets the target go on to its traffic and exit; its stdout after the READY line. */
        String releaseAndAwaitExit() throws Exception {
            process.getOutputStream().write('\n');
            process.getOutputStream().flush();
            StringBuilder stdout = new StringBuilder();
            for (String line; (line = out.readLine()) != null; ) {
                stdout.append(line).append('\n');
            }
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the target exits");
            errPump.join(10_000);
            return stdout.toString();
        }

        String stderr() {
            return err.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static Fork.Result agentCommand(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Fork.java(), "-jar", Fork.agentJar().toString()));
        cmd.addAll(List.of(args));
        return Fork.exec(cmd);
    }

    @Test
    void attachTracesWhatTheJvmDoesAfterwardsAndASecondAttachIsRefused() throws Exception {
        Path events = Fork.newEventsFile("connscope-attach-");
        try (RunningTarget target = new RunningTarget()) {
            String pid = target.pid;

            Fork.Result before = agentCommand("list");
            assertTrue(before.stdout.lines().anyMatch(l -> l.startsWith(pid + "\t-\t")), "listed, without connscope\n" + before.describe());

            Fork.Result attach = agentCommand("attach", pid, "events.file=" + events, "console=summary");
            assertEquals(0, attach.exit, attach.describe());
            assertTrue(attach.stdout.contains("attached to JVM " + pid), attach.describe());

            Fork.Result again = agentCommand("attach", pid);
            assertEquals(1, again.exit, "a second attach is refused\n" + again.describe());
            assertTrue(again.stderr.contains("already running in JVM " + pid), again.describe());

            Fork.Result after = agentCommand("list");
            assertTrue(after.stdout.lines().anyMatch(l -> l.startsWith(pid + "\tconnscope\t")), "listed with connscope\n" + after.describe());

            String stdout = target.releaseAndAwaitExit();
            String output = "\n--- target stdout:\n" + stdout + "--- target stderr:\n" + target.stderr();
            assertEquals(0, target.process.exitValue(), output);
            int port = Integer.parseInt(stdout.replaceAll("(?s).*server_port=(\\d+).*", "$1"));
            ObjectMapper json = new ObjectMapper();
            List<JsonNode> records = new ArrayList<>();
            for (String line : Files.readAllLines(events)) {
                records.add(json.readTree(line));
            }
            String context = output + "\n--- events:\n" + String.join("\n", Files.readAllLines(events));
            // The scenario after the attach: A (3 requests) and B (1) from both sides, and the refused connect.
            // (P, open before the attach, goes to another server port.)
            assertEquals(2, records.stream().filter(r -> r.path("direction").asText().equals("outbound")
                    && r.path("remote_port").asInt() == port).count(), context);
            assertEquals(2, records.stream().filter(r -> r.path("direction").asText().equals("inbound")
                    && r.path("local_port").asInt() == port).count(), context);
            assertEquals(4, records.stream().filter(r -> r.path("direction").asText().equals("outbound")
                    && r.path("remote_port").asInt() == port).mapToInt(r -> r.path("requests").asInt()).sum(), context);
            assertEquals(1, records.stream().filter(r -> r.path("state").asText().equals("failed")).count(), context);
            assertTrue(target.stderr().contains("connscope: summary (exit)"), context);

            // Connection P, open before the attach: picked up when next used, from both sides, marked pre-existing,
            // with the two requests sent after the attach.
            int preServer = Integer.parseInt(stdout.replaceAll("(?s).*pre_server_port=(\\d+).*", "$1"));
            int preClient = Integer.parseInt(stdout.replaceAll("(?s).*pre_client_port=(\\d+).*", "$1"));
            JsonNode client = records.stream().filter(r -> r.path("local_port").asInt() == preClient).findFirst()
                    .orElseThrow(() -> new AssertionError("no record of the client side of P" + context));
            JsonNode server = records.stream().filter(r -> r.path("local_port").asInt() == preServer
                    && r.path("remote_port").asInt() == preClient).findFirst()
                    .orElseThrow(() -> new AssertionError("no record of the server side of P" + context));
            for (JsonNode r : List.of(client, server)) {
                assertTrue(r.path("preexisting").asBoolean(), r + context);
                assertTrue(r.path("opened_at").isNull(), "its open time is unknown: " + r);
                assertEquals("closed", r.path("state").asText(), r.toString());
                assertEquals(2, r.path("requests").asInt(), "the requests after the attach: " + r);
            }
            assertEquals("outbound", client.path("direction").asText(), client.toString());
            assertEquals("inbound", server.path("direction").asText(), "something listens on its local port: " + server);
            assertEquals("local", client.path("close_initiator").asText(), "the client closed P: " + client);
        }
    }

    /**
     * Attach options are agent arguments: one naming a config file brings the file's options in, and they rank
     * above it; the file's bad entries each give one line on the target's stderr.
     */
    @Test
    void attachOptionsNameAConfigFileAndRankAboveIt() throws Exception {
        Path events = Fork.newEventsFile("connscope-attach-");
        Path file = Files.createTempFile(Fork.newScratchDirectory("connscope-attach-"), "config-", ".properties");
        Files.write(file, ("events.file=" + events + "\nconsole=off\ncolour=blue\nqueue.size=5\n")
                .getBytes(StandardCharsets.UTF_8));
        try (RunningTarget target = new RunningTarget()) {
            String pid = target.pid;
            Fork.Result attach = agentCommand("attach", pid, "config.file=" + file, "console=summary");
            assertEquals(0, attach.exit, attach.describe());
            target.releaseAndAwaitExit();
            String stderr = target.stderr();
            String context = "\n--- target stderr:\n" + stderr;
            assertEquals(0, target.process.exitValue(), context);
            assertEquals(1, stderr.lines().filter(l -> l.startsWith("connscope: unknown option 'colour' in config file "
                    + file + "; known: ")).count(), context);
            assertEquals(1, stderr.lines().filter(l -> l.startsWith("connscope: invalid value '5' for "
                    + "connscope.queue.size in config file " + file + ": expected a whole number from 16")).count(), context);
            assertTrue(stderr.contains("connscope: summary (exit)"), "console=summary from the attach options, above "
                    + "the file's console=off" + context);
            assertFalse(stderr.contains("connscope: closed #"), context);
            assertTrue(Files.exists(events) && Files.readAllLines(events).size() >= 4, "events.file from the file"
                    + context);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * A JVM that takes an attach but never answers (here stopped with SIGSTOP after its attach listener started;
     * in the wild, one exiting) used to keep {@code list} waiting without end: it is now shown with {@code ?} and
     * said on stderr, within the wait, and the other JVMs are listed as before.
     */
    @Test
    void listDoesNotWaitForAJvmThatDoesNotAnswer() throws Exception {
        try (RunningTarget answering = new RunningTarget(); RunningTarget stopped = new RunningTarget()) {
            Fork.Result first = agentCommand("list");
            assertTrue(first.stdout.lines().anyMatch(l -> l.startsWith(stopped.pid + "\t-\t")), first.describe());
            signal("STOP", stopped.pid);
            try {
                long start = System.nanoTime();
                Fork.Result r = agentCommand("list");
                long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
                assertEquals(0, r.exit, r.describe());
                assertTrue(r.stdout.lines().anyMatch(l -> l.startsWith(stopped.pid + "\t?\t")), r.describe());
                assertTrue(r.stderr.contains("connscope: JVM " + stopped.pid + " did not answer within 5 s"), r.describe());
                assertTrue(r.stdout.lines().anyMatch(l -> l.startsWith(answering.pid + "\t-\t")), r.describe());
                assertTrue(seconds < 30, "list took " + seconds + " s\n" + r.describe());
            } finally {
                signal("CONT", stopped.pid);
            }
        }
    }

    private static void signal(String name, String pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, pid).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + name + " " + pid);
    }

    @Test
    void attachWithoutAPidSaysWhatItNeeds() throws Exception {
        Fork.Result r = agentCommand("attach");
        assertEquals(2, r.exit, r.describe());
        assertTrue(r.stderr.contains("attach needs the process id"), r.describe());
    }
}
