package io.connscope.it.driver;

import brave.Span;
import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.B3Propagation;
import brave.propagation.TraceContext;
import brave.propagation.TraceContextOrSamplingFlags;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Requests traced by Brave (OpenZipkin's tracer): a CLIENT span per request, its context put on the request as B3
 * headers by Brave's own B3 propagation, from the JDK HttpClient (HTTP/1.1) to a JDK HttpServer, one per scenario:
 * <ul>
 *   <li>{@code b3-single}: the single {@code b3} header, 64-bit trace ids; one client, sampled, sampled, unsampled,
 *   sampled on its one connection, then a second client whose first request is unsampled and its second
 *   sampled;</li>
 *   <li>{@code b3-multi}: {@code X-B3-TraceId}, {@code X-B3-SpanId}, {@code X-B3-Sampled}, 64-bit trace ids, the same
 *   requests;</li>
 *   <li>{@code b3-single-128}: the single header with 128-bit trace ids, two sampled requests.</li>
 * </ul>
 * Unsampled requests are Brave's decision ({@link TraceContextOrSamplingFlags#NOT_SAMPLED}). The server checks each
 * request carries its scenario's form and no other trace header (else the driver exits with 1). Brave reports to an
 * in-memory handler. Prints, per request, {@code REQ name=S port=P local_port=L trace_id=T span_id=S sampled=B} with
 * Brave's ids as Brave writes them (16 or 32 hex digits); per span Brave reported, {@code BRAVE_SPAN trace_id=T
 * span_id=S}; {@code SCENARIO name=S port=P requests=N}. Class path: Brave's jar.
 */
public final class BraveTraffic {

    /** The client port of each request, in order, as its server saw it. */
    private static final BlockingQueue<Integer> CLIENT_PORTS = new LinkedBlockingQueue<>();
    /** What the server found wrong with a request's trace headers; empty when all were as expected. */
    private static final BlockingQueue<String> PROBLEMS = new LinkedBlockingQueue<>();

    private BraveTraffic() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(60_000);
        boolean[] pattern = {true, true, false, true};
        boolean[] second = {false, true};
        scenario("b3-single", B3Propagation.Format.SINGLE, false, pattern, second);
        scenario("b3-multi", B3Propagation.Format.MULTI, false, pattern, second);
        scenario("b3-single-128", B3Propagation.Format.SINGLE, true, new boolean[] {true, true}, new boolean[0]);
        if (!PROBLEMS.isEmpty()) {
            System.out.println("PROBLEMS " + PROBLEMS);
            System.exit(1);
        }
        System.out.println("DONE");
        System.exit(0);
    }

    private static void scenario(String name, B3Propagation.Format format, boolean traceId128Bit, boolean[] first,
                                 boolean[] second) throws Exception {
        boolean single = format == B3Propagation.Format.SINGLE;
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", exchange -> {
            Headers h = exchange.getRequestHeaders();
            boolean ok = h.getFirst("traceparent") == null && (single
                    ? h.getFirst("b3") != null && h.getFirst("X-B3-TraceId") == null
                    : h.getFirst("b3") == null && h.getFirst("X-B3-TraceId") != null
                    && h.getFirst("X-B3-SpanId") != null && h.getFirst("X-B3-Sampled") != null);
            if (!ok) {
                PROBLEMS.add(name + ": " + h.entrySet());
            }
            PlainHttp.answerOk(exchange, CLIENT_PORTS);
        });
        server.start();
        int port = server.getAddress().getPort();
        SpanHandler reported = new SpanHandler() {
            @Override
            public boolean end(TraceContext context, MutableSpan span, Cause cause) {
                if (cause == Cause.FINISHED) {
                    System.out.println("BRAVE_SPAN name=" + name + " trace_id=" + context.traceIdString()
                            + " span_id=" + context.spanIdString());
                }
                return true;
            }
        };
        try (Tracing tracing = Tracing.newBuilder().localServiceName("brave-app").traceId128Bit(traceId128Bit)
                .propagationFactory(B3Propagation.newFactoryBuilder().injectFormat(format).build())
                .addSpanHandler(reported).build()) {
            TraceContext.Injector<HttpRequest.Builder> injector =
                    tracing.propagation().injector(HttpRequest.Builder::header);
            int requests = 0;
            for (boolean[] client : new boolean[][] {first, second}) {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                for (boolean sampled : client) {
                    Span span = tracing.tracer().nextSpan(sampled ? TraceContextOrSamplingFlags.SAMPLED
                            : TraceContextOrSamplingFlags.NOT_SAMPLED).kind(Span.Kind.CLIENT).name("GET").start();
                    try {
                        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + "/x")).timeout(Duration.ofSeconds(20));
                        injector.inject(span.context(), request);
                        HttpResponse<String> response = http.send(request.build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200) {
                            throw new IllegalStateException("status " + response.statusCode());
                        }
                    } finally {
                        span.finish();
                    }
                    TraceContext c = span.context();
                    System.out.println("REQ name=" + name + " port=" + port + " local_port="
                            + CLIENT_PORTS.poll(20, TimeUnit.SECONDS) + " trace_id=" + c.traceIdString()
                            + " span_id=" + c.spanIdString() + " sampled=" + Boolean.TRUE.equals(c.sampled()));
                    requests++;
                }
            }
            System.out.println("SCENARIO name=" + name + " port=" + port + " requests=" + requests);
        }
        // The server stops: its connections close, and so their spans end.
        server.stop(0);
    }
}
