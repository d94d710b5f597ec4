package io.connscope.demo.stack;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The stack's compose file read by Debian's docker-compose (1.29, the Python one): {@code docker-compose config}
 * validates it against the Compose Specification's schema and resolves it, without a Docker daemon. The collector,
 * Jaeger and Grafana themselves cannot run here (no container runtime); their files are checked by
 * {@link StackFilesTest}.
 */
class ComposeConfigIT {

    private static final Path DIR = StackFiles.dir();

    private static String dockerCompose() {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/bin", "/usr/local/bin"));
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Paths.get(d, "docker-compose"))) {
                return Paths.get(d, "docker-compose").toString();
            }
        }
        return fail("'docker-compose' is not installed: this test needs Debian's package docker-compose "
                + "(scripts/test.sh installs it, without the Docker daemon)");
    }

    private static String[] compose(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(dockerCompose(), "--project-directory", dir.toString(), "-f",
                dir.resolve("compose.yaml").toString()));
        cmd.addAll(Arrays.asList(args));
        return Prometheus.run(cmd, dir);
    }

    @Test
    void composeFileIsValidAndDefinesTheFourServices() throws Exception {
        String[] check = compose(DIR, "config", "-q");
        assertEquals("0", check[0], check[1]);
        String[] services = compose(DIR, "config", "--services");
        assertEquals("0", services[0], services[1]);
        assertEquals(List.of("grafana", "jaeger", "otel-collector", "prometheus"),
                services[1].lines().map(String::trim).filter(l -> !l.isEmpty()).sorted().toList(), services[1]);
    }

    /** The tool does check: the same file with one misspelled key is refused, naming it. */
    @Test
    void aMisspelledKeyIsRefused() throws Exception {
        Path copy = Files.createTempDirectory("connscope-compose-");
        try {
            String text = Files.readString(DIR.resolve("compose.yaml"), StandardCharsets.UTF_8);
            assertTrue(text.contains("    image: "), "compose.yaml names its images");
            Files.writeString(copy.resolve("compose.yaml"), text.replaceFirst("    image: ", "    imagee: "),
                    StandardCharsets.UTF_8);
            String[] check = compose(copy, "config", "-q");
            assertNotEquals("0", check[0], check[1]);
            assertTrue(check[1].contains("imagee"), check[1]);
        } finally {
            Files.deleteIfExists(copy.resolve("compose.yaml"));
            Files.deleteIfExists(copy);
        }
    }
}
