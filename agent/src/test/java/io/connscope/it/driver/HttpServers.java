package io.connscope.it.driver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.connscope.it.ProcNetTcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/** JDK HttpServer "Hello there!" servers on 127.0.0.1 that remember each request's client port, for the drivers. */
public final class HttpServers {

    static final byte[] HELLO = "Hello there!".getBytes(StandardCharsets.US_ASCII);
    static final InetAddress LOOPBACK;

    static {
        try {
            LOOPBACK = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private HttpServers() {
    }

    /** Something to run in the handler before the response, given the request's 1-based number on the server. */
    interface Hook {
        void before(int requestNumber) throws Exception;
    }

    /** One server; {@link #clientPorts} lists the client port of every request, in the order the handler ran. */
    public static final class Server {
        final HttpServer http;
        final ExecutorService executor;
        private final List<Integer> clientPorts = new ArrayList<>();
        private final List<String> versions = new ArrayList<>();
        private volatile Hook hook;
        private volatile boolean closeEach;

        public Server() throws IOException {
            this(FreshPorts.next());
        }

        /** A server on {@code port} of 127.0.0.1 (0: any free one). */
        public Server(int port) throws IOException {
            http = HttpServer.create(new InetSocketAddress(LOOPBACK, port), 50);
            executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "http-handler");
                t.setDaemon(true);
                return t;
            });
            http.setExecutor(executor);
            http.createContext("/", this::handle);
            http.start();
        }

        public int port() {
            return http.getAddress().getPort();
        }

        /** Answers every request with {@code Connection: close}: the server closes the connection after it. */
        public Server closeEach() {
            closeEach = true;
            return this;
        }

        public void stop() {
            http.stop(0);
            executor.shutdownNow();
        }

        void hook(Hook h) {
            hook = h;
        }

        private void handle(HttpExchange ex) throws IOException {
            int n;
            synchronized (this) {
                clientPorts.add(ex.getRemoteAddress().getPort());
                versions.add(ex.getProtocol());
                n = clientPorts.size();
            }
            try (InputStream in = ex.getRequestBody()) {
                in.readAllBytes();
            }
            Hook h = hook;
            if (h != null) {
                try {
                    h.before(n);
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
            ex.getResponseHeaders().set("Content-Type", "text/plain");
            if (closeEach) {
                ex.getResponseHeaders().set("Connection", "close");
            }
            ex.sendResponseHeaders(200, HELLO.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(HELLO);
            }
        }

        public synchronized List<Integer> clientPorts() {
            return new ArrayList<>(clientPorts);
        }

        public synchronized String clientPortsText() {
            return clientPorts.isEmpty() ? "none"
                    : clientPorts.stream().map(String::valueOf).collect(Collectors.joining(","));
        }

        public synchronized String versionsText() {
            return versions.isEmpty() ? "none" : String.join(",", versions);
        }

        public synchronized int distinctClientPorts() {
            return new LinkedHashSet<>(clientPorts).size();
        }
    }

    /** The kernel's states (hex) of the rows whose local port is {@code localPort} and remote port {@code remotePort}. */
    static List<String> states(int localPort, int remotePort) throws IOException {
        String l = String.format(Locale.ROOT, ":%04X", localPort);
        String r = String.format(Locale.ROOT, ":%04X", remotePort);
        List<String> states = new ArrayList<>();
        for (ProcNetTcp.Row row : ProcNetTcp.rows()) {
            if (row.local.endsWith(l) && row.remote.endsWith(r)) {
                states.add(row.state);
            }
        }
        return states;
    }

    /** The states of all rows with this local port (connections of a listening port), listener excluded. */
    public static Set<String> statesOnLocalPort(int localPort) throws IOException {
        String l = String.format(Locale.ROOT, ":%04X", localPort);
        Set<String> states = new LinkedHashSet<>();
        for (ProcNetTcp.Row row : ProcNetTcp.rows()) {
            if (row.local.endsWith(l) && !row.state.equals("0A")) {
                states.add(row.state);
            }
        }
        return states;
    }

    /** The states of this host's rows whose remote port is {@code remotePort} (a client's connections to a server). */
    public static Set<String> statesOnRemotePort(int remotePort) throws IOException {
        String r = String.format(Locale.ROOT, ":%04X", remotePort);
        Set<String> states = new LinkedHashSet<>();
        for (ProcNetTcp.Row row : ProcNetTcp.rows()) {
            if (row.remote.endsWith(r)) {
                states.add(row.state);
            }
        }
        return states;
    }

    /** Polls the kernel's table every 10 ms, at most {@code millis}, until the condition holds; returns whether it did. */
    public static boolean await(long millis, Check check) throws Exception {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (true) {
            if (check.ok()) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
    }

    public interface Check {
        boolean ok() throws Exception;
    }
}
