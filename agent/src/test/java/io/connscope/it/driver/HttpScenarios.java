package io.connscope.it.driver;

import io.connscope.it.driver.HttpServers.Server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs in a forked JVM with the agent attached (and {@code connscope.events.requests=true}): JDK HttpServer
 * "Hello there!" servers on 127.0.0.1 and JDK clients against them. Each scenario has its own server, so its
 * records are told apart by the server port. For each scenario it prints one line of ground truth:
 *
 * <pre>SCENARIO name=keepalive-urlconn server_port=... requests=5 statuses=200,... client_ports=p,p,p,p,p ...</pre>
 *
 * where {@code client_ports} are the client ports the server's handler saw, one per request in order, and
 * {@code raw_ports} (raw socket clients) are the client sockets' own local ports. Values never contain spaces.
 *
 * <p>Usage: {@code HttpScenarios <scenario...|all>}; {@code idle-httpclient} needs the JVM started with
 * {@code -Dsun.net.httpserver.idleInterval=1 -Dsun.net.httpserver.clockTick=100}.
 */
public final class HttpScenarios {

    public static final List<String> ALL = Arrays.asList(
            "keepalive-urlconn", "keepalive-httpclient", "close-urlconn", "close-raw", "http10-raw", "concurrency-httpclient");
    public static final int N = 5;
    public static final int N_CLOSE = 3;
    static final int TIMEOUT_MS = 5000;

