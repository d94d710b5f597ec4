package io.connscope.it.otel;

import io.connscope.it.FailingHandlersIT;
import io.connscope.it.Fork;
import io.connscope.it.Truth;
import io.connscope.it.driver.TracedClientsTraffic;
import io.connscope.it.driver.clients.RelocatedNettyDriver;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.connscope.it.otel.OtlpReceiver.attribute;
import static io.connscope.it.otel.TraceSpansIT.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * connscope beside the OpenTelemetry Java agent 2.x, both exporting to one OTLP receiver, with the clients of the
 * tested-clients table on NIO ({@link TracedClientsTraffic}, no trace header of their own), one JVM per class path:
 * the JDK HttpClient (HTTP/1.1), HttpURLConnection; OkHttp, Apache HttpClient 5 classic and async and 4.5, Reactor
 * Netty and a Netty 4.1 channel pool, each plain and over TLS; h2 over TLS to Jetty 12 by the JDK HttpClient, OkHttp
 * and Apache HttpClient 5's HTTP/2 async client; the same pool on Netty's native epoll transport, and Reactor Netty
 * 1.0.0 on its epoll, plain and TLS (asserted: every channel an {@code EpollSocketChannel}); gRPC on
 * grpc-netty-shaded on its bundled epoll and on its NIO transport (asserted: every channel an {@code
 * NioSocketChannel}), h2c and TLS by its bundled BoringSSL (asserted), and on grpc-netty and grpc-okhttp (h2c and
 * TLS):
 * <ul>
 *   <li>each connection's {@code socket connect} span (and over TLS its {@code TLS client handshake} span) is a child
 *   of the OpenTelemetry agent's CLIENT span of the request that opened it, in the same trace, and the receiver got
 *   that parent; reused requests get none;</li>
 *   <li>every link from a connection span, outbound or inbound, points at a client span the receiver got, one per
 *   request;</li>
 *   <li>server side, traced by the OpenTelemetry agent too (the JDK HttpServer and HttpsServer, Jetty 12, gRPC):
 *   each accepted connection's span links to exactly the callers of the requests the server served, the parents of
 *   the agent's SERVER spans.</li>
 * </ul>
 * And Netty relocated by HBase (hbase-shaded-netty), which the agent does not instrument: no client or server span
 * of the agent, connscope's connection spans without links or connect spans.
 */
class TraceSpansWithOtelAgentIT {

    /**
     * Scenarios whose client span the OpenTelemetry agent starts only once the client has its connection, so the
     * connect span (still its child) begins before it: OkHttp's (the agent's network interceptor), and Netty's and
     * Reactor Netty's (the agent starts it as Netty's HTTP codec writes the request on the connection).
     */
    private static final Set<String> CLIENT_SPAN_AFTER_CONNECT = Set.of("okhttp", "okhttp-tls", "okhttp-h2",
            "reactor", "reactor-tls", "netty", "netty-tls", "netty-epoll", "netty-epoll-tls", "reactor-epoll",
            "reactor-epoll-tls");

    /**
     * Scenarios on a native epoll transport, asserted from the driver's {@code RAN} lines: every Netty channel they
     * opened an {@code EpollSocketChannel} (for gRPC, the channel type grpc-netty-shaded's builder uses by default).
     * Every other scenario with {@code RAN} lines ran on NIO.
     */
    private static final Set<String> EPOLL = Set.of("netty-epoll", "netty-epoll-tls", "reactor-epoll",
            "reactor-epoll-tls", "grpc", "grpc-tls");

    /** grpc-netty-shaded on its NIO transport, chosen explicitly: asserted, every channel a NioSocketChannel. */
    private static final Set<String> NIO = Set.of("grpc-nio", "grpc-nio-tls");

    /** grpc-netty-shaded over TLS by its default engine, its bundled BoringSSL: asserted from the client's session. */
    private static final Set<String> OPENSSL = Set.of("grpc-tls", "grpc-nio-tls");

