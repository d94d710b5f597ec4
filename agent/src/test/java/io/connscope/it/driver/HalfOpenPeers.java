package io.connscope.it.driver;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Clients that vanish: {@code server N} serves one HTTP/1.1 request on each of {@code N} connections and keeps them
 * open; {@code client PORT N} (another JVM, without the agent) makes them and then waits to be killed. The test
 * makes the kernel drop every packet between them and kills the client: to the server its peers have vanished
 * without a FIN or a reset, as when a host loses power or a middlebox forgets the flows. Told so on stdin, the
 * server writes a late answer on every other connection (into the void) and closes them all, as its idle timeout
 * would; it counts what it wrote ({@code TRUTH}).
 */
public final class HalfOpenPeers {

    static final byte[] REQUEST = ascii("GET /half-open HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    static final byte[] RESPONSE = ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    static final byte[] LATE = ascii("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate");
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private HalfOpenPeers() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(90_000);
        if (args[0].equals("server")) {
            server(Integer.parseInt(args[1]));
        } else {
            client(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        }
        System.out.flush();
        System.exit(0);
    }

    private static void server(int n) throws IOException {
        List<Socket> connections = new ArrayList<>();
        long received = 0;
        long sent = 0;
        try (ServerSocket listener = new ServerSocket(0, n + 10, LOOPBACK)) {
            System.out.println("READY " + listener.getLocalPort());
            System.out.flush();
            for (int i = 0; i < n; i++) {
                Socket s = listener.accept();
                connections.add(s);
                String head = PlainHttp.readHead(s.getInputStream());
                if (head == null) {
                    throw new IOException("end of stream before a request head");
                }
                received += head.length(); // ASCII: a char a byte
                s.getOutputStream().write(RESPONSE);
                sent += RESPONSE.length;
            }
            System.out.println("SERVED " + n);
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
            for (int i = 0; i < connections.size(); i++) {
                Socket s = connections.get(i);
                if (i % 2 == 0) {
                    s.getOutputStream().write(LATE); // accepted by the kernel, never acknowledged
                    sent += LATE.length;
                }
                s.close();
            }
            System.out.println("TRUTH port=" + listener.getLocalPort() + " connections=" + connections.size()
                    + " received=" + received + " sent=" + sent);
        }
    }

    private static void client(int port, int n) throws IOException, InterruptedException {
        List<Socket> connections = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket(LOOPBACK, port);
            s.setSoTimeout(20_000);
            s.getOutputStream().write(REQUEST);
            byte[] answer = s.getInputStream().readNBytes(RESPONSE.length);
            if (answer.length != RESPONSE.length) {
                throw new IOException("short answer on connection " + i);
            }
            connections.add(s);
        }
        System.out.println("CLIENT done " + connections.size());
        System.out.flush();
        Thread.sleep(80_000); // until killed
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
