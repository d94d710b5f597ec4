package io.connscope.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The NIO server workload: the JDK's own HTTP server ({@code com.sun.net.httpserver}, a selector thread and a pool
 * of 8 handler threads) answering "Hello there!" on 127.0.0.1. Unlike the demo's plain-socket server, the
 * OpenTelemetry agent instruments this one (a server span per request), so both agents do their work here; and it
 * is the channel path (accept, read, write, close through {@code SocketChannel}) that most production servers take.
 * Prints {@code serving http://127.0.0.1:PORT/} once it accepts.
 */
public final class JdkHttpHello {
    public static void main(String[] args) throws IOException {
        // Its default leaves Nagle's algorithm on: head and body go out as two writes, and every kept-alive
        // response then waits for the client's delayed ACK (about 200 requests a second).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        byte[] body = "Hello there!".getBytes(StandardCharsets.US_ASCII);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        System.out.println("serving http://127.0.0.1:" + server.getAddress().getPort() + "/");
        System.out.flush();
    }
}
