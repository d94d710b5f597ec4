package io.connscope.agent.export.otel;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionState;
import io.connscope.agent.core.Direction;
import io.connscope.agent.core.http2.Http2Summary;
import io.connscope.agent.kernel.KernelSnapshot;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static io.connscope.agent.export.otel.ConnscopeAttributes.*;

/**
 * connscope's metrics (names, units and attributes are documented in docs/opentelemetry.md and final).
 *
 * <p>Closes are events: counted and measured when a finished connection reaches the reporter thread. Totals that
 * grow while a connection lives (opened, requests, bytes, keep-alive) and the open connections of HTTP clients are
 * observed at each collection from {@link PeerTotals}, so nothing is recorded on the application's threads.
 * Attributes are low-cardinality: peers by {@code server.address} and {@code server.port} (our own address and
 * port for inbound connections), never a client's address or ephemeral port.
 */
final class ConnectionMetrics {

    private static final double[] DURATION_BUCKETS_S = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
            60, 120, 300, 600, 1800, 3600};
    private static final double[] RTT_BUCKETS_S = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
            0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final long[] REQUEST_BUCKETS = {0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 10000};

    private final int maxPeers;
    private final PeerTotals totals;
    private final OpenHttpConnections openHttpConnections;
    private final Supplier<List<ConnectionRecord>> open;
    private final LongCounter closed;
    private final DoubleHistogram duration;
    private final DoubleHistogram httpClientDuration;
    private final LongHistogram requests;
    private final LongCounter h2GoAways;
    private final LongCounter h2Resets;
    private final LongCounter h2Pings;
    private final DoubleHistogram h2PingRtt;
    private final LongHistogram h2Streams;
    /** Per peer, the attributes every instrument of it starts from (reporter and collection threads). */
    private final Map<PeerTotals.Peer, Attributes> peerAttributes = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param kernel the kernel sampler's last snapshot, null while there is none (or no sampler) */
    ConnectionMetrics(Meter meter, int maxPeers, Supplier<List<ConnectionRecord>> open,
                      Supplier<Map<String, Long>> dropped, Supplier<KernelSnapshot> kernel) {
        this.maxPeers = maxPeers;
        this.totals = new PeerTotals(maxPeers);
        this.openHttpConnections = new OpenHttpConnections(maxPeers);
        this.open = open;
        closed = meter.counterBuilder("connscope.connection.closed").setUnit("{connection}")
                .setDescription("TCP connections closed, by who closed first and why.").build();
        duration = meter.histogramBuilder("connscope.connection.duration").setUnit("s")
                .setDescription("How long TCP connections were open, from connect start (or accept) to close.")
                .setExplicitBucketBoundariesAdvice(boxed(DURATION_BUCKETS_S)).build();
        httpClientDuration = meter.histogramBuilder("http.client.connection.duration").setUnit("s")
                .setDescription("The duration of the successfully established outbound HTTP connections.")
                .setExplicitBucketBoundariesAdvice(boxed(DURATION_BUCKETS_S)).build();
        requests = meter.histogramBuilder("connscope.connection.requests").ofLongs().setUnit("{request}")
                .setDescription("HTTP requests each connection carried.")
                .setExplicitBucketBoundariesAdvice(boxedLongs(REQUEST_BUCKETS)).build();
        h2GoAways = meter.counterBuilder("connscope.http2.goaways").setUnit("{goaway}")
                .setDescription("HTTP/2 GOAWAY frames, by sender and error code; counted when the connection closes.")
                .build();
        h2Resets = meter.counterBuilder("connscope.http2.stream_resets").setUnit("{stream}")
                .setDescription("HTTP/2 RST_STREAM frames, by sender and error code; counted when the connection closes.")
                .build();
        h2Pings = meter.counterBuilder("connscope.http2.pings").setUnit("{ping}")
                .setDescription("HTTP/2 PINGs (not their ACKs), by sender and whether they were acknowledged; "
                        + "counted when the connection closes.").build();
        h2PingRtt = meter.histogramBuilder("connscope.http2.ping.rtt").setUnit("s")
                .setDescription("The average round trip of this side's HTTP/2 PINGs, one per connection with answered PINGs.")
                .setExplicitBucketBoundariesAdvice(boxed(RTT_BUCKETS_S)).build();
        h2Streams = meter.histogramBuilder("connscope.http2.streams").ofLongs().setUnit("{stream}")
                .setDescription("HTTP/2 streams each connection carried, by the side that opened them.")
                .setExplicitBucketBoundariesAdvice(boxedLongs(REQUEST_BUCKETS)).build();

        ObservableLongMeasurement opened = meter.counterBuilder("connscope.connection.opened").setUnit("{connection}")
                .setDescription("TCP connections opened (outcome success) or that failed to connect (failure).")
                .buildObserver();
        ObservableLongMeasurement httpRequests = meter.counterBuilder("connscope.http.requests").setUnit("{request}")
                .setDescription("HTTP requests, by whether they ran on a reused connection; reuse ratio = reused / all.")
                .buildObserver();
        ObservableLongMeasurement bytes = meter.counterBuilder("connscope.connection.bytes").setUnit("By")
                .setDescription("Bytes sent (transmit) and received (receive) on TCP connections.").buildObserver();
        ObservableLongMeasurement keepAlive = meter.counterBuilder("connscope.connection.keepalive").setUnit("{connection}")
                .setDescription("Opened TCP connections by whether SO_KEEPALIVE is on.").buildObserver();
        ObservableLongMeasurement openHttp = meter.upDownCounterBuilder("http.client.open_connections")
                .setUnit("{connection}").setDescription("Outbound HTTP connections open now, active or idle in a pool.")
                .buildObserver();
        meter.batchCallback(() -> observe(opened, httpRequests, bytes, keepAlive, openHttp),
                opened, httpRequests, bytes, keepAlive, openHttp);

        ObservableLongMeasurement timeWait = meter.gaugeBuilder("connscope.kernel.time_wait").ofLongs()
                .setUnit("{socket}").setDescription("TIME_WAIT sockets of this JVM's connections to or from the peer (/proc).")
                .buildObserver();
        ObservableLongMeasurement portsInUse = meter.gaugeBuilder("connscope.kernel.ports_in_use").ofLongs()
                .setUnit("{port}").setDescription("Local ports this JVM holds for an outbound peer: open connections "
                        + "plus TIME_WAIT sockets (/proc).").buildObserver();
        ObservableDoubleMeasurement portUsage = meter.gaugeBuilder("connscope.kernel.port_usage").setUnit("1")
                .setDescription("Share of the ephemeral port range (ip_local_port_range) an outbound peer's connections "
                        + "and TIME_WAIT sockets take.").buildObserver();
        ObservableLongMeasurement ephemeralPorts = meter.gaugeBuilder("connscope.kernel.ephemeral_ports").ofLongs()
                .setUnit("{port}").setDescription("Size of the ephemeral port range (ip_local_port_range), with "
                        + "tcp_tw_reuse.").buildObserver();
        ObservableLongMeasurement unanswered = meter.gaugeBuilder("connscope.kernel.keepalive.unanswered").ofLongs()
                .setUnit("{connection}").setDescription("Open connections whose keep-alive probes go unanswered now "
                        + "(/proc: keep-alive timer with probes out).").buildObserver();
        meter.batchCallback(() -> observeKernel(kernel.get(), timeWait, portsInUse, portUsage, ephemeralPorts,
                unanswered), timeWait, portsInUse, portUsage, ephemeralPorts, unanswered);

        meter.counterBuilder("connscope.export.dropped").setUnit("{item}")
                .setDescription("What connscope could not report or export and dropped, by kind.")
                .buildWithCallback(m -> dropped.get().forEach((kind, n) -> m.record(n, Attributes.of(DROPPED_KIND, kind))));
    }

    /** Reporter thread: a connection finished. */
    void onFinished(ConnectionRecord r) {
        totals.addFinished(r);
        openHttpConnections.onFinished(r);
        if (r.state() == ConnectionState.FAILED) {
            return;
        }
        PeerTotals.Peer peer = PeerTotals.Peer.of(r);
        Attributes base = attributes(peer);
        String initiator = r.closeInitiator() == null ? "unknown" : r.closeInitiator().wireName();
        closed.add(1, base.toBuilder().put(CLOSE_INITIATOR, initiator)
                .put(CLOSE_REASON, r.closeReason() == null ? "none" : r.closeReason()).build());
        double seconds = r.durationMillis(System.nanoTime()) / 1000.0;
        duration.record(seconds, base);
        Integer n = r.requests();
        if (n != null) {
            requests.record(n, base);
        }
        if (r.direction() == Direction.OUTBOUND && r.isHttp()) {
            httpClientDuration.record(seconds, Attributes.of(SERVER_ADDRESS, peer.serverAddress,
                    SERVER_PORT, (long) peer.serverPort));
        }
        Http2Summary h2 = r.http2();
        if (h2 != null) {
            recordHttp2(h2, base);
        }
    }

    private void recordHttp2(Http2Summary h2, Attributes base) {
        for (Http2Summary.GoAway g : h2.goAways) {
            h2GoAways.add(1, base.toBuilder().put(H2_SENDER, g.from).put(H2_ERROR_CODE, g.error).build());
        }
        if (h2.goAwayCount > h2.goAways.size()) {
            h2GoAways.add(h2.goAwayCount - h2.goAways.size(),
                    base.toBuilder().put(H2_SENDER, "unknown").put(H2_ERROR_CODE, "unknown").build());
        }
        h2.clientResets.forEach((code, n) -> h2Resets.add(n, base.toBuilder().put(H2_SENDER, "client")
                .put(H2_ERROR_CODE, code).build()));
        h2.serverResets.forEach((code, n) -> h2Resets.add(n, base.toBuilder().put(H2_SENDER, "server")
                .put(H2_ERROR_CODE, code).build()));
        pings(h2.clientPings, "client", base);
        pings(h2.serverPings, "server", base);
        if (h2.rttCount > 0) {
            h2PingRtt.record(h2.rttAvgMillis / 1000.0, base);
        }
        h2Streams.record(h2.clientStreams, with(base, H2_SENDER, "client"));
        if (h2.serverStreams > 0) {
            h2Streams.record(h2.serverStreams, with(base, H2_SENDER, "server"));
        }
    }

    private void pings(Http2Summary.Pings p, String sender, Attributes base) {
        if (p.acked > 0) {
            h2Pings.add(p.acked, base.toBuilder().put(H2_SENDER, sender).put(H2_PING_ACKED, true).build());
        }
        if (p.sent > p.acked) {
            h2Pings.add(p.sent - p.acked, base.toBuilder().put(H2_SENDER, sender).put(H2_PING_ACKED, false).build());
        }
    }

    private void observe(ObservableLongMeasurement opened, ObservableLongMeasurement httpRequests,
                         ObservableLongMeasurement bytes, ObservableLongMeasurement keepAlive,
                         ObservableLongMeasurement openHttp) {
        List<ConnectionRecord> now = open.get();
        Map<PeerTotals.Peer, long[]> snapshot = totals.snapshot(now);
        snapshot.forEach((peer, c) -> {
            Attributes base = attributes(peer);
            if (c[PeerTotals.OPENED] > 0) {
                opened.record(c[PeerTotals.OPENED], with(base, OUTCOME, "success"));
            }
            if (c[PeerTotals.FAILED] > 0) {
                opened.record(c[PeerTotals.FAILED], with(base, OUTCOME, "failure"));
            }
            if (c[PeerTotals.REQUESTS_NEW] + c[PeerTotals.REQUESTS_REUSED] > 0) {
                httpRequests.record(c[PeerTotals.REQUESTS_NEW], base.toBuilder().put(REUSED, false).build());
                httpRequests.record(c[PeerTotals.REQUESTS_REUSED], base.toBuilder().put(REUSED, true).build());
            }
            if (c[PeerTotals.OPENED] > 0) {
                bytes.record(c[PeerTotals.BYTES_SENT], with(base, NETWORK_IO_DIRECTION, "transmit"));
                bytes.record(c[PeerTotals.BYTES_RECEIVED], with(base, NETWORK_IO_DIRECTION, "receive"));
                keepAlive.record(c[PeerTotals.KEEPALIVE_ON], base.toBuilder().put(KEEPALIVE_ENABLED, true).build());
                keepAlive.record(c[PeerTotals.KEEPALIVE_OFF], base.toBuilder().put(KEEPALIVE_ENABLED, false).build());
            }
        });
        // Open HTTP client connections, per server and state: idle when their pool holds them idle; 0 and 0 for a
        // server whose connections have all closed.
        openHttpConnections.count(now).forEach((server, c) -> {
            Attributes attributes = Attributes.of(SERVER_ADDRESS, server.serverAddress, SERVER_PORT, (long) server.serverPort);
            openHttp.record(c[OpenHttpConnections.IDLE], with(attributes, HTTP_CONNECTION_STATE, "idle"));
            openHttp.record(c[OpenHttpConnections.ACTIVE], with(attributes, HTTP_CONNECTION_STATE, "active"));
        });
    }

    private void observeKernel(KernelSnapshot view, ObservableLongMeasurement timeWait,
                               ObservableLongMeasurement portsInUse, ObservableDoubleMeasurement portUsage,
                               ObservableLongMeasurement ephemeralPorts, ObservableLongMeasurement unanswered) {
        if (view == null) {
            return;
        }
        if (view.ephemeralPorts() > 0) {
            ephemeralPorts.record(view.ephemeralPorts(), Attributes.of(PORT_RANGE,
                    view.portRangeLow + "-" + view.portRangeHigh, TCP_TW_REUSE, (long) view.twReuse));
        }
        view.peers.forEach((kernelPeer, c) -> {
            Attributes base = attributes(new PeerTotals.Peer(kernelPeer.direction, kernelPeer.serverAddress,
                    kernelPeer.serverPort, false));
            timeWait.record(c.timeWait, base);
            unanswered.record(c.unansweredProbes, base);
            double usage = view.portUsage(kernelPeer, c);
            if (usage >= 0) {
                portsInUse.record(c.portsInUse(), base);
                portUsage.record(usage, base);
            }
        });
    }

    private Attributes attributes(PeerTotals.Peer peer) {
        Attributes known = peerAttributes.get(peer);
        if (known != null) {
            return known;
        }
        if (peerAttributes.size() >= maxPeers) {
            peer = new PeerTotals.Peer(peer.direction, "", 0, true);
        }
        return peerAttributes.computeIfAbsent(peer, p -> {
            AttributesBuilder b = Attributes.builder().put(DIRECTION, p.direction.wireName());
            if (p.overflow) {
                return b.put(OTEL_METRIC_OVERFLOW, true).build();
            }
            return b.put(SERVER_ADDRESS, p.serverAddress).put(SERVER_PORT, (long) p.serverPort).build();
        });
    }

    private static Attributes with(Attributes base, io.opentelemetry.api.common.AttributeKey<String> key, String value) {
        return base.toBuilder().put(key, value).build();
    }

    private static List<Double> boxed(double[] values) {
        Double[] boxed = new Double[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return Arrays.asList(boxed);
    }

    private static List<Long> boxedLongs(long[] values) {
        Long[] boxed = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return Arrays.asList(boxed);
    }
}
