package io.connscope.it.driver;

import com.sun.net.httpserver.HttpServer;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP/1.1 requests that carry trace context, with generated ids, over one connection per scenario, to servers in
 * this JVM (so connscope sees each request twice: outbound and inbound):
 * <ul>
 *   <li>{@code plain} and {@code tls}: a raw socket client (plain, and the JDK's SSLSocket) sending every form:
 *   {@code traceparent} (sampled, not, a later version, names in any case), {@code b3} (32 and 16 hex digits, debug,
 *   a lone {@code 0}), {@code X-B3-*}, malformed ones (uppercase hex, all-zero ids, version {@code ff}, a lone
 *   trace id), a head written a few bytes at a time, and beside them {@code tracestate} and {@code baggage} holding
 *   {@code SECRET} values, which connscope must never record;</li>
 *   <li>{@code httpclient}: the JDK HttpClient (HTTP/1.1) to the JDK HttpServer.</li>
 * </ul>
 * Prints its ground truth: {@code TRACE name=S port=P index=I trace_id=T span_id=S sampled=B} per request ({@code
 * null} where the request carries none), {@code SCENARIO name=S port=P requests=N malformed=M} per scenario. Args: a
 * PKCS12 keystore (changeit).
 */
public final class TraceContextTraffic {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** One request's trace headers and the trace context connscope must find in them. */
    static final class Request {
        final String headers;
        final String traceId;
        final String spanId;
        final Boolean sampled;
        final int malformed;

        Request(String headers, String traceId, String spanId, Boolean sampled, int malformed) {
            this.headers = headers;
            this.traceId = traceId;
            this.spanId = spanId;
            this.sampled = sampled;
            this.malformed = malformed;
        }
    }

    private TraceContextTraffic() {
    }

    static String hex(int digits) {
        StringBuilder sb = new StringBuilder(digits);
        while (sb.length() < digits) {
            sb.append(Character.forDigit(RANDOM.nextInt(16), 16));
        }
        if (sb.chars().allMatch(c -> c == '0')) {
            sb.setCharAt(digits - 1, '1'); // never all zeros, an invalid id
        }
        return sb.toString();
    }

    /** Every form, valid and not, with fresh ids; as HTTP/1.x header lines (each ending in CRLF). */
    static List<Request> requests() {
        List<Request> list = new ArrayList<>();
        String secrets = "tracestate: congo=SECRET-tracestate,rojo=SECRET-vendor\r\nbaggage: userId=SECRET-baggage\r\n";
        String t = hex(32);
        String s = hex(16);
        list.add(new Request("traceparent: 00-" + t + "-" + s + "-01\r\n" + secrets, t, s, true, 0));
        t = hex(32);
        s = hex(16);
        list.add(new Request("TraceParent: 00-" + t + "-" + s + "-00\r\nBaggage: SECRET-baggage-only\r\n", t, s,
                false, 0));
        t = hex(32);
        s = hex(16);
        list.add(new Request("b3: " + t + "-" + s + "-1-" + hex(16) + "\r\n" + secrets, t, s, true, 0));
        String t16 = hex(16);
        s = hex(16);
        list.add(new Request("B3: " + t16 + "-" + s + "-d\r\n", "0000000000000000" + t16, s, true, 0));
        list.add(new Request("b3: 0\r\n", null, null, false, 0));
        t = hex(32);
        s = hex(16);
        list.add(new Request("X-B3-TraceId: " + t + "\r\nx-b3-spanid: " + s + "\r\nX-B3-ParentSpanId: " + hex(16)
                + "\r\nX-B3-Sampled: 0\r\n", t, s, false, 0));
        t16 = hex(16);
        s = hex(16);
        list.add(new Request("x-b3-traceid: " + t16 + "\r\nX-B3-SPANID: " + s + "\r\nX-B3-Flags: 1\r\n",
                "0000000000000000" + t16, s, true, 0));
        // A later version: its first 55 characters.
        t = hex(32);
        s = hex(16);
        list.add(new Request("traceparent: 42-" + t + "-" + s + "-01-future-SECRET-field\r\n", t, s, true, 0));
        // Malformed: ignored and counted; the next header in line decides.
        list.add(new Request("traceparent: 00-" + hex(32).toUpperCase(Locale.ROOT) + "-" + hex(16) + "-01\r\n"
                + secrets, null, null, null, 1));
        t = hex(32);
        s = hex(16);
        list.add(new Request("traceparent: 00-" + "0".repeat(32) + "-" + hex(16) + "-01\r\nb3: " + t + "-" + s
                + "\r\n", t, s, null, 1));
        list.add(new Request("traceparent: ff-" + hex(32) + "-" + hex(16) + "-01\r\n", null, null, null, 1));
        list.add(new Request("X-B3-TraceId: " + hex(32) + "\r\n", null, null, null, 1));
        list.add(new Request("traceparent: 00-" + hex(32) + "-" + hex(16) + "-01; SECRET-junk\r\n", null, null, null,
                1));
        // None at all, only what must never be read.
        list.add(new Request(secrets, null, null, null, 0));
        return list;
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        SSLContext tls = KeepAliveServer.tls(args[0]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket plain = new ServerSocket(0, 50, loopback);
             ServerSocket secure = tls.getServerSocketFactory().createServerSocket(0, 50, loopback)) {
            PlainHttp.serve(plain, TraceContextTraffic::answer);
            PlainHttp.serve(secure, TraceContextTraffic::answer);
            try (Socket socket = new Socket(loopback, plain.getLocalPort())) {
                exchange("plain", plain.getLocalPort(), socket, requests());
            }
            try (Socket socket = tls.getSocketFactory().createSocket(loopback, secure.getLocalPort())) {
                exchange("tls", secure.getLocalPort(), socket, requests());
            }
        }
        httpClient();
        System.out.println("DONE");
        System.exit(0);
    }

    /** Each request on one connection, in order; one of them written a few bytes at a time. */
    private static void exchange(String name, int port, Socket socket, List<Request> requests) throws IOException {
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        int malformed = 0;
        for (int i = 0; i < requests.size(); i++) {
            Request r = requests.get(i);
            byte[] head = ("GET /SECRET-path?q=SECRET-query HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: 10.0.0.1\r\n"
                    + r.headers + "Transfer-Encoding: identity\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            if (i == 0 || i == 2) {
                // Separate writes of 5 bytes: the head (and the trace header) arrives in pieces.
                for (int k = 0; k < head.length; k += 5) {
                    out.write(head, k, Math.min(5, head.length - k));
                    out.flush();
                }
            } else {
                out.write(head);
                out.flush();
            }
            PlainHttp.readHead(in);
            malformed += r.malformed;
            printTruth(name, port, i + 1, r);
        }
        System.out.println("SCENARIO name=" + name + " port=" + port + " requests=" + requests.size() + " malformed="
                + malformed);
    }

    static void printTruth(String name, int port, int index, Request r) {
        System.out.println("TRACE name=" + name + " port=" + port + " index=" + index + " trace_id=" + r.traceId
                + " span_id=" + r.spanId + " sampled=" + r.sampled);
    }

    /** The JDK HttpClient over HTTP/1.1 to the JDK HttpServer, one pooled connection, three forms. */
    private static void httpClient() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        int port = server.getAddress().getPort();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        String t1 = hex(32);
        String s1 = hex(16);
        String t2 = hex(32);
        String s2 = hex(16);
        String t3 = hex(32);
        String s3 = hex(16);
        String[][] headers = {
            {"traceparent", "00-" + t1 + "-" + s1 + "-01", "tracestate", "congo=SECRET-tracestate", "baggage",
                "userId=SECRET-baggage"},
            {"b3", t2 + "-" + s2 + "-0"},
            {"X-B3-TraceId", t3, "X-B3-SpanId", s3, "X-B3-Sampled", "1"},
        };
        Request[] truth = {
            new Request(null, t1, s1, true, 0), new Request(null, t2, s2, false, 0), new Request(null, t3, s3, true, 0),
        };
        for (int i = 0; i < headers.length; i++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x"))
                    .timeout(Duration.ofSeconds(10));
            for (int k = 0; k < headers[i].length; k += 2) {
                b.header(headers[i][k], headers[i][k + 1]);
            }
            HttpResponse<Void> response = client.send(b.build(), HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("status " + response.statusCode());
            }
            printTruth("httpclient", port, i + 1, truth[i]);
        }
        System.out.println("SCENARIO name=httpclient port=" + port + " requests=3 malformed=0");
        server.stop(0);
    }

    private static void answer(Socket s) {
        try (s) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (PlainHttp.readHead(in) != null) {
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException e) {
            // The client went away.
        }
    }
}
