package io.connscope.it.driver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * The server side of drivers that write HTTP/1.1 heads byte for byte as a test needs them (secrets, trace
 * headers): a thread per connection, each request head read up to its blank line.
 */
final class PlainHttp {

    private PlainHttp() {
    }

    /** Accepts connections on daemon threads until {@code listener} is closed; {@code answer} serves each. */
    static void serve(ServerSocket listener, Consumer<Socket> answer) {
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket s = listener.accept();
                    Thread t = new Thread(() -> answer.accept(s), "http-server-conn");
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException closed) {
                // The listener is closed at the end.
            }
        }, "http-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * The JDK HttpServer's answer in the trace drivers: reads the request's body, notes the client's port (the
     * connection the request came on), and answers {@code ok}.
     */
    static void answerOk(com.sun.net.httpserver.HttpExchange exchange, BlockingQueue<Integer> clientPorts)
            throws IOException {
        exchange.getRequestBody().readAllBytes();
        clientPorts.add(exchange.getRemoteAddress().getPort());
        byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    /** The head up to the blank line, or null at end-of-stream before any byte. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new IOException("end-of-stream inside a head");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
