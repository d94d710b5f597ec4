package io.connscope.it.otel;

import com.sun.net.httpserver.HttpServer;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * A real OTLP receiver on loopback for the tests: OTLP/HTTP (protobuf, {@code /v1/traces} and {@code /v1/metrics},
 * gzip or not) on the JDK's HttpServer and OTLP/gRPC on grpc-java, both decoding with the official
 * opentelemetry-proto classes. What it received is kept as the protobuf messages.
 */
public final class OtlpReceiver implements AutoCloseable {

    public enum Protocol { HTTP, GRPC }

    private final List<ResourceSpans> spans = new CopyOnWriteArrayList<>();
    private final List<ResourceMetrics> metrics = new CopyOnWriteArrayList<>();
    /** Values of the {@code x-connscope-test} request header, as OTEL_EXPORTER_OTLP_HEADERS sets it (HTTP only). */
    private final List<String> testHeaders = new CopyOnWriteArrayList<>();
    private final HttpServer http;
    private final Server grpc;
    private final Protocol protocol;
    /** How long each OTLP/HTTP request waits before it is taken and answered: a slow collector. */
    private final long delayMillis;

    private OtlpReceiver(Protocol protocol, int port, long delayMillis, javax.net.ssl.SSLContext tls) throws IOException {
        this.protocol = protocol;
        this.delayMillis = delayMillis;
        if (protocol == Protocol.HTTP) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            if (tls != null) {
                com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(address, 16);
                https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
                http = https;
            } else {
                http = HttpServer.create(address, 16);
            }
            http.setExecutor(Executors.newFixedThreadPool(2));
            http.createContext("/v1/traces", exchange -> {
                delay();
                String header = exchange.getRequestHeaders().getFirst("x-connscope-test");
                if (header != null) {
                    testHeaders.add(header);
                }
                spans.addAll(ExportTraceServiceRequest.parseFrom(body(exchange)).getResourceSpansList());
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, 0);
                exchange.close();
            });
            http.createContext("/v1/metrics", exchange -> {
                delay();
                metrics.addAll(ExportMetricsServiceRequest.parseFrom(body(exchange)).getResourceMetricsList());
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, 0);
                exchange.close();
            });
            http.start();
            grpc = null;
        } else {
            grpc = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                    .addService(service("opentelemetry.proto.collector.trace.v1.TraceService",
                            bytes -> spans.addAll(ExportTraceServiceRequest.parseFrom(bytes).getResourceSpansList())))
                    .addService(service("opentelemetry.proto.collector.metrics.v1.MetricsService",
                            bytes -> metrics.addAll(ExportMetricsServiceRequest.parseFrom(bytes).getResourceMetricsList())))
                    .build().start();
            http = null;
        }
    }

    public static OtlpReceiver start(Protocol protocol) throws IOException {
        return new OtlpReceiver(protocol, 0, 0, null);
    }

    /** A receiver on a given port: a collector that comes up after the agent has started. */
    public static OtlpReceiver start(Protocol protocol, int port) throws IOException {
        return new OtlpReceiver(protocol, port, 0, null);
    }

    /** A slow OTLP/HTTP collector: each request is taken and answered {@code delayMillis} after it arrives. */
    public static OtlpReceiver slow(long delayMillis) throws IOException {
        return new OtlpReceiver(Protocol.HTTP, 0, delayMillis, null);
    }

    private void delay() {
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** OTLP/HTTP over TLS with the server certificate of {@code tls}. */
    public static OtlpReceiver startHttps(javax.net.ssl.SSLContext tls) throws IOException {
        return new OtlpReceiver(Protocol.HTTP, 0, 0, tls);
    }

    public int port() {
        return http != null ? http.getAddress().getPort() : grpc.getPort();
    }

    /** The -D settings that point the agent's exporters here. */
    public List<String> agentSettings() {
        return List.of("-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + port(),
                "-Dotel.exporter.otlp.protocol=" + (protocol == Protocol.HTTP ? "http/protobuf" : "grpc"));
    }

    public List<Span> spans() {
        List<Span> all = new ArrayList<>();
        for (ResourceSpans rs : spans) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                all.addAll(ss.getSpansList());
            }
        }
        return all;
    }

    public List<String> testHeaders() {
        return testHeaders;
    }

    public List<ResourceSpans> resourceSpans() {
        return spans;
    }

    public List<ResourceMetrics> resourceMetrics() {
        return metrics;
    }

    /**
     * The last value received for each point of a sum metric, keyed by its attributes rendered sorted
     * ({@code k=v,k=v}): with cumulative temporality the last export holds the totals.
     */
    public Map<String, Long> lastSums(String metricName) {
        Map<String, Long> values = new TreeMap<>();
        for (ResourceMetrics rm : metrics) {
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    if (m.getName().equals(metricName) && m.hasSum()) {
                        for (NumberDataPoint p : m.getSum().getDataPointsList()) {
                            values.put(render(p.getAttributesList()), p.getAsInt());
                        }
                    }
                }
            }
        }
        return values;
    }

    /** The metric as last received, or null. */
    public Metric lastMetric(String metricName) {
        Metric last = null;
        for (ResourceMetrics rm : metrics) {
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    if (m.getName().equals(metricName)) {
                        last = m;
                    }
                }
            }
        }
        return last;
    }

    public static String render(List<KeyValue> attributes) {
        Map<String, String> sorted = new TreeMap<>();
        for (KeyValue kv : attributes) {
            sorted.put(kv.getKey(), value(kv.getValue()));
        }
        StringBuilder sb = new StringBuilder();
        sorted.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }

    public static String value(AnyValue v) {
        switch (v.getValueCase()) {
            case STRING_VALUE: return v.getStringValue();
            case BOOL_VALUE: return Boolean.toString(v.getBoolValue());
            case INT_VALUE: return Long.toString(v.getIntValue());
            case DOUBLE_VALUE: return Double.toString(v.getDoubleValue());
            default: return v.toString();
        }
    }

    /** An attribute of a span, resource or event as a string, or null. */
    public static String attribute(List<KeyValue> attributes, String key) {
        for (KeyValue kv : attributes) {
            if (kv.getKey().equals(key)) {
                return value(kv.getValue());
            }
        }
        return null;
    }

    public static String attribute(Resource resource, String key) {
        return attribute(resource.getAttributesList(), key);
    }

    private static byte[] body(com.sun.net.httpserver.HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            in = new GZIPInputStream(in);
        }
        return in.readAllBytes();
    }

    interface Sink {
        void accept(byte[] bytes) throws IOException;
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    /** A unary {@code Export} method that hands the request bytes to {@code sink} and answers an empty response. */
    private static ServerServiceDefinition service(String name, Sink sink) {
        MethodDescriptor<byte[], byte[]> export = MethodDescriptor.newBuilder(BYTES, BYTES)
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(name, "Export"))
                .build();
        return ServerServiceDefinition.builder(name)
                .addMethod(export, ServerCalls.asyncUnaryCall((request, response) -> {
                    try {
                        sink.accept(request);
                        response.onNext(new byte[0]);
                        response.onCompleted();
                    } catch (IOException e) {
                        response.onError(e);
                    }
                }))
                .build();
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop(0);
        }
        if (grpc != null) {
            grpc.shutdownNow();
        }
    }

    /**
     * A collector that accepts connections and never answers: its port, and the sockets it holds open until
     * closed. Exports to it can only time out.
     */
    public static final class BlackHole implements AutoCloseable {
        private final ServerSocket listener;
        private final List<Socket> held = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        public BlackHole() throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(listener.accept());
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "black-hole");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        public int port() {
            return listener.getLocalPort();
        }

        public int accepted() {
            return held.size();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
