package io.connscope.it.otel;

import io.connscope.it.Fork;
import io.connscope.it.TestJars;
import io.connscope.it.Truth;
import io.connscope.it.driver.BraveTraffic;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.connscope.it.otel.TraceSpansIT.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Brave's B3 headers, in the single-header ({@code b3}) and the multi-header ({@code X-B3-*}) form, with 64-bit and
 * 128-bit trace ids ({@link BraveTraffic}), and connscope exporting to an OTLP receiver (Brave reports elsewhere):
 * <ul>
 *   <li>each new connection whose first request Brave sampled has one {@code socket connect} span, a child of that
 *   request's Brave CLIENT span, in its trace (a 64-bit trace id padded with leading zeros to 32 hex digits), linked
 *   to its connection span; no other request has one;</li>
 *   <li>the connection spans of both sides link to exactly Brave's sampled spans, with their index;</li>
 *   <li>Brave's unsampled requests get no span and no link.</li>
 * </ul>
 * The ground truth is Brave's own: the ids of the spans it reported are exactly those of its sampled requests.
 */
class TraceSpansWithBraveIT {

    private static final List<String> SCENARIOS = List.of("b3-single", "b3-multi", "b3-single-128");

    @Test
    void connectSpansAndLinksFollowBravesB3Headers() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start(OtlpReceiver.Protocol.HTTP)) {
            List<String> args = new ArrayList<>(receiver.agentSettings());
            args.add("-Dotel.service.name=brave-app");
            args.add("-Dotel.metrics.exporter=none");
            Fork.Result r = Fork.run(args, TestJars.brave(), BraveTraffic.class.getName());
            int openers = 0;
            Set<String> unsampled = new HashSet<>();
            for (String scenario : SCENARIOS) {
                List<TraceSpansIT.Request> requests = TraceSpansIT.requests(r, scenario);
                Set<String> sampledIds = new HashSet<>();
                for (TraceSpansIT.Request q : requests) {
                    if (q.sampled) {
                        sampledIds.add(q.traceId + "/" + q.spanId);
                        openers += q.index == 1 ? 1 : 0;
                        if (!scenario.endsWith("-128")) {
                            assertTrue(q.traceId.startsWith("0000000000000000"), "Brave's 64-bit trace id, padded");
                        }
                    } else {
                        unsampled.add(q.spanId);
                    }
                }
                Set<String> reported = new HashSet<>();
                for (Truth t : Truth.parse(r.stdout)) {
                    if (t.type.equals("BRAVE_SPAN") && scenario.equals(t.name())) {
                        String traceId = t.get("trace_id");
                        reported.add((traceId.length() == 16 ? "0000000000000000" : "") + traceId + "/"
                                + t.get("span_id"));
                    }
                }
                assertEquals(sampledIds, reported, scenario + ": Brave reported its sampled spans\n" + r.describe());
                TraceSpansIT.checkSetupSpans(r, receiver, scenario);
                TraceSpansIT.checkLinks(r, receiver, scenario, "outbound");
                TraceSpansIT.checkLinks(r, receiver, scenario, "inbound");
            }
            assertEquals(3, openers, "sampled requests that opened a connection\n" + r.describe());
            assertEquals(openers, receiver.spans().stream().filter(s -> s.getName().startsWith("socket connect "))
                    .count(), "connect spans in all\n" + r.describe());
            assertEquals(4, unsampled.size(), r.describe());
            for (Span s : receiver.spans()) {
                assertFalse(unsampled.contains(hex(s.getParentSpanId())), "a span under an unsampled request: "
                        + s.getName());
                for (Span.Link l : s.getLinksList()) {
                    assertFalse(unsampled.contains(hex(l.getSpanId())), "a link to an unsampled request from "
                            + s.getName());
                }
            }
            assertTrue(receiver.spans().stream().noneMatch(s -> s.getName().equals("connection reused")));
        }
    }
}