    private HttpScenarios() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        System.out.println("JAVA_VERSION " + Runtime.version().feature());
        List<String> scenarios = new ArrayList<>();
        for (String a : args) {
            if (a.equals("all")) {
                scenarios.addAll(ALL);
            } else {
                scenarios.add(a);
            }
        }
        for (String s : scenarios) {
            run(s);
        }
        System.out.println("DONE");
        System.out.flush();
        // The servers' dispatcher threads are not daemons; the agent's exit report writes what is still open.
        System.exit(0);
    }

    private static void run(String scenario) throws Exception {
        switch (scenario) {
            case "keepalive-urlconn":
                keepAliveUrlConnection(scenario);
                break;
            case "keepalive-httpclient":
                keepAliveHttpClient(scenario);
                break;
            case "close-urlconn":
                closeUrlConnection(scenario);
                break;
            case "close-raw":
                raw(scenario, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", N_CLOSE);
                break;
            case "http10-raw":
                raw(scenario, "GET / HTTP/1.0\r\nHost: x\r\n\r\n", 1);
                break;
            case "concurrency-httpclient":
                concurrency(scenario);
                break;
            case "idle-httpclient":
                idleHttpClient(scenario);
                break;
            default:
                throw new IllegalArgumentException("unknown scenario " + scenario + "; known: " + ALL + " and idle-httpclient");
        }
    }

    private static SocketScenarios.Truth truth(String scenario, String client, Server server) {
        SocketScenarios.Truth t = new SocketScenarios.Truth("SCENARIO", scenario);
        t.put("client", client);
        t.put("address", "127.0.0.1");
        t.put("server_port", server.port());
        return t;
    }

    private static void finish(SocketScenarios.Truth t, Server server, List<Integer> statuses) {
        t.put("requests", statuses.size());
        t.put("statuses", statuses.isEmpty() ? "none" : statuses.stream().map(String::valueOf).collect(Collectors.joining(",")));
        t.put("client_ports", server.clientPortsText());
        t.put("server_versions", server.versionsText());
        t.put("connections_seen_by_server", server.distinctClientPorts());
        t.print();
    }

    // -- clients --

    /** One GET with HttpURLConnection, body read to its end and the stream closed (so the connection is cached). */
    static int urlGet(int port, boolean connectionClose) throws IOException {
        URL url = new URL("http://127.0.0.1:" + port + "/");
        HttpURLConnection c = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
        c.setConnectTimeout(TIMEOUT_MS);
        c.setReadTimeout(TIMEOUT_MS);
        if (connectionClose) {
            c.setRequestProperty("Connection", "close");
        }
        int status = c.getResponseCode();
        InputStream in = c.getInputStream();
        byte[] body = in.readAllBytes();
        if (connectionClose) {
            // HttpURLConnection caches the connection by the response's headers alone (the JDK server does not
            // echo "close" to HTTP/1.1) and would write the next request onto it after the server closed it.
            // An application that asked for close does not want it reused: disconnect (before closing the
            // stream, while the connection object is still known) closes it.
            c.disconnect();
        } else {
            in.close();
        }
        if (!Arrays.equals(body, HttpServers.HELLO)) {
            throw new IOException("unexpected body: " + new String(body, StandardCharsets.ISO_8859_1));
        }
        return status;
    }

    static HttpClient httpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(Duration.ofMillis(TIMEOUT_MS))
                .build();
    }

    static HttpRequest get(int port) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofMillis(TIMEOUT_MS)).GET().build();
    }

    static int clientGet(HttpClient client, int port) throws Exception {
        HttpResponse<String> r = client.send(get(port), HttpResponse.BodyHandlers.ofString());
        if (!"Hello there!".equals(r.body())) {
            throw new IOException("unexpected body: " + r.body());
        }
        return r.statusCode();
    }

    // -- scenarios --

    private static void keepAliveUrlConnection(String scenario) throws Exception {
        Server server = new Server();
        SocketScenarios.Truth t = truth(scenario, "urlconn", server);
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            statuses.add(urlGet(server.port(), false));
        }
        finish(t, server, statuses);
    }

    private static void keepAliveHttpClient(String scenario) throws Exception {
        Server server = new Server();
        SocketScenarios.Truth t = truth(scenario, "httpclient", server);
        HttpClient client = httpClient();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            statuses.add(clientGet(client, server.port()));
        }
        finish(t, server, statuses);
    }

    private static void closeUrlConnection(String scenario) throws Exception {
        Server server = new Server();
        SocketScenarios.Truth t = truth(scenario, "urlconn", server);
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < N_CLOSE; i++) {
            statuses.add(urlGet(server.port(), true));
        }
        // The server closes each connection after its response; wait (bounded) until every one is closed on
        // both sides, so the records are final before the JVM exits.
        boolean allClosed = HttpServers.await(TIMEOUT_MS, () -> {
            for (int p : server.clientPorts()) {
                for (String s : HttpServers.states(p, server.port())) {
                    if (!s.equals("06")) {
                        return false;
                    }
                }
            }
            return true;
        });
        t.put("all_closed", allClosed);
        finish(t, server, statuses);
    }

    /** A raw socket client: writes the request, reads the response to end-of-stream, then closes. */
    private static void raw(String scenario, String request, int count) throws Exception {
        Server server = new Server();
        SocketScenarios.Truth t = truth(scenario, "raw", server);
        List<Integer> statuses = new ArrayList<>();
        List<Integer> rawPorts = new ArrayList<>();
        List<String> connectionHeaders = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(HttpServers.LOOPBACK, server.port()), TIMEOUT_MS);
                s.setSoTimeout(TIMEOUT_MS);
                rawPorts.add(s.getLocalPort());
                OutputStream out = s.getOutputStream();
                out.write(request.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                statuses.add(Integer.parseInt(response.substring(9, 12)));
                String lower = response.toLowerCase(java.util.Locale.ROOT);
                int at = lower.indexOf("\r\nconnection:");
                connectionHeaders.add(at < 0 ? "none"
                        : response.substring(at + 13, response.indexOf("\r\n", at + 2)).trim());
                if (!response.endsWith("Hello there!")) {
                    throw new IOException("unexpected response: " + response);
                }
            }
        }
        t.put("raw_ports", rawPorts.stream().map(String::valueOf).collect(Collectors.joining(",")));
        t.put("response_connection", String.join(",", connectionHeaders));
        finish(t, server, statuses);
    }

    /** 4 requests at once (the server holds each until all 4 arrived, bounded), then 4 one after another. */
    private static void concurrency(String scenario) throws Exception {
        Server server = new Server();
        CountDownLatch allFour = new CountDownLatch(4);
        boolean[] together = {true};
        server.hook(n -> {
            if (n <= 4) {
                allFour.countDown();
                if (!allFour.await(3, TimeUnit.SECONDS)) {
                    together[0] = false;
                }
            }
        });
        SocketScenarios.Truth t = truth(scenario, "httpclient", server);
        HttpClient client = httpClient();
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            futures.add(client.sendAsync(get(server.port()), HttpResponse.BodyHandlers.ofString()));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : futures) {
            statuses.add(f.get(TIMEOUT_MS * 2L, TimeUnit.MILLISECONDS).statusCode());
        }
        for (int i = 0; i < 4; i++) {
            statuses.add(clientGet(client, server.port()));
        }
        t.put("first_four_concurrent_on_server", together[0]);
        finish(t, server, statuses);
    }

    /**
     * A request, then (past the server's 1 s idle timeout: the kernel shows the server's FIN and the client's
     * close) another. HttpClient watches its idle pooled connections and closes one as soon as the server does.
     */
    private static void idleHttpClient(String scenario) throws Exception {
        Server server = new Server();
        SocketScenarios.Truth t = truth(scenario, "httpclient", server);
        t.put("idle_interval_s", System.getProperty("sun.net.httpserver.idleInterval"));
        HttpClient client = httpClient();
        List<Integer> statuses = new ArrayList<>();
        statuses.add(clientGet(client, server.port()));
        int first = server.clientPorts().get(0);
        int sp = server.port();
        long idleStart = System.nanoTime();
        // The server closes first (server row leaves ESTABLISHED), then the client closes (its row goes away and the
        // server's is TIME_WAIT). Bounded: 5 s against a 1 s idle timeout ticking every 100 ms.
        boolean serverClosed = HttpServers.await(TIMEOUT_MS, () -> {
            List<String> s = HttpServers.states(sp, first);
            return !s.isEmpty() && !s.contains("01");
        });
        boolean clientClosed = HttpServers.await(TIMEOUT_MS, () -> HttpServers.states(first, sp).isEmpty()
                && HttpServers.states(sp, first).equals(List.of("06")));
        t.put("idle_wait_ms", (System.nanoTime() - idleStart) / 1_000_000);
        t.put("server_closed_first", serverClosed);
        t.put("client_closed_after", clientClosed);
        t.put("server_rows_after_wait", String.join("/", HttpServers.states(sp, first)) + "_");
        statuses.add(clientGet(client, server.port()));
        // The second connection goes the same way, so both are finished (not open) when the JVM exits.
        int second = server.clientPorts().get(1);
        boolean secondClosed = HttpServers.await(TIMEOUT_MS, () -> HttpServers.states(second, sp).isEmpty()
                && HttpServers.states(sp, second).equals(List.of("06")));
        t.put("second_closed_after", secondClosed);
        finish(t, server, statuses);
    }
}
