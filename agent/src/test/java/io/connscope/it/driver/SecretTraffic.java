package io.connscope.it.driver;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 traffic full of things connscope must never record, each marked {@code SECRET}: in the request target
 * (path and query string), in request and response headers (Authorization, Cookie, Set-Cookie, tracestate, baggage,
 * custom ones) and in both bodies; beside them the Connection and Keep-Alive headers and a traceparent, which it
 * does record. Plain and over TLS (the JDK's SSLSocket), from a raw socket client and from HttpURLConnection. Args: a
 * PKCS12 keystore (changeit).
 */
public final class SecretTraffic {

    /** The trace context the raw clients' requests carry, which connscope does record (its ids). */
    public static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    public static final String SPAN_ID = "00f067aa0ba902b7";
    static final String TRACEPARENT = "00-" + TRACE_ID + "-" + SPAN_ID + "-01";
    static final String REQUEST = "POST /SECRET-path/account?token=SECRET-query&user=SECRET-user HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\nAuthorization: Bearer SECRET-authorization\r\nCookie: sid=SECRET-cookie\r\n"
            + "X-Api-Key: SECRET-api-key\r\ntraceparent: " + TRACEPARENT + "\r\n"
            + "tracestate: congo=SECRET-tracestate\r\n"
            + "Baggage: userId=SECRET-baggage\r\nConnection: keep-alive\r\nKeep-Alive: timeout=15\r\n";
    static final String REQUEST_BODY = "password=SECRET-request-body";
    static final String RESPONSE_BODY = "{\"balance\":\"SECRET-response-body\"}";

    private SecretTraffic() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        SSLContext tls = KeepAliveServer.tls(args[0]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket plain = new ServerSocket(0, 50, loopback);
             ServerSocket secure = tls.getServerSocketFactory().createServerSocket(0, 50, loopback)) {
            PlainHttp.serve(plain, SecretTraffic::answer);
            PlainHttp.serve(secure, SecretTraffic::answer);
            try (Socket s = new Socket(loopback, plain.getLocalPort())) {
                exchange(s, 2);
            }
            try (Socket s = tls.getSocketFactory().createSocket(loopback, secure.getLocalPort())) {
                exchange(s, 2);
            }
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + plain.getLocalPort()
                    + "/SECRET-path/account?token=SECRET-query").openConnection();
            c.setRequestProperty("Authorization", "Bearer SECRET-authorization");
            c.setRequestProperty("Cookie", "sid=SECRET-cookie");
            c.setRequestProperty("tracestate", "congo=SECRET-tracestate");
            c.setRequestProperty("baggage", "userId=SECRET-baggage");
            c.setConnectTimeout(10_000);
            c.setReadTimeout(10_000);
            c.setDoOutput(true);
            try (OutputStream out = c.getOutputStream()) {
                out.write(REQUEST_BODY.getBytes(StandardCharsets.US_ASCII));
            }
            try (InputStream in = c.getInputStream()) {
                if (!new String(in.readAllBytes(), StandardCharsets.US_ASCII).equals(RESPONSE_BODY)) {
                    throw new IllegalStateException("unexpected body");
                }
            }
            c.disconnect();
            System.out.println("RESULT name=secrets plain_port=" + plain.getLocalPort() + " tls_port="
                    + secure.getLocalPort());
        }
        System.out.println("DONE");
        System.exit(0);
    }

    private static void exchange(Socket s, int requests) throws IOException {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        for (int i = 0; i < requests; i++) {
            out.write((REQUEST + "Content-Length: " + REQUEST_BODY.length() + "\r\n\r\n" + REQUEST_BODY)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int length = contentLength(PlainHttp.readHead(in));
            if (!new String(in.readNBytes(length), StandardCharsets.US_ASCII).equals(RESPONSE_BODY)) {
                throw new IllegalStateException("unexpected body");
            }
        }
    }

    private static void answer(Socket s) {
        try (s) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = PlainHttp.readHead(in);
                if (head == null) {
                    return;
                }
                in.readNBytes(contentLength(head));
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                        + RESPONSE_BODY.length() + "\r\nSet-Cookie: sid=SECRET-set-cookie; HttpOnly\r\n"
                        + "X-Request-Id: SECRET-response-header\r\nConnection: keep-alive\r\n"
                        + "Keep-Alive: timeout=30, max=100\r\n\r\n" + RESPONSE_BODY).getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException e) {
            // The client went away.
        }
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return 0;
    }
}
