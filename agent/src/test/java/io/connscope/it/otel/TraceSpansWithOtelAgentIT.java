package io.connscope.it.otel;

import io.connscope.it.FailingHandlersIT;
import io.connscope.it.Fork;
import io.connscope.it.Truth;
import io.connscope.it.driver.TracedClientsTraffic;
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
 * connscope beside the OpenTelemetry Java agent 2.x, both exporting to one OTLP receiver, with the JDK HttpClient
 * (HTTP/1.1 and h2 over TLS to Jetty 12), HttpURLConnection, OkHttp, Apache HttpClient 5 and gRPC
 * ({@link TracedClientsTraffic}, no trace header of their own):
 * <ul>
 *   <li>each connection's {@code socket connect} span (and over TLS its {@code TLS client handshake} span) is a child
 *   of the OpenTelemetry agent's CLIENT span of the request that opened it, in the same trace, and the receiver got
 *   that parent; reused requests get none;</li>
 *   <li>every link from a connection span, outbound or inbound, points at a client span the receiver got, one per
 *   request;</li>
 *   <li>server side, traced by the OpenTelemetry agent too (the JDK HttpServer, Jetty 12, gRPC): each accepted
 *   connection's span links to exactly the callers of the requests the server served, the parents of the agent's
 *   SERVER spans.</li>
 * </ul>
 */
class TraceSpansWithOtelAgentIT {

