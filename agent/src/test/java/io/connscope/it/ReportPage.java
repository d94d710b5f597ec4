package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Opens an HTML report in headless Chromium and returns what a person sees there, as the JSON that
 * {@code src/test/browser/view-report.mjs} prints (Debian's {@code /usr/bin/chromium}, driven by
 * {@code playwright-core} from the npm registry). A missing browser, node or npm fails the test: scripts/test.sh
 * installs them, and a browser test that skips where they are missing would let CI pass without ever running it.
 * playwright-core is installed here with {@code npm ci} from {@code package-lock.json} when it is not yet there
 * (npm's cache then serves later installs offline).
 */
final class ReportPage {

    static final String CHROMIUM = System.getenv().getOrDefault("CONNSCOPE_CHROMIUM", "/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportPage() {
    }

    /** {@code agent/src/test/browser}, from the test classes' directory ({@code agent/target/test-classes}). */
    static Path browserDir() {
        return Fork.testClasses().toAbsolutePath().getParent().getParent().resolve("src/test/browser");
    }

    /** Runs view-report.mjs on {@code report}; {@code extra} are its options (--mode, --screenshot ...). */
    static JsonNode view(Path report, String... extra) throws Exception {
        Path dir = browserDir();
        ensureTools(dir);
        List<String> cmd = new ArrayList<>(List.of(which("node"), dir.resolve("view-report.mjs").toString(),
                report.toAbsolutePath().toString()));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("CONNSCOPE_CHROMIUM", CHROMIUM);
        Fork.Result r = new Fork.Running(pb.start(), null, cmd).await(180);
        if (r.exit != 0) {
            fail("the browser script failed\n" + r.describe());
        }
        try {
            return JSON.readTree(r.stdout);
        } catch (Exception e) {
            fail("the browser script printed no JSON: " + e + "\n" + r.describe());
            return null;
        }
    }

    private static void ensureTools(Path dir) throws Exception {
        if (!new File(CHROMIUM).canExecute()) {
            fail(CHROMIUM + " is missing: scripts/test.sh installs Debian's chromium (apt-get install chromium)");
        }
        Path installed = dir.resolve("node_modules/playwright-core/package.json");
        Path lock = dir.resolve("package-lock.json");
        if (Files.exists(installed) && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
            return;
        }
        List<String> cmd = List.of(which("npm"), "ci", "--prefer-offline", "--no-audit", "--no-fund");
        Fork.Result r = new Fork.Running(new ProcessBuilder(cmd).directory(dir.toFile()).start(), null, cmd).await(300);
        if (r.exit != 0 || !Files.exists(installed)) {
            fail("npm ci in " + dir + " did not install playwright-core\n" + r.describe());
        }
        // npm ci keeps the package's own timestamps: mark the install as newer than the lock file.
        Files.setLastModifiedTime(installed, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
    }

    /** The command on PATH (or in /usr/bin); fails naming what installs it. */
    static String which(String command) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin";
        for (String d : path.split(File.pathSeparator)) {
            File f = new File(d, command);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        fail(command + " is not on PATH: scripts/test.sh installs Debian's nodejs and npm");
        return null;
    }
}
