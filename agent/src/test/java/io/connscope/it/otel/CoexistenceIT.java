package io.connscope.it.otel;

import io.connscope.it.Fork;
import io.connscope.it.driver.AppOwnLibraries;
import io.connscope.it.driver.HttpTrafficScenario;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.connscope.it.otel.OtlpReceiver.attribute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * connscope beside other OpenTelemetry in the same JVM: an application that ships an older OpenTelemetry and
 * another Byte Buddy and uses {@code GlobalOpenTelemetry}; and the OpenTelemetry Java agent 2.x, with connscope
 * after it and before it on the command line, and attached at run time. Each still produces its own telemetry,
 * into its own real OTLP receiver, and neither sees the other's exporter traffic.
 */
class CoexistenceIT {

    private static Path built(String key) {
        Path p = Paths.get(System.getProperty("connscope.coexist." + key, ""));
        assertTrue(Files.exists(p), "no " + key + " at '" + p + "'; run the ITs through Maven (mvn verify)");
        return p;
    }

    @Test
    void anApplicationWithAnOlderOpenTelemetryAndItsOwnByteBuddyKeepsBothAndConnscopeExportsAlongside() throws Exception {
        List<Path> classpath = new ArrayList<>();
        try (var jars = Files.list(built("app-libraries"))) {
            jars.sorted().forEach(classpath::add);
        }
        String otelVersion = System.getProperty("connscope.coexist.app-opentelemetry.version");
        String byteBuddyVersion = System.getProperty("connscope.coexist.app-byte-buddy.version");
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = new ArrayList<>(receiver.agentSettings());
            args.add("-Dotel.service.name=connscope-it");
            args.add("-Dotel.metric.export.interval=500");
            Fork.Result run = Fork.run(args, classpath, AppOwnLibraries.class.getName());
            String context = "\n" + run.describe();
            // The application ran on its own versions, which are not connscope's.
            assertTrue(run.stdout.contains("opentelemetry=opentelemetry-sdk-trace-" + otelVersion + ".jar")
                    && run.stdout.contains("opentelemetry-api=opentelemetry-api-" + otelVersion + ".jar")
                    && run.stdout.contains("byte-buddy=byte-buddy-" + byteBuddyVersion + ".jar"), context);
            // Its GlobalOpenTelemetry is its own SDK, before and after connscope's SDK ran: both its spans reached
            // its own exporter, with its own resource, and none of connscope's did.
            assertEquals(2, run.resultValue("app_spans"), context);
            assertEquals(2, run.resultValue("app_spans_own_resource"), context);
            assertEquals(1, run.resultValue("app_spans_are_its_own"), context);
            assertEquals(1, run.resultValue("byte_buddy_works"), "the application's Byte Buddy" + context);
            // connscope's telemetry as usual: the scenario's five connection spans with connscope's resource, its
            // metrics, and nothing of the application's.
            List<Span> spans = receiver.spans();
            String all = spans.stream().map(OtelExportIT::describe).collect(Collectors.joining("\n"));
            assertEquals(5, spans.size(), all + context);
            assertTrue(spans.stream().noneMatch(s -> s.getName().startsWith("app-")), all + context);
            for (ResourceSpans rs : receiver.resourceSpans()) {
                assertEquals("connscope-it", attribute(rs.getResource(), "service.name"), context);
            }
            int port = run.resultValue("server_port");
            assertEquals(2L, receiver.lastSums("connscope.connection.opened").get(
                    "connscope.connection.direction=outbound,connscope.connection.outcome=success,server.address=127.0.0.1,server.port=" + port),
                    receiver.lastSums("connscope.connection.opened") + context);
        }
    }

    // --- the OpenTelemetry Java agent

    /** The OpenTelemetry Java agent's settings, the standard -Dotel.* ones: connscope reads them too. */
    private static List<String> otelAgentSettings(OtlpReceiver otelAgents) {
        // C1 only: the OpenTelemetry Java agent's start (all its instrumentations on, as users run it) costs half
        // the CPU time without C2, which changes nothing that is tested here.
        return List.of("-XX:TieredStopAtLevel=1", "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + otelAgents.port(),
                "-Dotel.exporter.otlp.protocol=http/protobuf", "-Dotel.service.name=the-app",
                "-Dotel.metrics.exporter=none", "-Dotel.logs.exporter=none", "-Dotel.bsp.schedule.delay=200");
    }

    /**
     * connscope's own, as {@code connscope.otel.*} options (agent arguments on attach): another endpoint and
     * service name, and metrics, which the OpenTelemetry Java agent's {@code otel.metrics.exporter=none} turns off.
     */
    private static List<String> connscopeSettings(OtlpReceiver connscopes) {
        return List.of("otel.exporter.otlp.endpoint=http://127.0.0.1:" + connscopes.port(),
                "otel.service.name=connscope-it", "otel.metrics.exporter=otlp", "otel.metric.export.interval=500");
    }

    private static List<String> asProperties(List<String> options) {
        return options.stream().map(o -> "-Dconnscope." + o).collect(Collectors.toList());
    }

    @Test
    void theOtelJavaAgentFirstThenConnscope() throws Exception {
        bothAgentsOnTheCommandLine(true);
    }

    @Test
    void connscopeFirstThenTheOtelJavaAgent() throws Exception {
        bothAgentsOnTheCommandLine(false);
    }

    private void bothAgentsOnTheCommandLine(boolean otelFirst) throws Exception {
        String otelAgent = "-javaagent:" + built("otel-javaagent");
        try (OtlpReceiver otelAgents = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP);
             OtlpReceiver connscopes = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = new ArrayList<>();
            args.add(otelFirst ? otelAgent : Fork.javaagent());
            args.add(otelFirst ? Fork.javaagent() : otelAgent);
            args.addAll(otelAgentSettings(otelAgents));
            args.addAll(asProperties(connscopeSettings(connscopes)));
            long start = System.nanoTime();
            Fork.Running running = Fork.startPlaced(args, List.of(), Map.of(), HttpTrafficScenario.class.getName(), "hold");
            Fork.Result run;
            try {
                afterTheOtelAgentsExport(running, otelAgents);
                run = running.await();
            } finally {
                running.process.destroyForcibly();
            }
            System.out.printf("CoexistenceIT: fork with both agents (%s first) took %d ms%n",
                    otelFirst ? "OpenTelemetry" : "connscope", (System.nanoTime() - start) / 1_000_000);
            checkBoth(run, otelAgents, connscopes);
        }
    }

    @Test
    void connscopeAttachedToAJvmRunningTheOtelJavaAgent() throws Exception {
        try (OtlpReceiver otelAgents = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP);
             OtlpReceiver connscopes = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = new ArrayList<>();
            args.add("-javaagent:" + built("otel-javaagent"));
            args.addAll(otelAgentSettings(otelAgents));
            Fork.Running target = Fork.startPlaced(args, List.of(), Map.of(), HttpTrafficScenario.class.getName(),
                    "wait", "hold");
            Fork.Result run;
            try {
                try {
                    awaitOutput(target, "READY ");
                    String out = target.stdoutSoFar();
                    String pid = out.substring(out.indexOf("READY ") + 6).split("\\s")[0];
                    List<String> cmd = new ArrayList<>(List.of(Fork.java(), "-jar", Fork.agentJar().toString(), "attach", pid));
                    cmd.addAll(connscopeSettings(connscopes));
                    Fork.Result attach = Fork.exec(cmd);
                    assertEquals(0, attach.exit, attach.describe());
                    assertTrue(attach.stdout.contains("attached to JVM " + pid), attach.describe());
                } finally {
                    release(target);
                }
                afterTheOtelAgentsExport(target, otelAgents);
                run = target.await();
            } finally {
                target.process.destroyForcibly();
            }
            checkBoth(run, otelAgents, connscopes);
        }
    }

    private static void awaitOutput(Fork.Running running, String text) throws InterruptedException {
        long deadline = System.nanoTime() + 40_000_000_000L;
        while (!running.stdoutSoFar().contains(text) && running.process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(running.stdoutSoFar().contains(text), "'" + text + "' from the fork\n" + running.stdoutSoFar()
                + running.stderrSoFar());
    }

    private static void release(Fork.Running running) throws java.io.IOException {
        running.process.getOutputStream().write('\n');
        running.process.getOutputStream().flush();
    }

    /**
     * Lets the application end once the OpenTelemetry Java agent has exported the spans of its requests, so that its
     * export connection is there for connscope to see, whatever the order of the two agents' exits.
     */
    private static void afterTheOtelAgentsExport(Fork.Running running, OtlpReceiver otelAgents) throws Exception {
        try {
            awaitOutput(running, "TRAFFIC DONE");
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (otelAgents.spans().size() < 8 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        } finally {
            release(running);
        }
    }

    /**
     * Both agents' telemetry of {@link HttpTrafficScenario}, each in its own receiver and only there; the
     * application's results unchanged.
     */
    private static void checkBoth(Fork.Result run, OtlpReceiver otelAgents, OtlpReceiver connscopes) throws Exception {
        String context = "\n--- OpenTelemetry Java agent's spans:\n" + render(otelAgents)
                + "\n--- connscope's spans:\n" + render(connscopes) + "\n" + run.describe();
        assertEquals(0, run.exit, context);
        assertEquals(4, run.resultValue("ok"), "every answer right" + context);
        assertEquals(4, run.resultValue("served"), context);
        assertTrue(run.stderr.contains("opentelemetry-javaagent"), "the OpenTelemetry Java agent ran" + context);
        assertFalse(run.stderr.contains(" had no effect: "), "every connscope.otel.* setting was read" + context);
        int port = run.resultValue("server_port");
        String portText = Integer.toString(port);

        // The OpenTelemetry Java agent: its client spans of the four requests (HttpClient, HttpURLConnection) and
        // its server spans, under its own resource; nothing of connscope's, not even connscope's export requests.
        for (ResourceSpans rs : otelAgents.resourceSpans()) {
            assertEquals("the-app", attribute(rs.getResource(), "service.name"), context);
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                assertTrue(!ss.getScope().getName().startsWith("io.connscope"), ss.getScope().getName() + context);
            }
        }
        List<Span> otelSpans = otelAgents.spans();
        assertEquals(4, otelSpans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT
                && portText.equals(attribute(s.getAttributesList(), "server.port"))).count(), "client spans" + context);
        assertEquals(4, otelSpans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).count(),
                "server spans" + context);
        String connscopePort = Integer.toString(connscopes.port());
        assertTrue(otelSpans.stream().noneMatch(s -> connscopePort.equals(attribute(s.getAttributesList(), "server.port"))
                        || OtelExportIT.describe(s).contains(":" + connscopePort)),
                "connscope's export requests are not traced by the OpenTelemetry Java agent" + context);

        // connscope: its connection spans with exact counts, under its own resource and nowhere else.
        for (ResourceSpans rs : connscopes.resourceSpans()) {
            assertEquals("connscope-it", attribute(rs.getResource(), "service.name"), context);
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                assertEquals("io.connscope", ss.getScope().getName(), context);
            }
        }
        List<Span> scenario = connscopes.spans().stream()
                .filter(s -> portText.equals(attribute(s.getAttributesList(), "server.port"))).collect(Collectors.toList());
        assertEquals(4, scenario.size(), "A and B from both sides" + context);
        for (String direction : List.of("outbound", "inbound")) {
            List<String> requests = scenario.stream()
                    .filter(s -> direction.equals(attribute(s.getAttributesList(), "connscope.connection.direction")))
                    .map(s -> attribute(s.getAttributesList(), "connscope.connection.requests")).sorted()
                    .collect(Collectors.toList());
            assertEquals(List.of("1", "3"), requests, direction + context);
        }
        Map<String, Long> requests = connscopes.lastSums("connscope.http.requests");
        String peer = ",server.address=127.0.0.1,server.port=" + port;
        assertEquals(2L, requests.get("connscope.connection.direction=outbound,connscope.connection.reused=false" + peer), requests + context);
        assertEquals(2L, requests.get("connscope.connection.direction=outbound,connscope.connection.reused=true" + peer), requests + context);
        String otelAgentPort = Integer.toString(otelAgents.port());
        assertTrue(connscopes.spans().stream().noneMatch(s -> connscopePort.equals(attribute(s.getAttributesList(), "server.port"))),
                "connscope's own export traffic is not in its data" + context);
        assertTrue(run.records().stream().noneMatch(r -> r.path("remote_port").asInt() == connscopes.port()), context);
        // The OpenTelemetry Java agent's export connections are the application's as far as connscope knows:
        // real TCP connections of this JVM, reported like any other (see docs/opentelemetry.md, "Beside the OpenTelemetry Java agent").
        // The OpenTelemetry Java agent's export connections are the application's as far as connscope knows: real
        // TCP connections of this JVM, reported like any other (docs/opentelemetry.md, "Beside the OpenTelemetry Java agent").
        List<Span> otelAgentExports = connscopes.spans().stream()
                .filter(s -> otelAgentPort.equals(attribute(s.getAttributesList(), "server.port"))).collect(Collectors.toList());
        // It closes while the JVM exits (the other agent's shutdown hook), racing connscope's exit report: it is
        // there all the same, open or closed (ExitReportIT).
        assertTrue(!otelAgentExports.isEmpty(), "the OpenTelemetry Java agent's export connection" + context);
        for (Span s : otelAgentExports) {
            assertEquals("outbound", attribute(s.getAttributesList(), "connscope.connection.direction"), context);
            assertTrue(Integer.parseInt(attribute(s.getAttributesList(), "connscope.connection.requests")) >= 1, context);
        }
        // In the requests' own traces: the connect span of each of the scenario's two connections, a child of the
        // OpenTelemetry agent's client span of the request that opened it (README, "Connections in request traces").
        List<Span> connects = connscopes.spans().stream().filter(s -> s.getName().equals("socket connect 127.0.0.1:"
                + port)).collect(Collectors.toList());
        assertEquals(2, connects.size(), "connect spans" + context);
        for (Span c : connects) {
            assertTrue(otelSpans.stream().anyMatch(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT
                    && s.getSpanId().equals(c.getParentSpanId()) && s.getTraceId().equals(c.getTraceId())),
                    "a connect span's parent is the OpenTelemetry agent's client span" + context);
        }
        assertEquals(scenario.size() + otelAgentExports.size() + connects.size(), connscopes.spans().size(),
                "nothing but the scenario's connections, their connect spans and the OpenTelemetry Java agent's "
                        + "exports" + context);
    }

    private static String render(OtlpReceiver receiver) {
        return receiver.spans().stream().map(s -> s.getKind() + " " + OtelExportIT.describe(s)).collect(Collectors.joining("\n"));
    }
}
