package io.connscope.it.driver;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Traffic for the HTML report's browser test (ReportBrowserIT): a bit of everything the report draws, each to a
 * peer of its own. Keep-alive (one connection, several requests, new then reused), {@code Connection: close} and
 * HTTP/1.0 (one request per connection, the server closes first), a refused connect, a reset (SO_LINGER 0), and a
 * connection still open at exit. The test does not rely on counts written here: it compares the page with the
 * JSON Lines file connscope wrote.
 */
public final class ReportTraffic {

    private ReportTraffic() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        HttpServer keepAlive = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        keepAlive.createContext("/", exchange -> {
            byte[] body = "Hello there!".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        keepAlive.start();
        int port = keepAlive.getAddress().getPort();

        // Keep-alive: HttpClient (HTTP/1.1) reuses one connection for sequential requests.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/k" + i))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("status " + r.statusCode());
            }
            Thread.sleep(15);
        }

        // Connection: close and HTTP/1.0 on plain sockets, to a server that closes after answering them.
        try (ServerSocket closing = new ServerSocket(0, 50, loopback)) {
            PlainHttp.serve(closing, s -> {
                try (Socket socket = s) {
                    InputStream in = socket.getInputStream();
                    if (PlainHttp.readHead(in) != null) {
                        socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                                .getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException ignored) {
                    // The client went away.
                }
            });
            for (int i = 0; i < 3; i++) {
                oneRequest(closing.getLocalPort(), "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                Thread.sleep(10);
            }
            for (int i = 0; i < 2; i++) {
                oneRequest(closing.getLocalPort(), "GET /h10 HTTP/1.0\r\n\r\n");
                Thread.sleep(10);
            }
        }

        // A refused connect: a port that was just free.
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, loopback)) {
            free = s.getLocalPort();
        }
        try (Socket s = new Socket(loopback, free)) {
            throw new IllegalStateException("expected a refused connect to port " + free);
        } catch (ConnectException expected) {
            // A failed connect of its own.
        }

        // A reset: SO_LINGER 0 makes the close send RST.
        try (ServerSocket resetting = new ServerSocket(0, 50, loopback)) {
            Socket c = new Socket(loopback, resetting.getLocalPort());
            Socket accepted = resetting.accept();
            c.getOutputStream().write(1);
            accepted.getInputStream().read();
            c.setSoLinger(true, 0);
            c.close();
            try {
                accepted.getInputStream().read();
            } catch (IOException expected) {
                // Connection reset.
            }
            accepted.close();
        }

        // Still open at exit: written as open.
        ServerSocket lingering = new ServerSocket(0, 50, loopback);
        Socket open = new Socket(loopback, lingering.getLocalPort());
        Socket openAccepted = lingering.accept();
        open.getOutputStream().write(2);
        openAccepted.getInputStream().read();

        keepAlive.stop(0);
        System.out.println("RESULT keepalive_port=" + port);
    }

    private static void oneRequest(int port, String head) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256];
            while (in.read(buf) >= 0) {
                // Read to the server's FIN: the server closes first.
            }
        }
    }
}
