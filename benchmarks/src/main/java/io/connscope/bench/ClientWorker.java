package io.connscope.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * A client JVM (with or without an agent) that the driver keeps running and commands over stdin, so that the
 * variants take turns while warm: {@code run WORKLOAD MILLIS} runs one client loop, single-threaded, against the
 * nginx at {@code args[0]} (a port on 127.0.0.1) for that long and answers {@code ops COUNT NANOS ERRORS}.
 * <ul>
 *   <li>{@code jdk-reuse}: the JDK {@code HttpClient} (HTTP/1.1), one pooled connection reused for every request;</li>
 *   <li>{@code apache-reuse}: Apache HttpClient 5 classic with its pooling connection manager, likewise;</li>
 *   <li>{@code churn}: a new {@code Socket} per request: connect, HTTP/1.0 GET, read to the end, close (nginx closes
 *   first, so the TIME_WAIT is nginx's and the client's ports do not run out).</li>
 * </ul>
 */
public final class ClientWorker {

    private static final byte[] HTTP10_GET = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final int port;
    private final URI uri;
    private final HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final CloseableHttpClient apache = HttpClients.custom()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create().build()).build();
    private final byte[] buffer = new byte[4096];

    private ClientWorker(int port) {
        this.port = port;
        this.uri = URI.create("http://127.0.0.1:" + port + "/");
    }

    public static void main(String[] args) throws Exception {
        ClientWorker worker = new ClientWorker(Integer.parseInt(args[0]));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        System.out.println("ready " + ProcessHandle.current().pid());
        System.out.flush();
        for (String line; (line = in.readLine()) != null; ) {
            String[] cmd = line.trim().split(" ");
            if (cmd.length == 3 && cmd[0].equals("run")) {
                System.out.println(worker.run(cmd[1], Long.parseLong(cmd[2])));
            } else if (cmd[0].equals("exit")) {
                break;
            } else {
                System.out.println("error unknown command: " + line);
            }
            System.out.flush();
        }
        worker.apache.close();
    }

    private String run(String workload, long millis) {
        long ops = 0;
        long errors = 0;
        long start = System.nanoTime();
        long end = start + millis * 1_000_000L;
        long now;
        do {
            // Checking the clock every 16 requests keeps it off the measured path.
            for (int i = 0; i < 16; i++) {
                try {
                    if (!once(workload)) {
                        errors++;
                    }
                } catch (Exception e) {
                    errors++;
                    if (errors == 1) {
                        System.err.println("worker: " + workload + ": " + e);
                    }
                }
                ops++;
            }
            now = System.nanoTime();
        } while (now < end && errors < 1000);
        return "ops " + ops + " " + (now - start) + " " + errors;
    }

    private boolean once(String workload) throws Exception {
        switch (workload) {
            case "jdk-reuse": {
                HttpResponse<byte[]> r = jdk.send(HttpRequest.newBuilder(uri).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                return r.statusCode() == 200;
            }
            case "apache-reuse":
                return apache.execute(new HttpGet(uri), response -> {
                    EntityUtils.consume(response.getEntity());
                    return response.getCode();
                }) == 200;
            case "churn":
                return churnOnce();
            default:
                throw new IllegalArgumentException("unknown workload " + workload);
        }
    }

    private boolean churnOnce() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(HTTP10_GET);
            InputStream in = s.getInputStream();
            int total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
            }
            // "HTTP/1.1 200 " at the start of what nginx sent.
            return total > 12 && buffer[9] == '2';
        }
    }
}