    @Test
    void connectSpansAreChildrenOfTheOtelAgentsClientSpans(@TempDir Path dir) throws Exception {
        Path otelAgent = Paths.get(System.getProperty("connscope.coexist.otel-javaagent", ""));
        assertTrue(Files.exists(otelAgent), "no OpenTelemetry Java agent at '" + otelAgent + "'; run through Maven");
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = new ArrayList<>();
            args.add("-javaagent:" + otelAgent);
            args.add(Fork.javaagent());
            args.addAll(List.of("-XX:TieredStopAtLevel=1", "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:"
                    + receiver.port(), "-Dotel.exporter.otlp.protocol=http/protobuf", "-Dotel.service.name=the-app",
                    "-Dotel.metrics.exporter=none", "-Dotel.logs.exporter=none", "-Dotel.bsp.schedule.delay=200"));
            List<Path> classpath = new ArrayList<>(jars("connscope.clients.okhttp.newest"));
            classpath.addAll(jars("connscope.clients.httpclient5.newest"));
            classpath.addAll(io.connscope.it.TestJars.grpc());
            classpath.addAll(io.connscope.it.TestJars.jetty());
            Fork.Result run = Fork.startPlaced(args, classpath, Map.of(), TracedClientsTraffic.class.getName(),
                    FailingHandlersIT.keystore(dir).toString()).await();
            assertEquals(0, run.exit, run.describe());
            // The OpenTelemetry agent exports on its own schedule: give its last batch a moment.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while ((clientSpans(receiver).size() < 17 || serverSpans(receiver).size() < 17)
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
            assertEquals(17, clients.size(), "the OpenTelemetry agent's client spans" + context);
            List<Span> servers = serverSpans(receiver);
            // The agent traces each server too: the JDK HttpServer, Jetty and gRPC.
            assertEquals(17, servers.size(), "the OpenTelemetry agent's server spans" + context);
            for (String scenario : List.of("httpclient", "urlconnection", "okhttp", "apache5", "h2", "grpc")) {
                String port = null;
                Set<Integer> connections = new HashSet<>();
                for (Truth t : Truth.parse(run.stdout)) {
                    if (t.type.equals("REQ") && scenario.equals(t.name())) {
                        connections.add(t.port("local_port"));
                        port = t.get("port");
                    }
                }
                assertNotNull(port, context);
                String name = "socket connect 127.0.0.1:" + port;
                List<Span> connects = receiver.spans().stream().filter(s -> s.getName().equals(name))
                        .collect(Collectors.toList());
                assertEquals(connections.size(), connects.size(), scenario + ": one connect span per new connection"
                        + context);
                // The request that opened each connection: the client span its outbound connection span links to
                // with index 1.
                Map<String, String> firstRequests = new HashMap<>();
                for (Span s : receiver.spans()) {
                    if (port.equals(attribute(s.getAttributesList(), "server.port"))
                            && "outbound".equals(attribute(s.getAttributesList(), "connscope.connection.direction"))) {
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
                    assertTrue(parents.add(hex(parent.getSpanId())), scenario + ": one connect span per request"
                            + context);
                    assertEquals(firstRequests.get(attribute(c.getAttributesList(), "connscope.connection.id")),
                            hex(parent.getSpanId()), scenario + ": the parent is the client span of its connection's "
                            + "first request" + context);
                    assertEquals(hex(parent.getTraceId()), hex(c.getTraceId()), "in its trace" + context);
                    String times = scenario + ": connect " + c.getStartTimeUnixNano() + ".." + c.getEndTimeUnixNano()
                            + ", client span " + parent.getStartTimeUnixNano() + ".." + parent.getEndTimeUnixNano();
                    // OkHttp's client span is the OpenTelemetry agent's network interceptor: it starts once OkHttp
                    // has its connection, so the connect that the request waited for comes before it.
                    assertTrue(scenario.equals("okhttp") || c.getStartTimeUnixNano() >= parent.getStartTimeUnixNano(),
                            "starts within its parent, " + times + context);
                    assertTrue(c.getEndTimeUnixNano() <= parent.getEndTimeUnixNano(), "ends within its parent, "
                            + times + context);
                }
                // TLS (h2 only): the handshake span, a child of the same client span as the connect span.
                List<Span> handshakes = receiver.spans().stream().filter(s -> s.getName().startsWith("TLS client ")
                        && parents.contains(hex(s.getParentSpanId()))).collect(Collectors.toList());
                assertEquals(scenario.equals("h2") ? connects.size() : 0, handshakes.size(),
                        scenario + ": TLS handshake spans" + context);
                // Links, from both sides' connection spans: each points at a client span the receiver got, one per
                // request of the scenario.
                int requests = scenario.equals("urlconnection") ? 2 : 3;
                for (String direction : List.of("outbound", "inbound")) {
                    Set<String> linked = new HashSet<>();
                    int links = 0;
                    for (Span s : receiver.spans()) {
                        if (port.equals(attribute(s.getAttributesList(), "server.port"))
                                && direction.equals(attribute(s.getAttributesList(), "connscope.connection.direction"))) {
                            for (Span.Link l : s.getLinksList()) {
                                if (attribute(l.getAttributesList(), "connscope.http.request.index") == null) {
                                    continue; // a segment's link to the one it continues
                                }
                                Span target = clients.get(hex(l.getSpanId()));
                                assertNotNull(target, scenario + " " + direction
                                        + ": a link to a client span the receiver got" + context);
                                assertEquals(hex(target.getTraceId()), hex(l.getTraceId()));
                                linked.add(hex(l.getSpanId()));
                                links++;
                            }
                        }
                    }
                    assertEquals(requests, links, scenario + " " + direction + ": links" + context);
                    assertEquals(requests, linked.size(), scenario + " " + direction + ": links, each once" + context);
                    if (direction.equals("inbound")) {
                        // The server's own tracer: the callers of the requests it served are the parents of its
                        // SERVER spans; the accepted connection links to exactly those.
                        Set<String> callers = new HashSet<>();
                        for (Span server : servers) {
                            if (linked.contains(hex(server.getParentSpanId()))) {
                                assertEquals(hex(server.getTraceId()), hex(clients.get(hex(server.getParentSpanId()))
                                        .getTraceId()), "a server span in its caller's trace" + context);
                                assertTrue(callers.add(hex(server.getParentSpanId())),
                                        scenario + ": one server span per caller" + context);
                            }
                        }
                        assertEquals(linked, callers, scenario + ": the accepted connection links to the callers of "
                                + "the OpenTelemetry agent's server spans" + context);
                    }
                }
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
