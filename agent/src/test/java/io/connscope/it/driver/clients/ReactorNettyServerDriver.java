package io.connscope.it.driver.clients;

import io.connscope.it.driver.Watchdog;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A Reactor Netty {@link HttpServer} on its default transport (epoll, with the native jar), and a plain
 * {@link Socket} client that counts for itself: 3 requests on one connection, after which it shuts its output and
 * reads the server's close (the client closed first); then a request with {@code Connection: close} on a second
 * connection, which the server answers and closes (the server closed first). Prints
 * {@code RESULT transport=CHANNEL_CLASS} per accepted connection and
 * {@code RESULT scenario=server server_port=P connections=2 requests=4}.
 */
public final class ReactorNettyServerDriver {

    private ReactorNettyServerDriver() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
                .doOnConnection(c -> System.out.println("RESULT transport=" + c.channel().getClass().getSimpleName()))
                .handle((request, response) -> response.header("Content-Length", "12").sendString(Mono.just("Hello there!")))
                .bindNow();
        int requests = 0;
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            for (int i = 0; i < 3; i++) {
                exchange(s, "");
                requests++;
            }
            s.shutdownOutput();
            if (s.getInputStream().read() != -1) {
                throw new IllegalStateException("bytes after the last response");
            }
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            exchange(s, "Connection: close\r\n");
            requests++;
            if (s.getInputStream().read() != -1) {
                throw new IllegalStateException("the server kept the connection");
            }
        }
        server.disposeNow();
        System.out.println("RESULT scenario=server server_port=" + server.port() + " connections=2 requests=" + requests);
        System.out.println("DONE");
    }

    /** One GET, and its whole response (a head, then a body of Content-Length bytes). */
    private static void exchange(Socket s, String headers) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c == -1) {
                throw new IllegalStateException("end of stream in the response head: " + head);
            }
            head.append((char) c);
        }
        String lower = head.toString().toLowerCase(java.util.Locale.ROOT);
        int at = lower.indexOf("content-length:");
        int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
        for (int i = 0; i < length; i++) {
            if (in.read() == -1) {
                throw new IllegalStateException("end of stream in the body");
            }
        }
    }
}
