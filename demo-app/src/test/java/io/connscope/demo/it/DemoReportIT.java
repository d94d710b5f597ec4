package io.connscope.demo.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The demo's HTML report, opened in headless Chromium (the agent module's {@code src/test/browser/view-report.mjs},
 * Debian's chromium driven by playwright-core): every connection of the run has its lane, coloured by the close
 * initiator in the JSON Lines, with a tick per request; and the first screen's sentences say what the seeds'
 * experiments found (one request per connection and the server's TIME_WAIT after HTTP/1.0 and
 * {@code Connection: close}; many requests on one kept-alive connection).
 */
class DemoReportIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theDemosReportShowsEveryConnectionWithItsInitiatorAndRequests() throws Exception {
        Path dir = Paths.get(DemoFork.property("connscope.demo.jar")).toAbsolutePath().getParent().resolve("demo-report-it");
        Files.createDirectories(dir);
        Path report = dir.resolve("report.html");
        Files.deleteIfExists(report);
        DemoFork demo = DemoFork.start(List.of("-Dconnscope.events.requests=true"),
                "keepalive", "connection-close", "http10", "pool-overflow", "--report", report.toString());
        assertEquals(0, demo.await(120), "the demo failed\n" + demo.describe());
        assertTrue(demo.stdout().contains("connscope writes its HTML report at exit to " + report), demo.describe());
        assertTrue(Files.exists(report), "no report\n" + demo.describe());

        JsonNode view = view(report, dir.resolve("report.png"));
        assertEquals("[]", view.get("consoleErrors").toString(), "console errors");

        Map<Long, JsonNode> lanes = new HashMap<>();
        view.get("statsAll").get("drawnLanes").forEach(l -> lanes.put(l.get(0).asLong(), l));
        Map<Long, Long> requestObjects = new HashMap<>();
        List<JsonNode> connections = new ArrayList<>();
        for (JsonNode r : demo.records()) {
            if (r.get("type").asText().equals("request")) {
                requestObjects.merge(r.get("connection_id").asLong(), 1L, Long::sum);
            } else if (r.get("type").asText().equals("connection")) {
                connections.add(r);
            }
        }
        assertEquals(connections.size(), lanes.size(), "a lane per connection: " + lanes.keySet());
        for (JsonNode c : connections) {
            JsonNode lane = lanes.get(c.get("id").asLong());
            assertTrue(lane != null, "no lane for " + c);
            assertEquals(c.path("close_initiator").asText(c.get("state").asText()), lane.get(1).asText(), "colour of " + c);
            assertEquals(c.get("requests").asLong(), lane.get(2).asLong(), "request ticks on " + c);
            assertEquals(c.get("requests").asLong(), requestObjects.getOrDefault(c.get("id").asLong(), 0L).longValue(),
                    "request objects of " + c);
        }

        // The seeds' findings, in the sentences at the top: peers whose every connection carried one request and
        // was closed by this side first (the server after HTTP/1.0 and Connection: close) say so.
        Map<String, List<JsonNode>> byServerPort = new HashMap<>();
        for (JsonNode c : connections) {
            if (c.get("direction").asText().equals("inbound")) {
                byServerPort.computeIfAbsent(":" + c.get("local_port").asText(), k -> new ArrayList<>()).add(c);
            }
        }
        int oneRequestServers = 0;
        for (Map.Entry<String, List<JsonNode>> e : byServerPort.entrySet()) {
            boolean oneEach = e.getValue().stream().allMatch(c -> c.get("requests").asLong() == 1
                    && c.get("close_initiator").asText().equals("local"));
            if (!oneEach) {
                continue;
            }
            oneRequestServers++;
            String line = glanceLine(view, "-> " + e.getKey() + " inbound");
            assertTrue(line.contains("1.0 per connection (reuse 0%)") && line.contains("TIME_WAIT on this side"),
                    "the first screen's sentence for " + e.getKey() + ": " + line);
        }
        assertEquals(2, oneRequestServers, "HTTP/1.0 and Connection: close: two servers with one request per connection");
        boolean longKeptAlive = false;
        for (JsonNode c : connections) {
            longKeptAlive |= c.get("requests").asLong() >= 5 && lanes.get(c.get("id").asLong()).get(2).asLong() >= 5;
        }
        assertTrue(longKeptAlive, "keep-alive: one connection drawn with five request ticks");
    }

    private static String glanceLine(JsonNode view, String peer) {
        for (JsonNode l : view.get("glance")) {
            if (l.asText().contains(peer)) {
                return l.asText();
            }
        }
        fail("no sentence for " + peer + " at the top: " + view.get("glance"));
        return null;
    }

    /** view-report.mjs in the agent module's browser directory; playwright-core installed there with npm ci. */
    private static JsonNode view(Path report, Path screenshot) throws Exception {
        Path browser = Paths.get(DemoFork.property("connscope.repo.dir")).resolve("agent/src/test/browser").toAbsolutePath();
        String chromium = System.getenv().getOrDefault("CONNSCOPE_CHROMIUM", "/usr/bin/chromium");
        if (!new File(chromium).canExecute()) {
            fail(chromium + " is missing: scripts/test.sh installs Debian's chromium");
        }
        Path installed = browser.resolve("node_modules/playwright-core/package.json");
        if (!Files.exists(installed) || Files.getLastModifiedTime(installed).compareTo(
                Files.getLastModifiedTime(browser.resolve("package-lock.json"))) < 0) {
            String out = run(browser, List.of(which("npm"), "ci", "--prefer-offline", "--no-audit", "--no-fund"), 300);
            if (!Files.exists(installed)) {
                fail("npm ci did not install playwright-core\n" + out);
            }
            Files.setLastModifiedTime(installed, FileTime.fromMillis(System.currentTimeMillis()));
        }
        String out = run(browser, List.of(which("node"), browser.resolve("view-report.mjs").toString(), report.toString(),
                "--screenshot", screenshot.toString()), 180);
        return JSON.readTree(out);
    }

    private static String run(Path dir, List<String> cmd, long timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        Path err = Files.createTempFile("demo-report-it-", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread drain = new Thread(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (java.io.IOException ignored) {
                // The process is gone.
            }
        });
        drain.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " did not finish within " + timeoutSeconds + " s\n" + Files.readString(err));
        }
        drain.join(10_000);
        String stderr = Files.readString(err);
        Files.deleteIfExists(err);
        if (p.exitValue() != 0) {
            fail(cmd + " exited with " + p.exitValue() + "\n" + out.toString(StandardCharsets.UTF_8) + "\n" + stderr);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String which(String command) {
        for (String d : (System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin").split(File.pathSeparator)) {
            File f = new File(d, command);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        fail(command + " is not on PATH: scripts/test.sh installs Debian's nodejs and npm");
        return null;
    }
}
