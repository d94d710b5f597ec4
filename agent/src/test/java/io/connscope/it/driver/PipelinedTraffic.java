package io.connscope.it.driver;

import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP/1.1 pipelining: a raw client writes {@link #REQUESTS} requests in one write (GETs, HEADs, and POSTs with
 * bodies that themselves read like request lines; the last says {@code Connection: close}), then reads every
 * response to the end. Against the JDK HttpServer in this JVM (which counts what it served) and against nginx
 * (args: its port; it counts in its access log). Prints per peer
 * {@code RESULT <peer> local_port=<client port> served=<server's count> responses=<status lines the client read>}.
 */
public final class PipelinedTraffic {

    public static final int REQUESTS = 50;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");

    private PipelinedTraffic() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        AtomicInteger served = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            served.incrementAndGet();
            byte[] body = "ok".getBytes(StandardCharsets.ISO_8859_1);
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.setExecutor(Executors.newSingleThreadExecutor());
        server.start();
        try {
            run("jdk-server", server.getAddress().getPort(), served::get);
            int nginx = Integer.parseInt(args[0]);
            run("nginx", nginx, () -> -1);
        } finally {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }

    /** The requests, in one string: a client writes them with one call. */
    static String batch(int port) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= REQUESTS; i++) {
            String close = i == REQUESTS ? "Connection: close\r\n" : "";
            if (i % 5 == 0) {
                String body = "GET /not-a-request HTTP/1.1\r\n\r\n";
                b.append("POST /p").append(i).append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(port)
                        .append("\r\nContent-Length: ").append(body.length()).append("\r\n").append(close)
                        .append("\r\n").append(body);
            } else if (i % 7 == 0) {
                b.append("HEAD /h").append(i).append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(port).append("\r\n")
                        .append(close).append("\r\n");
            } else {
                b.append("GET /g").append(i).append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(port).append("\r\n")
                        .append(close).append("\r\n");
            }
        }
        return b.toString();
    }

    private static void run(String peer, int port, java.util.function.IntSupplier served) throws Exception {
        int responses = 0;
        int localPort;
        try (Socket s = new Socket(LOOPBACK, port)) {
            localPort = s.getLocalPort();
            OutputStream out = s.getOutputStream();
            out.write(batch(port).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all); // the last request asked for the close
            Matcher m = STATUS_LINE.matcher(all.toString(StandardCharsets.ISO_8859_1));
            while (m.find()) {
                responses++;
            }
        }
        System.out.println("RESULT " + peer + " local_port=" + localPort + " served=" + served.getAsInt()
                + " responses=" + responses);
    }
}
