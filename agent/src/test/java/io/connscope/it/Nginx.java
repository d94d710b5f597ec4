package io.connscope.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's nginx, started by a test in the foreground ({@code daemon off}, one worker) with a prefix, config, pid
 * file and logs of its own in a temporary directory, listening on free loopback ports; {@link #stop} sends SIGTERM
 * (a fast shutdown that closes its idle connections), {@link #close} also removes the directory.
 */
public final class Nginx implements AutoCloseable {

    private final Path dir;
    private final Process process;

    private Nginx(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    /** An executable on PATH or in the usual directories, or a failure naming the Debian package. */
    public static String tool(String name, String debianPackage) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"));
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Paths.get(d, name))) {
                return Paths.get(d, name).toString();
            }
        }
        return fail("'" + name + "' is not installed (not on PATH nor in /usr/sbin, /usr/bin): the HTTP ITs need it; "
                + "install the Debian package '" + debianPackage + "' (apt-get install " + debianPackage + ")");
    }

    /** A loopback port that was free a moment ago, never handed out before in this JVM ({@link FreshPorts}). */
    public static int freePort() throws IOException {
        return io.connscope.it.driver.FreshPorts.next();
    }

    /** A new temporary directory for nginx's files, readable by the worker (a root master runs it as nobody). */
    public static Path newDirectory(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /**
     * Starts nginx in {@code dir} (see {@link #newDirectory}) with {@code http} as the body of its {@code http}
     * block (the temp paths are set here) and waits, at most 10 s, until it accepts connections on every port of
     * {@code listenPorts}.
     */
    public static Nginx start(Path dir, String http, int... listenPorts) throws Exception {
        String d = dir.toString();
        String conf = String.join("\n",
                "daemon off;",
                "master_process on;",
                "worker_processes 1;",
                "pid " + d + "/nginx.pid;",
                "error_log " + d + "/error.log notice;",
                "events { worker_connections 256; }",
                "http {",
                "  client_body_temp_path " + d + "/client_body;",
                "  proxy_temp_path " + d + "/proxy;",
                "  fastcgi_temp_path " + d + "/fastcgi;",
                "  uwsgi_temp_path " + d + "/uwsgi;",
                "  scgi_temp_path " + d + "/scgi;",
                http,
                "}", "");
        Path confFile = dir.resolve("nginx.conf");
        Files.write(confFile, conf.getBytes(StandardCharsets.US_ASCII));
        ProcessBuilder pb = new ProcessBuilder(tool("nginx", "nginx"), "-p", d + "/", "-c", confFile.toString(),
                "-e", d + "/error.log");
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("nginx.out").toFile());
        Nginx nginx = new Nginx(dir, pb.start());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int port : listenPorts) {
            while (true) {
                if (!nginx.process.isAlive()) {
                    fail("nginx exited with " + nginx.process.exitValue() + " before listening\n" + nginx.diagnostics());
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                    break;
                } catch (IOException notYet) {
                    if (System.nanoTime() - deadline > 0) {
                        nginx.process.destroyForcibly();
                        fail("nginx is not listening on 127.0.0.1:" + port + " after 10 s\n" + nginx.diagnostics());
                    }
                    Thread.sleep(20);
                }
            }
        }
        return nginx;
    }

    public Path dir() {
        return dir;
    }

    /** SIGTERM (a fast shutdown, which closes idle connections) and a bounded wait. */
    public void stop() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            fail("nginx did not stop within 10 s of SIGTERM\n" + diagnostics());
        }
    }

    /** The config, the error log and nginx's own output, for failure messages. */
    public String diagnostics() {
        StringBuilder sb = new StringBuilder();
        for (String f : new String[] {"nginx.conf", "error.log", "nginx.out"}) {
            sb.append("--- ").append(dir.resolve(f)).append(":\n");
            try {
                sb.append(new String(Files.readAllBytes(dir.resolve(f)), StandardCharsets.UTF_8)).append('\n');
            } catch (IOException e) {
                sb.append("(cannot read: ").append(e).append(")\n");
            }
        }
        return sb.toString();
    }

    /** Kills nginx if it still runs and removes its directory. */
    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
