package io.connscope.agent.core.http;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trace context of HTTP/1.x requests, read from their heads by {@link HttpConnectionTracker}. */
class HttpTraceContextTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";
    private static final String RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

    private final List<HttpExchange> exchanges = new ArrayList<>();
    private HttpConnectionTracker tracker = new HttpConnectionTracker(exchanges::add);

    private static String describe(HttpExchange e) {
        return "trace=" + e.traceId + " span=" + e.spanId + " sampled=" + e.sampled + " connection="
                + e.requestConnection;
    }

    /** One exchange (the request fed in pieces of {@code size}, also cut at {@code cut}), as {@link #describe}. */
    private String exchange(String request, int size, int cut) {
        exchanges.clear();
        tracker = new HttpConnectionTracker(exchanges::add);
        byte[] b = request.getBytes(StandardCharsets.ISO_8859_1);
        int i = 0;
        while (i < b.length) {
            int n = Math.min(size, b.length - i);
            if (cut > i && cut < i + n) {
                n = cut - i;
            }
            tracker.onRequestBytes(ByteSource.of(b), i, n, 1_000_000_000L);
            i += n;
        }
        byte[] r = RESPONSE.getBytes(StandardCharsets.ISO_8859_1);
        tracker.onResponseBytes(ByteSource.of(r), 0, r.length);
        assertEquals(1, exchanges.size());
        return describe(exchanges.get(0));
    }

    @Test
    void traceHeadersAreReadInAnyCaseAndWhereverTheReadsSplitThem() {
        String[][] requestsAndContexts = {
            {"GET /a HTTP/1.1\r\nHost: x\r\ntraceparent: 00-" + TRACE + "-" + SPAN + "-01\r\n"
                    + "tracestate: rojo=SECRET1\r\nbaggage: user=SECRET2\r\nConnection: keep-alive\r\n\r\n",
                "trace=" + TRACE + " span=" + SPAN + " sampled=true connection=keep-alive"},
            {"POST /b HTTP/1.1\r\nTraceParent:00-" + TRACE + "-" + SPAN + "-00   \r\nTRANSFER-ENCODING: chunked\r\n"
                    + "Tracestate: x\r\nTRACEPARENTS: 00-11111111111111111111111111111111-" + SPAN + "-01\r\n\r\n",
                "trace=" + TRACE + " span=" + SPAN + " sampled=false connection=null"},
            {"GET / HTTP/1.1\r\nB3: a3ce929d0e0e4736-" + SPAN + "-d-05e3ac9a4f6e3b90\r\nb3x: 1\r\nb: 2\r\n"
                    + "bAgGaGe: SECRET\r\n\r\n",
                "trace=0000000000000000a3ce929d0e0e4736 span=" + SPAN + " sampled=true connection=null"},
            {"GET / HTTP/1.1\nX-B3-TraceId: " + TRACE + "\nx-forwarded-for: 10.0.0.1\nX-B3-ParentSpanId: "
                    + "05e3ac9a4f6e3b90\nx-b3-SPANID:\t" + SPAN + "\nX-B3-Sampled: 1\nX-Request-Id: r\n\n",
                "trace=" + TRACE + " span=" + SPAN + " sampled=true connection=null"},
            {"GET / HTTP/1.1\r\nX-B3-Flags: 1\r\nx-b3-sampled: 0\r\nConnection: close\r\n\r\n",
                "trace=null span=null sampled=true connection=close"},
            {"GET / HTTP/1.1\r\nHost: x\r\nTracestate: a=b\r\nBaggage: c=d\r\n\r\n",
                "trace=null span=null sampled=null connection=null"},
        };
        for (String[] c : requestsAndContexts) {
            String request = c[0];
            assertEquals(c[1], exchange(request, Integer.MAX_VALUE, -1), request);
            assertEquals(c[1], exchange(request, 1, -1), "one byte at a time: " + request);
            for (int at = 1; at < request.length(); at++) {
                assertEquals(c[1], exchange(request, Integer.MAX_VALUE, at), "split at " + at + ": " + request);
            }
        }
    }

    @Test
    void malformedTraceHeadersAreIgnoredAndCountedPerConnection() {
        String[] requests = {
            "GET / HTTP/1.1\r\ntraceparent: 00-" + TRACE.toUpperCase() + "-" + SPAN + "-01\r\n\r\n",
            "GET / HTTP/1.1\r\ntraceparent: 00-" + TRACE + "-" + SPAN + "-01\r\nb3: nonsense\r\n\r\n",
            "GET / HTTP/1.1\r\nX-B3-TraceId: " + TRACE + "\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: y\r\n\r\n",
        };
        byte[] response = RESPONSE.getBytes(StandardCharsets.ISO_8859_1);
        for (String request : requests) {
            byte[] b = request.getBytes(StandardCharsets.ISO_8859_1);
            tracker.onRequestBytes(ByteSource.of(b), 0, b.length, 1_000_000_000L);
            tracker.onResponseBytes(ByteSource.of(response), 0, response.length);
        }
        assertEquals(4, exchanges.size());
        assertNull(exchanges.get(0).traceId, "a malformed traceparent names no trace");
        assertEquals(TRACE, exchanges.get(1).traceId, "the valid traceparent, beside a malformed b3");
        assertNull(exchanges.get(2).traceId, "a trace id without a span id");
        assertNull(exchanges.get(3).traceId, "the next request starts afresh");
        assertNull(exchanges.get(3).sampled);
        assertEquals(3, tracker.traceContextMalformed());
    }

    @Test
    void aResponsesTraceHeadersAreNotRead() {
        String request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        String response = "HTTP/1.1 200 OK\r\ntraceparent: 00-" + TRACE + "-" + SPAN + "-01\r\nb3: 0\r\n"
                + "Content-Length: 0\r\n\r\n";
        byte[] q = request.getBytes(StandardCharsets.ISO_8859_1);
        byte[] r = response.getBytes(StandardCharsets.ISO_8859_1);
        tracker.onRequestBytes(ByteSource.of(q), 0, q.length, 1_000_000_000L);
        tracker.onResponseBytes(ByteSource.of(r), 0, r.length);
        assertEquals("trace=null span=null sampled=null connection=null", describe(exchanges.get(0)));
    }

    @Test
    void readingTraceHeadersAllocatesNothingWithoutAListener() {
        String request = "GET /a HTTP/1.1\r\nHost: x\r\ntraceparent: 00-" + TRACE + "-" + SPAN + "-01\r\n"
                + "tracestate: a=b\r\nb3: " + TRACE + "-" + SPAN + "\r\nX-B3-TraceId: bad\r\n\r\n";
        byte[] q = request.getBytes(StandardCharsets.ISO_8859_1);
        byte[] r = RESPONSE.getBytes(StandardCharsets.ISO_8859_1);
        HttpConnectionTracker quiet = new HttpConnectionTracker(null);
        ByteSource qs = ByteSource.of(q);
        ByteSource rs = ByteSource.of(r);
        int half = q.length / 2;
        for (int i = 0; i < 20_000; i++) {
            quiet.onRequestBytes(qs, 0, half, i);
            quiet.onRequestBytes(qs, half, q.length - half, i);
            quiet.onResponseBytes(rs, 0, r.length);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            quiet.onRequestBytes(qs, 0, half, i);
            quiet.onRequestBytes(qs, half, q.length - half, i);
            quiet.onResponseBytes(rs, 0, r.length);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(120_000, quiet.traceContextMalformed(), "X-B3-TraceId: bad, in each request");
        assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 100,000 requests");
    }
}
