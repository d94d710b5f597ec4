package io.connscope.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx as the client workloads' server: started in the foreground (one worker) with a prefix, config,
 * pid file and error log of its own in a temporary directory, on a free loopback port, answering every request
 * with a 12-byte body; keep-alive connections are never closed by nginx during a run (keepalive_requests).
 */
final class Nginx implements AutoCloseable {

    private final Path dir;
    private final Process process;
    private final int port;

    private Nginx(Path dir, Process process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    int port() {
        return port;
    }

    static Nginx start(Path tmp) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "connscope-bench-nginx-");
        // Readable by the worker (a root master runs it as nobody).
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            port = s.getLocalPort();
        }
        String d = dir.toString();
        String conf = String.join("\n",
                "daemon off;",
                "master_process on;",
                "worker_processes 1;",
                "pid " + d + "/nginx.pid;",
                "error_log " + d + "/error.log warn;",
                "events { worker_connections 1024; }",
                "http {",
                "  client_body_temp_path " + d + "/client_body;",
                "  proxy_temp_path " + d + "/proxy;",
                "  fastcgi_temp_path " + d + "/fastcgi;",
                "  uwsgi_temp_path " + d + "/uwsgi;",
                "  scgi_temp_path " + d + "/scgi;",
                "  access_log off;",
                "  keepalive_requests 100000000;",
                "  keepalive_timeout 300s;",
                "  server {",
                "    listen 127.0.0.1:" + port + ";",
                "    location / { default_type text/plain; return 200 \"Hello there!\"; }",
                "  }",
                "}", "");
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        // taskset execs nginx: the process is nginx's master, and its worker inherits the CPU.
        Process p = new ProcessBuilder(Bench.Pinning.PEER.apply(List.of(Bench.Tools.find("nginx"), "-p", d + "/",
                "-c", confFile.toString(), "-e", d + "/error.log")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        Nginx nginx = new Nginx(dir, p, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return nginx;
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    String out = Files.readString(dir.resolve("nginx.out"));
                    nginx.close();
                    throw new IllegalStateException("nginx did not start on 127.0.0.1:" + port + "\n" + out);
                }
                Thread.sleep(20);
            }
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        ScratchDirectories.delete(dir);
    }
}
