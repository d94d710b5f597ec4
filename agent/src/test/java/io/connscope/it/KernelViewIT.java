package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.driver.KernelScenarios;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel's view (connscope.kernel.interval): what the agent reads from /proc, checked against {@code ss} and
 * /proc/sys, and a peer that stops answering keep-alive probes.
 */
class KernelViewIT {

    /**
     * A peer that stops answering, all on 127.0.0.1: the test creates a network namespace of its own (nothing it does
     * touches the machine's network), runs the agent's JVM in it, and once the connection is up adds a policy routing
     * rule there that blackholes the server's packets to the client (by TCP ports, ahead of the local table). The
     * client's keep-alive probes still reach the server, whose ACKs are dropped: to the client the peer has vanished,
     * as when a host or middlebox disappears. (A stopped process would not do: its kernel still answers probes. Nor
     * would a qdisc dropping the client's own probes: the kernel counts a probe it could not send as local congestion,
     * not as unanswered. netem and tc classifiers are not in every kernel; routing rules are.)
     */
    @Test
    void aPeerThatStopsAnsweringShowsUnansweredProbesThenTheClose() throws Exception {
        try (NetworkNamespace ns = NetworkNamespace.create("kv")) {
            Fork.Running running = ns.java(true, List.of("-Dconnscope.kernel.interval=1",
                    "-Dconnscope.console=summary", "-Dconnscope.summary.interval=1",
                    "-Djava.net.preferIPv4Stack=true",
                    "-Dotel.metrics.exporter=console", "-Dotel.traces.exporter=none", "-Dotel.metric.export.interval=500"),
                    KernelScenarios.class.getName(), "unanswered-probes");
            String ready = NetworkNamespace.awaitLine(running, "ready ");
            String[] ports = ready.split(" ");
            int serverPort = Integer.parseInt(ports[1]);
            int clientPort = Integer.parseInt(ports[2]);
            // Blackhole server -> client; client -> server stays local.
            ns.allowPortRules();
            ns.blackhole("sport", Integer.toString(serverPort), "dport", Integer.toString(clientPort));
            running.process.getOutputStream().write("drop\n".getBytes(StandardCharsets.UTF_8));
            running.process.getOutputStream().flush();
            Fork.Result r = running.await();
            assertEquals(0, r.exit, r.describe());
            assertTrue(r.stdout.contains("client read failed"), "the kernel gave the connection up: " + r.describe());

            JsonNode client = null;
            for (JsonNode n : r.records()) {
                if (n.path("type").asText().equals("connection") && n.path("direction").asText().equals("outbound")
                        && n.path("remote_port").asInt() == serverPort) {
                    client = n;
                }
            }
            assertTrue(client != null, "the client's connection is reported: " + r.describe());
            assertEquals("closed", client.path("state").asText(), client.toString());
            // The client's kernel gave up and reset the connection: no FIN from the peer, no TIME_WAIT here.
            assertEquals("local_reset", client.path("close_initiator").asText(), client.toString());
            int max = client.path("keepalive_probes_unanswered_max").asInt();
            assertTrue(max >= 1 && max <= 4, "1 to 4 (TCP_KEEPCOUNT) probes seen unanswered: " + client);
            // The inbound side sends no probes.
            for (JsonNode n : r.records()) {
                if (n.path("direction").asText().equals("inbound")) {
                    assertEquals(0, n.path("keepalive_probes_unanswered_max").asInt(), n.toString());
                }
            }
            // The metric, as the console exporter wrote it while the probes went unanswered.
            String name = "name=connscope.kernel.keepalive.unanswered,";
            Pattern point = Pattern.compile("attributes=\\{([^}]*)\\}, value=(\\d+)");
            boolean seen = false;
            for (String line : r.stderr.split("\n")) {
                int at = line.indexOf(name);
                if (at < 0) {
                    continue;
                }
                int next = line.indexOf("name=", at + name.length());
                Matcher m = point.matcher(line.substring(at, next < 0 ? line.length() : next));
                while (m.find()) {
                    if (m.group(1).contains("server.port=" + serverPort) && m.group(1).contains("\"outbound\"")
                            && Integer.parseInt(m.group(2)) == 1) {
                        seen = true;
                    }
                }
            }
            assertTrue(seen, "connscope.kernel.keepalive.unanswered was 1 for the peer: " + r.describe());
            // And in the console summaries printed every second while it was probing.
            assertTrue(Pattern.compile("kernel 127\\.0\\.0\\.1:" + serverPort + " \\(outbound\\): open=1 time_wait=0 "
                    + "port_usage=\\S+ unanswered_keepalive=1 \\(max probes [1-4]\\)").matcher(r.stderr).find(), r.describe());
        }
    }

