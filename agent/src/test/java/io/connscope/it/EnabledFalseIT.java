package io.connscope.it;

import io.connscope.it.driver.AgentPresence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code connscope.enabled=false} turns everything off, from any source: nothing on the boot class path, no
 * "started" mark, no output, no events file; the application runs as without the agent.
 */
class EnabledFalseIT {

    @TempDir
    Path dir;

    @Test
    void fromSystemProperty() throws Exception {
        assertOff(Fork.start(List.of("-Dconnscope.enabled=false"), AgentPresence.class.getName(), "socket",
                "client-closes-first").await());
    }

    @Test
    void fromAgentArgument() throws Exception {
        assertOff(Fork.startWithAgentArgs("enabled=false", List.of(), List.of(), Map.of(),
                AgentPresence.class.getName(), "socket", "client-closes-first").await());
    }

    @Test
    void fromConfigFile() throws Exception {
        Path file = dir.resolve("off.properties");
        Files.write(file, "connscope.enabled=false\n".getBytes(StandardCharsets.UTF_8));
        assertOff(Fork.start(List.of(), List.of(), Map.of("CONNSCOPE_CONFIG_FILE", file.toString()),
                AgentPresence.class.getName(), "socket", "client-closes-first").await());
    }

    @Test
    void onByDefault() throws Exception {
        Fork.Result r = Fork.run(List.of(), AgentPresence.class.getName(), "socket", "client-closes-first");
        assertTrue(r.stdout.contains("AGENT started=true bridge=loaded"), r.describe());
        assertEquals(2, r.records().size(), r.describe());
        // The bridge is defined in the boot loader, not appended to the boot class path: appending makes the JVM
        // (17 and 25 alike) give up class data sharing for the application's classes, and say so.
        assertFalse(r.stderr.contains("bootstrap classpath has been appended"), r.describe());
    }

    private static void assertOff(Fork.Result r) {
        assertEquals(0, r.exit, r.describe());
        assertTrue(r.stdout.contains("DONE") && r.stdout.contains("AGENT started=false bridge=absent"),
                "expected the scenario to finish and connscope not to have started\n" + r.describe());
        assertFalse(r.stderr.contains("connscope"), "expected no connscope output\n" + r.describe());
        assertFalse(Files.exists(r.events), "expected no events file\n" + r.describe());
    }
}
