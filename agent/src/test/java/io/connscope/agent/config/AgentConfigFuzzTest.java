package io.connscope.agent.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.connscope.agent.fuzz.FuzzBudget;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The option parsers on fuzzed text: the agent argument string, {@code -D} values, {@code CONNSCOPE_*} variables and
 * the config file, all at once. Whatever they say, loading never throws and every option ends with a value its type
 * accepts (a bad one falls back to the default, with a line on stderr). The input up to its first NUL is the agent
 * argument, up to the second a value given as -D and as a variable to every option, the rest the config file. Seeds:
 * {@code AgentConfigFuzzTestInputs/options/}.
 */
class AgentConfigFuzzTest {

    private static Path file;

    @FuzzTest(maxDuration = FuzzBudget.CI)
    void options(byte[] input) throws IOException {
        String text = new String(input, StandardCharsets.UTF_8);
        String[] parts = text.split("\0", 3);
        String args = parts[0];
        String value = parts.length > 1 ? parts[1] : "";
        String fileText = parts.length > 2 ? parts[2] : "";
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        if (AgentConfig.parseAgentArgs(args, err).containsKey(Option.CONFIG_FILE.key())) {
            return; // a file the input names could be any file of this machine; the file comes from the input below
        }
        if (file == null) {
            file = Files.createTempFile("connscope-fuzz", ".properties");
            file.toFile().deleteOnExit();
        }
        Files.write(file, fileText.getBytes(StandardCharsets.UTF_8));
        Properties properties = new Properties();
        properties.setProperty(Option.CONFIG_FILE.key(), file.toString());
        Map<String, String> env = new java.util.HashMap<>();
        for (Option o : Option.values()) {
            if (o != Option.CONFIG_FILE) {
                // Every other source gives each option the value, on every other option (the sources' precedence).
                if (o.ordinal() % 2 == 0) {
                    properties.setProperty(o.key(), value);
                } else {
                    env.put(o.envName(), value);
                }
            }
        }
        AgentConfig config = AgentConfig.load(args, properties, env, err);
        for (Option o : Option.values()) {
            Object kind = o.type().parse(o.defaultValue());
            String raw;
            if (kind instanceof Boolean) {
                raw = String.valueOf(config.bool(o));
            } else if (kind instanceof Long) {
                raw = String.valueOf(config.number(o));
            } else if (kind instanceof Set) {
                raw = String.join(",", config.names(o));
            } else {
                raw = config.string(o);
            }
            assertNotNull(raw, o.key());
            assertNotNull(o.type().parse(raw.trim()), o.key() + " ended as '" + raw + "', which its type refuses");
        }
        for (Map.Entry<String, String> e : config.otelOverrides().entrySet()) {
            assertTrue(e.getKey().startsWith("otel."), "override " + e.getKey());
        }
    }
}
