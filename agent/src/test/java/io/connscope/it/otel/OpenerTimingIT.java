package io.connscope.it.otel;

import io.connscope.it.Fork;
import io.connscope.it.driver.OpenerTimingTraffic;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.connscope.it.otel.OtlpReceiver.attribute;
import static io.connscope.it.otel.TraceSpansIT.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which request opened a connection ({@link OpenerTimingTraffic}, each scenario two sampled requests on one
 * connection): a request written right after its connect, or the first request of a pool's own new connection, gets a
 * {@code socket connect} span under its span; a first request written 1.5 s after the connect, or sent on a
 * connection the pool had opened ahead and held idle, gets none, and neither does any second request. The connection
 * spans still link to every request.
 */
class OpenerTimingIT {

    @Test
    void onlyARequestThatOpenedItsConnectionGetsAConnectSpan() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = new ArrayList<>(receiver.agentSettings());
            args.add("-Dotel.metrics.exporter=none");
            Fork.Result r = Fork.run(args, TraceSpansWithOtelAgentIT.jars("connscope.clients.httpclient5.newest"),
                    OpenerTimingTraffic.class.getName());
            for (String scenario : List.of("prompt", "late", "pool-own", "pool-ahead")) {
                List<TraceSpansIT.Request> requests = TraceSpansIT.requests(r, scenario);
                String context = scenario + "\n" + r.describe();
                assertEquals(1, requests.stream().map(q -> q.localPort).distinct().count(), "one connection, "
                        + context);
                String port = String.valueOf(requests.get(0).localPort);
                Set<String> spanIds = requests.stream().map(q -> q.spanId).collect(Collectors.toSet());
                List<Span> children = receiver.spans().stream()
                        .filter(s -> spanIds.contains(hex(s.getParentSpanId()))).collect(Collectors.toList());
                if (scenario.equals("prompt") || scenario.equals("pool-own")) {
                    TraceSpansIT.checkSetupSpans(r, receiver, scenario);
                    assertEquals(1, children.size(), "one span in the requests' traces, " + context);
                    assertEquals(requests.get(0).spanId, hex(children.get(0).getParentSpanId()),
                            "under the first request, " + context);
                } else {
                    assertEquals(List.of(), children.stream().map(Span::getName).collect(Collectors.toList()),
                            "no span in the requests' traces, " + context);
                    assertTrue(receiver.spans().stream().noneMatch(s -> port.equals(
                            attribute(s.getAttributesList(), "network.local.port"))
                            && s.getName().startsWith("socket connect")), context);
                }
                TraceSpansIT.checkLinks(r, receiver, scenario, "outbound");
                TraceSpansIT.checkLinks(r, receiver, scenario, "inbound");
            }
            assertEquals(2, receiver.spans().stream().filter(s -> s.getName().startsWith("socket connect ")).count(),
                    "connect spans in all\n" + r.describe());
        }
    }
}