    @Test
    void httpClients(@TempDir Path dir) throws Exception {
        List<Path> classpath = new ArrayList<>(jars("connscope.clients.okhttp.newest"));
        classpath.addAll(jars("connscope.clients.httpclient5.newest"));
        classpath.addAll(jars("connscope.clients.httpclient4.newest"));
        classpath.addAll(jars("connscope.clients.reactor-netty.newest"));
        classpath.addAll(io.connscope.it.TestJars.jetty());
        traced(dir, "http", classpath, List.of("httpclient", "urlconnection", "okhttp", "apache5", "apache5async",
                "apache4", "reactor", "okhttp-tls", "apache5-tls", "apache5async-tls", "apache4-tls", "reactor-tls",
                "h2", "okhttp-h2", "apache5async-h2"));
    }

    /** A Netty 4.1 channel pool with Netty's HTTP codec, the agent's netty-4.1 instrumentation. */
    @Test
    void nettyChannelPool(@TempDir Path dir) throws Exception {
        traced(dir, "netty", jars("connscope.clients.netty41.newest"), List.of("netty", "netty-tls"));
    }

    /** The same Netty 4.1 channel pool on the native epoll transport (netty41.epoll.version). */
    @Test
    void nettyChannelPoolOnEpoll(@TempDir Path dir) throws Exception {
        traced(dir, "netty-epoll", jars("connscope.clients.netty41.epoll"), List.of("netty-epoll",
                "netty-epoll-tls"));
    }

    /**
     * Reactor Netty 1.0.0 on its default transport, the native epoll one its POM brings: the agent's reactor-netty-1.0
     * and netty-4.1 instrumentations.
     */
    @Test
    void reactorNettyOnEpoll(@TempDir Path dir) throws Exception {
        traced(dir, "reactor-epoll", jars("connscope.clients.reactor-netty.oldest"), List.of("reactor-epoll",
                "reactor-epoll-tls"));
    }

    /**
     * grpc-netty-shaded (its bundled native epoll, and its NIO transport chosen explicitly; over TLS its bundled
     * BoringSSL) and grpc-netty (NIO, the JDK's engine), the same (newest) version.
     */
    @Test
    void grpcOnNetty(@TempDir Path dir) throws Exception {
        List<Path> classpath = new ArrayList<>(jars("connscope.clients.grpc-netty.newest"));
        Set<String> names = classpath.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        for (Path p : jars("connscope.clients.grpc-shaded.newest")) {
            if (!names.contains(p.getFileName().toString())) {
                classpath.add(p);
            }
        }
        traced(dir, "grpc", classpath, List.of("grpc", "grpc-tls", "grpc-nio", "grpc-nio-tls", "grpc-netty",
                "grpc-netty-tls"));
    }

    /** The grpc-okhttp client (its newest version here), against a grpc-netty-shaded server of that version. */
    @Test
    void grpcOkHttp(@TempDir Path dir) throws Exception {
        traced(dir, "grpc-okhttp", jars("connscope.clients.grpc-okhttp.newest"),
                List.of("grpc-okhttp", "grpc-okhttp-tls"));
    }

