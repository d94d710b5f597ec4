package io.connscope.it;

import io.connscope.it.driver.HostResults;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Advice never throws into the application: with {@code -Dconnscope.test.failing.handlers=true} every event handler
 * behind the inlined advice throws, on every event. The application ({@link HostResults}: every socket kind, TLS,
 * HttpURLConnection, HttpClient, OkHttp, a refused connect, a reset) gets exactly the results it gets without the
 * agent, and the agent counts what it kept from the application instead of hiding it. The client libraries' pool
 * and native-transport advice are run the same way, one library at a time.
 */
public class FailingHandlersIT {

    @TempDir
    Path dir;

    @Test
    void theApplicationsResultsAreThoseOfARunWithoutTheAgent() throws Exception {
        Path keystore = keystore(dir);
        List<Path> okhttp = jars(System.getProperty("connscope.clients.okhttp.newest", ""));
        List<String> plain = new ArrayList<>(List.of(Fork.java(), "-cp", Fork.testClasses() + File.pathSeparator
                + okhttp.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
                HostResults.class.getName(), keystore.toString()));
        Fork.Result without = Fork.exec(plain);
        assertEquals(0, without.exit, "without the agent\n" + without.describe());
        List<String> expected = results(without);
        assertEquals(19, expected.size(), "the application's results without the agent\n" + without.describe());

        // Verification of the JDK's boot classes too (it is on for the others), so that the advice's exception
        // handler (its stack map frames) is checked wherever it is inlined: a frame missing there is a VerifyError.
        Fork.Result with = Fork.start(List.of("-Dconnscope.test.failing.handlers=true",
                "-XX:+UnlockDiagnosticVMOptions", "-XX:+BytecodeVerificationLocal"), okhttp, Map.of(), HostResults.class.getName(), keystore.toString())
                .await();
        assertEquals(0, with.exit, with.describe());
        assertEquals(String.join("\n", expected), String.join("\n", results(with)),
                "the application's results with failing handlers differ from those without the agent\n"
                        + with.describe());

        assertTrue(with.stderr.contains("connscope: connscope.test.failing.handlers is set"), with.describe());
        assertFalse(with.stderr.contains("could not instrument"), "every instrumentation must apply\n"
                + with.describe());
        long errors = SummaryLine.internalErrors(with);
        if (errors < 0) {
            fail("expected an exit summary with 'internal errors N'\n" + with.describe());
        }
        // At least one event per connection end (its close); every one of them threw.
        long connections = with.records().stream().filter(n -> "connection".equals(Checks.text(n, "type"))).count();
        assertTrue(connections >= 25 && errors >= connections, "expected at least one counted internal error per "
                + "traced connection (" + connections + "), got " + errors + "\n" + with.describe());
        assertTrue(with.stderr.contains("connscope: the first internal error (kept from the application): "
                + "java.lang.IllegalStateException: connscope test: failing handler "), with.describe());
    }

    /**
     * The pool and native-transport advice of the HTTP client libraries, under the same failing handlers: each
     * library's driver runs the pool scenarios (one connection reused, two at most for six requests, a server that
     * closes after a response, a server that closes an idle connection) against servers that count connections,
     * requests and closes themselves. Those counts, and the driver's own checks, must be those of a run without
     * the agent.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "io.connscope.it.driver.clients.Apache4Driver, httpclient4.newest",
            "io.connscope.it.driver.clients.Apache5ClassicDriver, httpclient5.newest",
            "io.connscope.it.driver.clients.Apache5AsyncDriver, httpclient5.newest",
            "io.connscope.it.driver.clients.OkHttpDriver, okhttp.newest",
            "io.connscope.it.driver.clients.NettyDriver, netty41.newest",
            "io.connscope.it.driver.clients.NettyEpollDriver, netty41.epoll",
            "io.connscope.it.driver.clients.ReactorNettyDriver, reactor-netty.newest",
            "io.connscope.it.driver.clients.ReactorNettyEpollDriver, reactor-netty.oldest",
    })
    void clientLibrariesPoolAsTheyDoWithoutTheAgent(String driver, String clientsKey) throws Exception {
        List<Path> jars = jars(System.getProperty("connscope.clients." + clientsKey, ""));
        String[] scenarios = {"sequential", "concurrent", "server-close", "idle-close"};
        List<String> plain = new ArrayList<>(List.of(Fork.java(), "-cp", Fork.testClasses() + File.pathSeparator
                + jars.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)), driver));
        plain.addAll(List.of(scenarios));
        Fork.Result without = Fork.exec(plain);
        assertEquals(0, without.exit, "without the agent\n" + without.describe());
        List<String> expected = serverCounts(without);
        assertEquals(scenarios.length, expected.size(), "the servers' counts without the agent\n" + without.describe());

        Fork.Result with = Fork.start(List.of("-Dconnscope.test.failing.handlers=true"), jars, Map.of(), driver,
                scenarios).await();
        assertEquals(0, with.exit, with.describe());
        assertEquals(String.join("\n", expected), String.join("\n", serverCounts(with)),
                "the servers' counts with failing handlers differ from those without the agent\n" + with.describe());
        assertFalse(with.stderr.contains("could not instrument"), with.describe());
        assertTrue(SummaryLine.internalErrors(with) > 0, "expected counted internal errors\n" + with.describe());
    }

    /** The scenarios' RESULT lines without the servers' ports, which differ from run to run. */
    private static List<String> serverCounts(Fork.Result r) {
        return r.stdout.lines().filter(l -> l.startsWith("RESULT scenario="))
                .map(l -> l.replaceAll(" server_port=\\d+", "")).collect(Collectors.toList());
    }

    @Test
    void withoutTheSwitchThereAreNoInternalErrors() throws Exception {
        Fork.Result r = Fork.run(List.of(), io.connscope.it.driver.SocketScenarios.class.getName(), "socket",
                "client-closes-first");
        String summary = SummaryLine.exit(r);
        assertTrue(summary != null && summary.endsWith(", internal errors 0"), summary + "\n" + r.describe());
        assertFalse(r.stderr.contains("first internal error"), r.describe());
    }

    private static List<String> results(Fork.Result r) {
        return r.stdout.lines().filter(l -> l.startsWith("RESULT ")).collect(Collectors.toList());
    }

    private static List<Path> jars(String directory) throws Exception {
        Path d = Paths.get(directory);
        assertTrue(Files.isDirectory(d), "no library jars at '" + directory + "'; run the ITs through Maven");
        try (Stream<Path> files = Files.list(d)) {
            return files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
    }

    /** A keystore with one EC key for 127.0.0.1, made by the JDK's keytool. */
    public static Path keystore(Path dir) throws Exception {
        Path keystore = dir.resolve("ks.p12");
        Path keytool = Paths.get(Fork.java()).resolveSibling("keytool");
        Fork.Result gen = Fork.exec(List.of(keytool.toString(), "-genkeypair", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit", "-alias", "test",
                "-keyalg", "EC", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-validity", "2"));
        assertEquals(0, gen.exit, "keytool: " + gen.describe());
        return keystore;
    }
}
