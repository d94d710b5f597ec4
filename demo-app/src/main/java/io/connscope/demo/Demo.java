package io.connscope.demo;

import jdk.net.ExtendedSocketOptions;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * A small tour of what connscope sees, every connection on 127.0.0.1. Run it with the agent attached:
 * <pre>java -javaagent:agent/target/connscope-agent.jar -jar demo-app/target/connscope-demo.jar</pre>
 * Each scenario says what it does and what connscope should report for it; the agent's lines and the per-peer
 * summary follow on stderr. (The scenarios of the seed experiments arrive in a later version.)
 */
public final class Demo {

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 50, loopback)) {
            int port = server.getLocalPort();
            say("A server on 127.0.0.1:" + port + " answers one line per connection.");

            say("1. client-closes-first: the client sends a request, reads the reply, closes.");
            say("   expect: outbound closed_by=local, inbound closed_by=remote; keep-alive off (os_default).");
            exchange(server, loopback, port, false, false);

            say("2. server-closes-first: the server replies and closes; the client reads to end-of-stream.");
            say("   expect: outbound closed_by=remote, inbound closed_by=local.");
            exchange(server, loopback, port, true, false);

            say("3. keep-alive set by the client: SO_KEEPALIVE on, TCP_KEEPIDLE 10 s, TCP_KEEPINTERVAL 5 s, TCP_KEEPCOUNT 3.");
            say("   expect: outbound keepalive=on idle=10s intvl=5s cnt=3 (app).");
            exchange(server, loopback, port, false, true);

            say("4. connection refused: connect to a port nobody listens on.");
            say("   expect: failed ... error=refused.");
            int closedPort;
            try (ServerSocket probe = new ServerSocket(0, 1, loopback)) {
                closedPort = probe.getLocalPort();
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(loopback, closedPort), 2000);
            } catch (ConnectException expected) {
                say("   the client saw: " + expected.getMessage());
            }
        }
        say("5. HTTP keep-alive: three GETs with HttpURLConnection to a JDK HttpServer, then one with Connection: close.");
        say("   expect: one connection carrying 4 requests (REUSE 75%); the server closes it after the last request");
        say("   (inbound close_reason=connection_close_by_client); HttpURLConnection keeps its end cached, already");
        say("   closed by the server (a stale connection), so the outbound side is still open at exit.");
        httpKeepAlive(loopback);

        say("Done. connscope prints its summary as the JVM exits.");
    }

    private static void httpKeepAlive(InetAddress loopback) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(loopback, 0), 50);
        server.createContext("/", exchange -> {
            byte[] body = "Hello there!".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            URL url = new URL("http://" + loopback.getHostAddress() + ":" + server.getAddress().getPort() + "/");
            for (int i = 1; i <= 4; i++) {
                HttpURLConnection c = (HttpURLConnection) url.openConnection();
                if (i == 4) {
                    c.setRequestProperty("Connection", "close");
                }
                try (InputStream in = c.getInputStream()) {
                    in.readAllBytes();
                }
                if (i == 4) {
                    c.disconnect();
                }
            }
        } finally {
            server.stop(0);
        }
    }

    private static void exchange(ServerSocket server, InetAddress host, int port, boolean serverClosesFirst,
                                 boolean keepAlive) throws IOException {
        try (Socket client = new Socket()) {
            if (keepAlive) {
                client.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                client.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 10);
                client.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 5);
                client.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
            }
            client.connect(new InetSocketAddress(host, port), 2000);
            try (Socket accepted = server.accept()) {
                client.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                readLine(accepted.getInputStream());
                OutputStream out = accepted.getOutputStream();
                out.write("Hello there!\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                readLine(client.getInputStream());
                if (serverClosesFirst) {
                    accepted.close();
                    // Read the server's FIN as end-of-stream before closing our side.
                    while (client.getInputStream().read() != -1) {
                        // drain
                    }
                    client.close();
                } else {
                    client.close();
                    while (accepted.getInputStream().read() != -1) {
                        // drain
                    }
                }
            }
        }
    }

    private static void readLine(InputStream in) throws IOException {
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            // skip
        }
    }

    private static void say(String line) {
        System.out.println(line);
    }
}