    /**
     * Netty relocated by another shader than gRPC, HBase's hbase-shaded-netty ({@link RelocatedNettyDriver} on its
     * NIO transport, HTTP/1.1 at both ends): the OpenTelemetry agent instruments {@code io.netty}'s classes, not this
     * copy, so it makes no client and no server span, and there is no trace header on the wire. connscope's
     * connection spans are there, one per connection and side, with no link and no connect span. The agent's JVM
     * metrics, exported to the same receiver, show its exporter worked in that JVM.
     */
    @Test
    void nettyRelocatedByHBase() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = agentArgs(receiver);
            args.remove("-Dotel.metrics.exporter=none");
            args.addAll(List.of("-Dotel.metrics.exporter=otlp", "-Dotel.metric.export.interval=200"));
            Fork.Result run = Fork.startPlaced(args, jars("connscope.clients.hbase-shaded-netty"), Map.of(),
                    RelocatedNettyDriver.class.getName(), "nio").await();
            assertEquals(0, run.exit, run.describe());
            assertTrue(run.stdout.contains("client_channel=" + RelocatedNettyDriver.PREFIX
                    + "io.netty.channel.socket.nio.NioSocketChannel"), "the relocated NIO client ran" + run.describe());
            java.util.regex.Matcher port = java.util.regex.Pattern.compile("server_port=(\\d+)").matcher(run.stdout);
            assertTrue(port.find(), run.describe());
            int serverPort = Integer.parseInt(port.group(1));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while ((connectionSpans(receiver, "inbound", serverPort).size() < RelocatedNettyDriver.CONNECTIONS
                    || !agentMetrics(receiver)) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String context = "\n" + receiver.spans().stream().map(s -> s.getName() + " " + s.getKind())
                    .collect(Collectors.joining("\n")) + "\n" + run.describe();
            assertTrue(agentMetrics(receiver), "the OpenTelemetry agent's own JVM metrics" + context);
            for (String direction : List.of("outbound", "inbound")) {
                List<Span> connections = connectionSpans(receiver, direction, serverPort);
                assertEquals(RelocatedNettyDriver.CONNECTIONS, connections.size(), direction + context);
                for (Span c : connections) {
                    assertEquals(String.valueOf(RelocatedNettyDriver.REQUESTS),
                            attribute(c.getAttributesList(), "connscope.connection.requests"), context);
                    assertTrue(c.getLinksList().isEmpty(), "no request to link to" + context);
                    assertTrue(c.getParentSpanId().isEmpty(), context);
                }
            }
            assertEquals(List.of(), clientSpans(receiver), "the agent's client spans" + context);
            assertEquals(List.of(), serverSpans(receiver), "the agent's server spans" + context);
            assertTrue(receiver.spans().stream().noneMatch(s -> s.getName().startsWith("socket connect ")
                    || s.getName().startsWith("TLS client ")), context);
        }
    }

    /** connscope's connection spans of one direction. */
    /**
     * connscope's connection spans of one direction to {@code serverPort}: not the OpenTelemetry agent's own
     * exporter connection to the receiver, which connscope traces too (open at exit, when the agent exported before).
     */
    private static List<Span> connectionSpans(OtlpReceiver receiver, String direction, int serverPort) {
        return receiver.spans().stream().filter(s -> direction.equals(attribute(s.getAttributesList(),
                "connscope.connection.direction"))
                && String.valueOf(serverPort).equals(attribute(s.getAttributesList(), "server.port")))
                .collect(Collectors.toList());
    }

    /** Whether the receiver got the OpenTelemetry agent's JVM metrics (its runtime-telemetry scopes). */
    private static boolean agentMetrics(OtlpReceiver receiver) {
        return receiver.resourceMetrics().stream().flatMap(rm -> rm.getScopeMetricsList().stream())
                .anyMatch(sm -> sm.getScope().getName().startsWith("io.opentelemetry.runtime-telemetry")
                        && sm.getMetricsCount() > 0);
    }

    /** The JVM's options for connscope beside the OpenTelemetry agent, both exporting to {@code receiver}. */
    private static List<String> agentArgs(OtlpReceiver receiver) {
        Path otelAgent = Paths.get(System.getProperty("connscope.coexist.otel-javaagent", ""));
        assertTrue(Files.exists(otelAgent), "no OpenTelemetry Java agent at '" + otelAgent + "'; run through Maven");
        List<String> args = new ArrayList<>();
        args.add("-javaagent:" + otelAgent);
        args.add(Fork.javaagent());
        args.addAll(List.of("-XX:TieredStopAtLevel=1", "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:"
                + receiver.port(), "-Dotel.exporter.otlp.protocol=http/protobuf", "-Dotel.service.name=the-app",
                "-Dotel.metrics.exporter=none", "-Dotel.logs.exporter=none", "-Dotel.bsp.schedule.delay=200"));
        return args;
    }

    /**
     * Runs one group of {@link TracedClientsTraffic}'s scenarios beside the OpenTelemetry agent, and checks each
     * scenario, {@code expected} in the order they ran.
     */
    private static void traced(Path dir, String group, List<Path> classpath, List<String> expected)
            throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            Fork.Result run = Fork.startPlaced(agentArgs(receiver), classpath, Map.of(),
                    TracedClientsTraffic.class.getName(), FailingHandlersIT.keystore(dir).toString(), group).await();
            assertEquals(0, run.exit, run.describe());
            List<Truth> scenarios = Truth.parse(run.stdout).stream().filter(t -> t.type.equals("SCENARIO"))
                    .collect(Collectors.toList());
            assertEquals(expected, scenarios.stream().map(Truth::name).collect(Collectors.toList()), run.describe());
            int requests = scenarios.stream().mapToInt(t -> Integer.parseInt(t.get("requests"))).sum();
            // The OpenTelemetry agent exports on its own schedule: give its last batch a moment.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while ((clientSpans(receiver).size() < requests || serverSpans(receiver).size() < requests)
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Map<String, Span> clients = new HashMap<>();
            for (Span s : clientSpans(receiver)) {
                clients.put(hex(s.getSpanId()), s);
            }
            String context = "\n" + receiver.spans().stream().map(s -> s.getName() + " " + s.getKind() + " "
                    + hex(s.getTraceId()) + "/" + hex(s.getSpanId()) + " parent " + hex(s.getParentSpanId()))
                    .collect(Collectors.joining("\n")) + "\n" + run.describe();
            // One client span per request, and one server span: the agent traces each server too.
            assertEquals(requests, clients.size(), "the OpenTelemetry agent's client spans" + context);
            List<Span> servers = serverSpans(receiver);
            assertEquals(requests, servers.size(), "the OpenTelemetry agent's server spans" + context);
            for (Truth t : scenarios) {
                scenario(receiver, run, t.name(), Integer.parseInt(t.get("requests")), Boolean.parseBoolean(t.get("tls")), clients,
                        servers, context);
            }
            assertTrue(receiver.spans().stream().noneMatch(s -> s.getName().equals("connection reused")), context);
            for (ResourceSpans rs : receiver.resourceSpans()) {
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    if (ss.getScope().getName().equals("io.connscope")) {
                        assertEquals("the-app", attribute(rs.getResource(), "service.name"));
                    }
                }
            }
        }
    }

    private static void scenario(OtlpReceiver receiver, Fork.Result run, String scenario, int requests, boolean tls,
                                 Map<String, Span> clients, List<Span> servers, String context) {
        String port = null;
        Set<Integer> connections = new HashSet<>();
        for (Truth t : Truth.parse(run.stdout)) {
            if (t.type.equals("REQ") && scenario.equals(t.name())) {
                connections.add(t.port("local_port"));
                port = t.get("port");
            }
        }
        assertNotNull(port, scenario + context);
        transport(run, scenario, tls, context);
        String name = "socket connect 127.0.0.1:" + port;
        // By the scenario's own client ports too: a later scenario's server can get the port an earlier one's had.
        List<Span> connects = receiver.spans().stream().filter(s -> s.getName().equals(name)
                && portIn(s, "network.local.port", connections))
                .collect(Collectors.toList());
        // Reactor Netty over TLS hands its first request to the engine before its last handshake flight reaches
        // the socket (2.7 ms before, seen): still the request that opened the connection.
        assertEquals(connections.size(), connects.size(), scenario + ": one connect span per new connection"
                + context);
        // The request that opened each connection: the client span its outbound connection span links to with
        // index 1.
        String p = port;
        Map<String, String> firstRequests = new HashMap<>();
        for (Span s : receiver.spans()) {
            if (ofScenario(s, p, "outbound", connections)) {
                for (Span.Link l : s.getLinksList()) {
                    if ("1".equals(attribute(l.getAttributesList(), "connscope.http.request.index"))) {
                        firstRequests.put(attribute(s.getAttributesList(), "connscope.connection.id"),
                                hex(l.getSpanId()));
                    }
                }
            }
        }
        Set<String> parents = new HashSet<>();
        for (Span c : connects) {
            Span parent = clients.get(hex(c.getParentSpanId()));
            assertNotNull(parent, scenario + ": the connect span's parent is a client span the receiver got"
                    + context);
            assertTrue(parents.add(hex(parent.getSpanId())), scenario + ": one connect span per request" + context);
            String connection = attribute(c.getAttributesList(), "connscope.connection.id");
            assertEquals(firstRequests.get(connection), hex(parent.getSpanId()),
                    scenario + ": the parent is the client span of its connection's first request" + context);
            assertEquals(hex(parent.getTraceId()), hex(c.getTraceId()), "in its trace" + context);
            String times = scenario + ": connect " + c.getStartTimeUnixNano() + ".." + c.getEndTimeUnixNano()
                    + ", client span " + parent.getStartTimeUnixNano() + ".." + parent.getEndTimeUnixNano();
            // connscope's span times are anchored on the connection's wall-clock open time, in milliseconds: they
            // may read up to 1 ms early against the agent's clock.
            assertTrue(CLIENT_SPAN_AFTER_CONNECT.contains(scenario)
                    || c.getStartTimeUnixNano() >= parent.getStartTimeUnixNano() - 1_000_000L,
                    "starts within its parent, "
                    + times + context);
            assertTrue(c.getEndTimeUnixNano() <= parent.getEndTimeUnixNano(), "ends within its parent, " + times
                    + context);
            // Over TLS, the handshake of the same connection: a child of the same client span.
            List<Span> handshakes = receiver.spans().stream().filter(s -> s.getName().startsWith("TLS client ")
                    && connection.equals(attribute(s.getAttributesList(), "connscope.connection.id")))
                    .collect(Collectors.toList());
            assertEquals(tls ? 1 : 0, handshakes.size(), scenario + ": TLS handshake spans" + context);
            for (Span h : handshakes) {
                assertEquals("TLS client handshake 127.0.0.1", h.getName(), context);
                assertEquals(hex(parent.getSpanId()), hex(h.getParentSpanId()),
                        scenario + ": the handshake's parent is the connect span's" + context);
                assertEquals(hex(parent.getTraceId()), hex(h.getTraceId()), context);
            }
        }
        // Links, from both sides' connection spans: each points at a client span the receiver got, one per request
        // of the scenario.
        for (String direction : List.of("outbound", "inbound")) {
            Set<String> linked = new HashSet<>();
            int links = 0;
            for (Span s : receiver.spans()) {
                if (ofScenario(s, p, direction, connections)) {
                    for (Span.Link l : s.getLinksList()) {
                        if (attribute(l.getAttributesList(), "connscope.http.request.index") == null) {
                            continue; // a segment's link to the one it continues
                        }
                        Span target = clients.get(hex(l.getSpanId()));
                        assertNotNull(target, scenario + " " + direction + ": a link to a client span the receiver got"
                                + context);
                        assertEquals(hex(target.getTraceId()), hex(l.getTraceId()));
                        linked.add(hex(l.getSpanId()));
                        links++;
                    }
                }
            }
            assertEquals(requests, links, scenario + " " + direction + ": links" + context);
            assertEquals(requests, linked.size(), scenario + " " + direction + ": links, each once" + context);
            if (direction.equals("inbound")) {
                // The server's own tracer: the callers of the requests it served are the parents of its SERVER
                // spans; the accepted connection links to exactly those.
                Set<String> callers = new HashSet<>();
                for (Span server : servers) {
                    if (linked.contains(hex(server.getParentSpanId()))) {
                        assertEquals(hex(server.getTraceId()), hex(clients.get(hex(server.getParentSpanId()))
                                .getTraceId()), "a server span in its caller's trace" + context);
                        assertTrue(callers.add(hex(server.getParentSpanId())),
                                scenario + ": one server span per caller" + context);
                    }
                }
                assertEquals(linked, callers, scenario + ": the accepted connection links to the callers of the "
                        + "OpenTelemetry agent's server spans" + context);
            }
        }
    }

    /**
     * Whether {@code s} is a connection span of the scenario: to or from its server's port, on one of the client
     * ports its requests went out from (the client's local port outbound, the peer's inbound).
     */
    private static boolean ofScenario(Span s, String port, String direction, Set<Integer> clientPorts) {
        if (!port.equals(attribute(s.getAttributesList(), "server.port"))
                || !direction.equals(attribute(s.getAttributesList(), "connscope.connection.direction"))) {
            return false;
        }
        return portIn(s, direction.equals("outbound") ? "network.local.port" : "client.port", clientPorts);
    }

    private static boolean portIn(Span s, String attribute, Set<Integer> ports) {
        String port = attribute(s.getAttributesList(), attribute);
        return port != null && ports.contains(Integer.valueOf(port));
    }

    /**
     * What ran, from the driver's lines: the transport of the scenarios that name their Netty channels, and the TLS
     * engine of the gRPC ones (the client's session class: grpc-netty-shaded's bundled BoringSSL, else the JDK's).
     */
    private static void transport(Fork.Result run, String scenario, boolean tls, String context) {
        List<Truth> lines = Truth.parse(run.stdout).stream().filter(t -> scenario.equals(t.name()))
                .collect(Collectors.toList());
        List<String> channels = lines.stream().filter(t -> t.type.equals("RAN")).map(t -> t.get("channel"))
                .collect(Collectors.toList());
        if (EPOLL.contains(scenario) || NIO.contains(scenario)) {
            assertTrue(!channels.isEmpty(), scenario + ": the driver names its channels" + context);
        }
        for (String channel : channels) {
            assertEquals(EPOLL.contains(scenario) ? "EpollSocketChannel" : "NioSocketChannel", channel,
                    scenario + ": the transport that ran" + context);
        }
        for (Truth t : lines) {
            if (t.type.equals("TLS")) {
                assertTrue(tls, context);
                String session = t.get("client_session");
                assertTrue(OPENSSL.contains(scenario)
                        ? session.startsWith("io.grpc.netty.shaded.io.netty.handler.ssl.ReferenceCountedOpenSslEngine$")
                        : session.startsWith("sun.security.ssl."), scenario + ": the TLS engine, " + session + context);
            }
        }
        if (OPENSSL.contains(scenario)) {
            assertTrue(lines.stream().anyMatch(t -> t.type.equals("TLS")), scenario + ": its TLS session" + context);
        }
    }

    static List<Path> jars(String property) throws Exception {
        Path d = Paths.get(System.getProperty(property, ""));
        assertTrue(Files.isDirectory(d), "no library jars at '" + d + "'; run the ITs through Maven");
        try (java.util.stream.Stream<Path> files = Files.list(d)) {
            return files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
    }

    /** The OpenTelemetry agent's SERVER spans (connscope's inbound connection spans carry a connection id). */
    private static List<Span> serverSpans(OtlpReceiver receiver) {
        return receiver.spans().stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                && attribute(s.getAttributesList(), "connscope.connection.id") == null).collect(Collectors.toList());
    }

    private static List<Span> clientSpans(OtlpReceiver receiver) {
        return receiver.spans().stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT
                && attribute(s.getAttributesList(), "connscope.connection.id") == null).collect(Collectors.toList());
    }
}