    /**
     * Five connections the client closed first, three open: the agent counts the TIME_WAIT sockets of its peer as
     * {@code ss} does, and the ports in use against ip_local_port_range from /proc/sys.
     */
    @Test
    void timeWaitAndPortUsageMatchSsAndTheLocalPortRange() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Paths.get("/proc/net/tcp")), "Linux only");
        int promPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            promPort = probe.getLocalPort();
        }
        Fork.Running running = Fork.start(List.of("-Dconnscope.kernel.interval=1", "-Dconnscope.console=summary",
                        "-Dconnscope.summary.interval=0", "-Dotel.metrics.exporter=prometheus",
                        "-Dotel.traces.exporter=none", "-Dotel.exporter.prometheus.port=" + promPort),
                KernelScenarios.class.getName(), "time-wait", "5", "3");
        String text = "";
        int port;
        int ssTimeWait;
        int ssOpen;
        try {
            port = Integer.parseInt(NetworkNamespace.awaitLine(running, "ready ").split(" ")[1]);
            ssTimeWait = ss("state", "time-wait", "( dport = :" + port + " )");
            ssOpen = ss("state", "established", "( dport = :" + port + " )");
            assertEquals(5, ssTimeWait, "ss: the client's side holds TIME_WAIT");
            assertEquals(3, ssOpen);
            // Sampled every second, exported when scraped: scrape until the sample after the closes is there.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String wanted = "connscope_kernel_time_wait{connscope_connection_direction=\"outbound\",otel_scope_name=\"io.connscope\",server_address=\"127.0.0.1\",server_port=\"" + port + "\"} " + ssTimeWait;
            while (System.nanoTime() < deadline && !text.contains(wanted)) {
                Thread.sleep(200);
                try {
                    text = scrape(promPort);
                } catch (IOException notYet) {
                    text = "";
                }
            }
        } finally {
            running.process.getOutputStream().write('\n');
            running.process.getOutputStream().flush();
        }
        Fork.Result r = running.await();
        String context = "\n--- scrape:\n" + text + "\n" + r.describe();
        int[] range = ints("/proc/sys/net/ipv4/ip_local_port_range");
        int size = range[1] - range[0] + 1;
        int twReuse = ints("/proc/sys/net/ipv4/tcp_tw_reuse")[0];

        String peer = "server_address=\"127.0.0.1\",server_port=\"" + port + "\"";
        assertEquals(ssTimeWait, gauge(text, "connscope_kernel_time_wait", peer, "outbound"), context);
        assertEquals(ssOpen + ssTimeWait, gauge(text, "connscope_kernel_ports_in_use", peer, "outbound"), context);
        assertEquals((double) (ssOpen + ssTimeWait) / size, gauge(text, "connscope_kernel_port_usage_ratio", peer, "outbound"),
                1e-9, context);
        assertTrue(text.contains("connscope_kernel_ephemeral_ports{connscope_kernel_port_range=\"" + range[0] + "-"
                + range[1] + "\",connscope_kernel_tcp_tw_reuse=\"" + twReuse + "\",otel_scope_name=\"io.connscope\"} " + size),
                context);
        assertEquals(0, gauge(text, "connscope_kernel_time_wait", peer, "inbound"), "the server closed second" + context);

        // The exit summary, sampled afresh: same counts.
        assertTrue(r.stderr.contains("kernel: ephemeral ports " + range[0] + "-" + range[1] + " (" + size
                + "), tcp_tw_reuse=" + twReuse), context);
        String line = "kernel 127.0.0.1:" + port + " (outbound): open=" + ssOpen + " time_wait=" + ssTimeWait
                + " port_usage=" + String.format(Locale.ROOT, "%.4f", (double) (ssOpen + ssTimeWait) / size)
                + " unanswered_keepalive=0";
        assertTrue(r.stderr.contains(line), line + context);
    }

    @Test
    void intervalZeroTurnsTheKernelViewOff() throws Exception {
        Fork.Running running = Fork.start(List.of("-Dconnscope.kernel.interval=0", "-Dconnscope.console=summary",
                "-Dconnscope.summary.interval=0"), KernelScenarios.class.getName(), "time-wait", "1", "0");
        NetworkNamespace.awaitLine(running, "ready ");
        running.process.getOutputStream().write('\n');
        running.process.getOutputStream().flush();
        Fork.Result r = running.await();
        assertEquals(0, r.exit, r.describe());
        assertTrue(r.stderr.contains("connscope: summary (exit)"), r.describe());
        assertTrue(!r.stderr.contains("kernel: ephemeral") && !r.stderr.contains("kernel view"), r.describe());
    }

    private static double gauge(String text, String name, String peer, String direction) {
        Pattern p = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
        Matcher m = p.matcher(text);
        while (m.find()) {
            if (m.group(1).contains(peer) && m.group(1).contains("connscope_connection_direction=\"" + direction + "\"")) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }

    private static String scrape(int port) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Rows {@code ss -tanH} lists for the filter. */
    private static int ss(String... filter) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ss", "-tanH"));
        cmd.addAll(List.of(filter));
        Fork.Result r = Fork.exec(cmd);
        assertEquals(0, r.exit, r.describe());
        return (int) r.stdout.lines().filter(l -> !l.isBlank()).count();
    }

    private static int[] ints(String file) throws IOException {
        try (InputStream in = Files.newInputStream(Paths.get(file))) {
            String[] parts = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
            int[] v = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                v[i] = Integer.parseInt(parts[i]);
            }
            return v;
        }
    }
}
