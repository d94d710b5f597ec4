package io.connscope.it.driver;

import com.sun.net.httpserver.HttpServer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Misbehaving peers against servers and clients in this JVM, on 127.0.0.1, one case after another (HTTP/1.x heads a
 * byte at a time, huge and endless heads, garbage, a response without a head, a ClientHello in 1-byte records, idle
 * connections, resets from either side, HTTP/2 floods and malformed frames): the application's side of each case
 * prints what it saw ({@code RESULT case: ...}, the same with or without connscope), and the ground truth the
 * test checks connscope's records against ({@code TRUTH case server_port=P served=N connections=N}: the server's
 * port, the request heads it read to their end or began, the connections it accepted). At the end the heap in use
 * after a full GC ({@code HEAP used_kb=N}). Args: a PKCS12 keystore (changeit) for 127.0.0.1, then the number of
 * idle connections (default 10,000).
 */
public final class HostileTraffic {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** The biggest hostile messages: a 1 MB header line, a head that never ends (8 MB of header bytes). */
    public static final int MEGABYTE = 1 << 20;
    public static final int ENDLESS_HEAD_BYTES = 8 * MEGABYTE;
    public static final int HEADERS = 10_000;
    public static final int RESETS = 20;
    /** PINGs, SETTINGS and HEADERS+RST_STREAM pairs in each HTTP/2 flood. */
    public static final int FLOOD = 10_000;
    public static final List<String> H2_CASES = List.of("h2-ping-flood", "h2-settings-flood", "h2-rapid-reset",
            "h2-goaway-1mb", "h2-lying-lengths", "h2-hpack-size-updates", "h2-hpack-1mb-continuation");

    private HostileTraffic() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(100_000);
        SSLContext tls = KeepAliveServer.tls(args[0]);
        int idle = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        result("byte-at-a-time", HostileTraffic::byteAtATime);
        result("response-byte-at-a-time", HostileTraffic::responseByteAtATime);
        result("header-line-1mb", () -> bigHeads("header-line-1mb", "X-Big: " + "a".repeat(MEGABYTE) + "\r\n"));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < HEADERS; i++) {
            many.append("X-H").append(i).append(": v").append(i).append("\r\n");
        }
        result("headers-10000", () -> bigHeads("headers-10000", many.toString()));
        result("endless-head", HostileTraffic::endlessHead);
        result("garbage", HostileTraffic::garbage);
        result("no-response-head", HostileTraffic::noResponseHead);
        result("tls-1-byte-records", () -> tlsOneByteRecords(tls));
        result("tls-1-byte-records-https", () -> httpsOneByteRecords(tls));
        result("idle-connections", () -> idleConnections(idle));
        result("server-resets", HostileTraffic::serverResets);
        result("client-resets", HostileTraffic::clientResets);
        for (String flood : H2_CASES) {
            result(flood, () -> http2(flood));
        }
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        Runtime rt = Runtime.getRuntime();
        System.out.println("HEAP used_kb=" + (rt.totalMemory() - rt.freeMemory()) / 1024);
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }

    private static void result(String name, Callable<String> run) {
        String outcome;
        try {
            outcome = run.call();
        } catch (Throwable t) {
            outcome = "threw " + t;
        }
        System.out.println("RESULT " + name + ": " + outcome);
        System.out.flush();
    }

    private static void truth(String name, int serverPort, int served, int connections) {
        System.out.println("TRUTH " + name + " server_port=" + serverPort + " served=" + served
                + " connections=" + connections);
    }

    static String digest(byte[] b) throws Exception {
        return b.length + " bytes sha256 " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b))
                .substring(0, 16);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket(LOOPBACK, port);
        s.setSoTimeout(20_000);
        return s;
    }

    /** Reads a message head to its empty line; returns its length and line count, or null at end-of-stream first. */
    private static long[] readHead(InputStream in) throws IOException {
        long bytes = 0;
        long lines = 0;
        int run = 0;
        for (int b; (b = in.read()) >= 0; ) {
            bytes++;
            if (b == '\n') {
                lines++;
                if (run == 1) {
                    return new long[]{bytes, lines};
                }
                run = 0;
            } else if (b != '\r') {
                run = 2;
            } else if (run == 0) {
                run = 1;
            } else {
                run = 2;
            }
        }
        return null;
    }

    /** Reads a response head and its Content-Length body; returns "status-line | body", or "eof" at the end. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int newlines = 0;
        for (int b; (b = in.read()) >= 0; ) {
            head.write(b);
            if (b == '\n') {
                newlines++;
                byte[] h = head.toByteArray();
                if (h.length >= 4 && h[h.length - 3] == '\n' && h[h.length - 4] == '\r') {
                    break;
                }
            }
        }
        if (newlines == 0) {
            return "eof";
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text.substring(0, text.indexOf("\r\n")) + " | " + new String(in.readNBytes(length),
                StandardCharsets.ISO_8859_1);
    }

    /**
     * A raw server on its own thread: accepts connections one after another until stopped, runs the handler on
     * each, and keeps the handler's outcomes in order. {@link #served} counts request heads the handler began.
     */
    private static final class RawServer implements AutoCloseable {
        interface Handler {
            String handle(Socket s, RawServer server) throws Exception;
        }

        final ServerSocket listener;
        final AtomicInteger served = new AtomicInteger();
        final AtomicInteger connections = new AtomicInteger();
        final List<String> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;

        RawServer(Handler handler) throws IOException {
            listener = new ServerSocket(0, 1000, LOOPBACK);
            thread = new Thread(() -> {
                while (true) {
                    Socket s;
                    try {
                        s = listener.accept();
                    } catch (IOException e) {
                        return;
                    }
                    connections.incrementAndGet();
                    String outcome;
                    try (Socket c = s) {
                        c.setSoTimeout(20_000);
                        outcome = handler.handle(c, this);
                    } catch (Exception e) {
                        outcome = "threw " + e.getClass().getName();
                    }
                    outcomes.add(outcome);
                }
            }, "raw-server");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        /** Stops accepting once the outcomes of {@code expected} connections are in; returns them. */
        String stop(String name, int expected) throws Exception {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (outcomes.size() < expected && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            listener.close();
            thread.join(20_000);
            truth(name, port(), served.get(), connections.get());
            return "server " + String.join(", ", outcomes);
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    /**
     * Case 1: two requests on one keep-alive connection to the JDK HttpServer, each head written one byte at a time
     * with a pause after each byte, so that each byte is its own segment and its own read.
     */
    private static String byteAtATime() throws Exception {
        AtomicInteger served = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 50);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            served.incrementAndGet();
            byte[] body = ascii("served " + exchange.getRequestURI().getPath() + " "
                    + exchange.getRequestHeaders().getFirst("X-Padding"));
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/missing") ? 404 : 200,
                    body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        ExecutorService executor = Executors.newSingleThreadExecutor();
        server.setExecutor(executor);
        server.start();
        try (Socket s = connect(server.getAddress().getPort())) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            List<String> got = new ArrayList<>();
            for (String path : List.of("/first", "/missing")) {
                String close = path.equals("/missing") ? "Connection: close\r\n" : "";
                for (byte b : ascii("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: one-byte\r\n" + close
                        + "\r\n")) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(1);
                }
                got.add(readResponse(in));
            }
            got.add("then " + in.read());
            truth("byte-at-a-time", server.getAddress().getPort(), served.get(), 1);
            return String.join("; ", got) + "; served " + served.get();
        } finally {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    /**
     * Case 1, the other way: a raw server writes each of its two responses one byte at a time (the first keeps the
     * connection open for one more request, the second closes it), to a raw client on one connection.
     */
    private static String responseByteAtATime() throws Exception {
        List<String> responses = List.of(
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n"
                        + "Keep-Alive: timeout=5, max=2\r\n\r\none",
                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 3\r\nConnection: close\r\n\r\ntwo");
        try (RawServer server = new RawServer((s, srv) -> {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (String response : responses) {
                if (readHead(in) == null) {
                    return "no head";
                }
                srv.served.incrementAndGet();
                for (byte b : ascii(response)) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(1);
                }
            }
            return "served " + srv.served.get(); // and closes, as its last response said
        })) {
            List<String> got = new ArrayList<>();
            try (Socket s = connect(server.port())) {
                InputStream in = new BufferedInputStream(s.getInputStream(), 1);
                for (int i = 0; i < 2; i++) {
                    s.getOutputStream().write(ascii("GET /" + i + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
                    got.add(readResponse(in));
                }
                got.add("then " + in.read());
            }
            return String.join("; ", got) + "; " + server.stop("response-byte-at-a-time", 1);
        }
    }

    /**
     * Cases 2 and 3: a request whose head carries {@code headers} (one 1 MB line; 10,000 lines), to a server that
     * reads the whole head and answers with a head that carries the same, then a short body; the client reads it
     * all.
     */
    private static String bigHeads(String name, String headers) throws Exception {
        byte[] response = ascii("HTTP/1.1 200 OK\r\n" + headers + "Content-Length: 2\r\nConnection: close\r\n\r\nok");
        try (RawServer server = new RawServer((s, srv) -> {
            srv.served.incrementAndGet();
            long[] head = readHead(new BufferedInputStream(s.getInputStream()));
            s.getOutputStream().write(response);
            return head == null ? "no head" : "read a head of " + head[0] + " bytes in " + head[1] + " lines";
        })) {
            String got;
            try (Socket s = connect(server.port())) {
                s.getOutputStream().write(ascii("GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers
                        + "Connection: close\r\n\r\n"));
                byte[] all = s.getInputStream().readAllBytes();
                long[] head = readHead(new java.io.ByteArrayInputStream(all));
                got = "client read " + digest(all) + ", a head of " + head[0] + " bytes in " + head[1] + " lines";
            }
            return got + "; " + server.stop(name, 1);
        }
    }

    /**
     * Case 4: heads that never end: header lines (8 MB of them), or one header line that never ends (8 MB), then
     * the client half-closes. The server reads to end-of-stream and closes without an answer.
     */
    private static String endlessHead() throws Exception {
        try (RawServer server = new RawServer((s, srv) -> {
            srv.served.incrementAndGet();
            long[] head = readHead(new BufferedInputStream(s.getInputStream()));
            return head == null ? "read no end of head" : "read a head of " + head[0] + " bytes";
        })) {
            List<String> got = new ArrayList<>();
            for (boolean oneLine : new boolean[]{false, true}) {
                try (Socket s = connect(server.port())) {
                    OutputStream out = s.getOutputStream();
                    out.write(ascii("GET /endless HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (oneLine ? "X-Endless: " : "")));
                    byte[] chunk = ascii((oneLine ? "y" : "X-More: yyyyyyyyyyyyyyyyyyyyy\r\n").repeat(2048));
                    for (int sent = 0; sent < ENDLESS_HEAD_BYTES; sent += chunk.length) {
                        out.write(chunk);
                    }
                    s.shutdownOutput();
                    got.add("client read " + s.getInputStream().read());
                }
            }
            return String.join(", ", got) + "; " + server.stop("endless-head", 2);
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * Case 5: binary garbage: 1 MB of random bytes on a fresh connection; and 1 MB after one proper exchange on a
     * keep-alive connection, answered by 64 KB of garbage. The server reads everything and answers with a digest.
     */
    private static String garbage() throws Exception {
        try (RawServer server = new RawServer((s, srv) -> {
            InputStream in = new BufferedInputStream(s.getInputStream());
            in.mark(8);
            int first = in.read();
            in.reset();
            String exchanged = "";
            if (first == 'G') {
                srv.served.incrementAndGet();
                readHead(in);
                s.getOutputStream().write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
                exchanged = "answered a request, then ";
            }
            String got = digest(in.readAllBytes());
            s.getOutputStream().write(random(64 * 1024, 3));
            return exchanged + "read " + got;
        })) {
            List<String> got = new ArrayList<>();
            try (Socket s = connect(server.port())) {
                s.getOutputStream().write(random(MEGABYTE, 1));
                s.shutdownOutput();
                got.add("client read " + digest(s.getInputStream().readAllBytes()));
            }
            try (Socket s = connect(server.port())) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                s.getOutputStream().write(ascii("GET /then-garbage HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
                got.add(readResponse(in));
                s.getOutputStream().write(random(MEGABYTE, 2));
                s.shutdownOutput();
                got.add("client read " + digest(in.readAllBytes()));
            }
            return String.join(", ", got) + "; " + server.stop("garbage", 2);
        }
    }

    /**
     * Case 6: a response without a head: the server reads the request head and answers with 100 KB of text and
     * no status line, then closes; to an HttpURLConnection and to a raw client.
     */
    private static String noResponseHead() throws Exception {
        byte[] body = ascii("this is not an HTTP response head\n".repeat(3000));
        try (RawServer server = new RawServer((s, srv) -> {
            srv.served.incrementAndGet();
            long[] head = readHead(new BufferedInputStream(s.getInputStream()));
            s.getOutputStream().write(body);
            s.shutdownOutput();
            s.getInputStream().readAllBytes();
            return head == null ? "no head" : "read a head";
        })) {
            List<String> got = new ArrayList<>();
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + server.port() + "/no-head")
                    .openConnection();
            c.setConnectTimeout(10_000);
            c.setReadTimeout(20_000);
            try {
                int status = c.getResponseCode();
                try (InputStream in = c.getInputStream()) {
                    got.add("HttpURLConnection " + status + " " + digest(in.readAllBytes()));
                }
            } catch (IOException e) {
                got.add("HttpURLConnection threw " + e);
            }
            c.disconnect();
            try (Socket s = connect(server.port())) {
                s.getOutputStream().write(ascii("GET /no-head HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
                byte[] all = s.getInputStream().readAllBytes();
                got.add("raw client read " + digest(all));
            }
            return String.join(", ", got) + "; " + server.stop("no-response-head", server.connections.get());
        }
    }

    /**
     * Case 7: a TLS ClientHello split into TLS records of one byte each (the handshake message is the same, its
     * framing is not), from an {@link SSLEngine} driven over a plain socket, to an SSLServerSocket; the handshake
     * completes and 5 bytes go each way.
     */
    private static String tlsOneByteRecords(SSLContext tls) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (SSLServerSocket listener = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 50,
                LOOPBACK)) {
            listener.setSoTimeout(20_000);
            java.util.concurrent.Future<String> served = executor.submit(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.setSoTimeout(20_000);
                    byte[] hello = s.getInputStream().readNBytes(5);
                    s.getOutputStream().write(ascii("world"));
                    s.getOutputStream().flush();
                    int end = s.getInputStream().read();
                    return "server got " + new String(hello, StandardCharsets.ISO_8859_1) + " over "
                            + s.getSession().getProtocol() + ", then " + end;
                }
            });
            String client;
            try (Socket s = connect(listener.getLocalPort())) {
                s.setTcpNoDelay(true);
                client = new OneByteRecordsClient(tls, s).exchange(ascii("hello"), "world");
            }
            String server = served.get(20, java.util.concurrent.TimeUnit.SECONDS);
            truth("tls-1-byte-records", listener.getLocalPort(), 0, 1);
            return client + "; " + server;
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * Case 7 against the JDK HttpsServer (its TLS on an SSLEngine over a SocketChannel): the ClientHello in 1-byte
     * records, then one HTTP request inside the TLS.
     */
    private static String httpsOneByteRecords(SSLContext tls) throws Exception {
        AtomicInteger served = new AtomicInteger();
        com.sun.net.httpserver.HttpsServer server = com.sun.net.httpserver.HttpsServer.create(
                new InetSocketAddress(LOOPBACK, 0), 50);
        server.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            served.incrementAndGet();
            byte[] body = ascii("hello over https");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        ExecutorService executor = Executors.newSingleThreadExecutor();
        server.setExecutor(executor);
        server.start();
        try (Socket s = connect(server.getAddress().getPort())) {
            s.setTcpNoDelay(true);
            String client = new OneByteRecordsClient(tls, s).exchange(
                    ascii("GET /tls HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"), "hello over https");
            truth("tls-1-byte-records-https", server.getAddress().getPort(), served.get(), 1);
            return client.replaceAll("Date: [^\r]*\r\n", "").replace("\r\n", " ") + "; served " + served.get();
        } finally {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    /** A TLS client on an SSLEngine whose first flight (the ClientHello) goes out as 1-byte records. */
    private static final class OneByteRecordsClient {
        private final SSLEngine engine;
        private final Socket socket;
        private final ByteBuffer netIn;
        private final ByteBuffer netOut;
        private final ByteBuffer appIn;
        private int records;

        OneByteRecordsClient(SSLContext tls, Socket socket) {
            this.engine = tls.createSSLEngine("127.0.0.1", socket.getPort());
            engine.setUseClientMode(true);
            this.socket = socket;
            int packet = engine.getSession().getPacketBufferSize();
            netIn = ByteBuffer.allocate(packet * 4);
            netOut = ByteBuffer.allocate(packet * 2);
            appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
        }

        /** Handshakes, sends {@code request}, and reads until what it got ends with {@code replyEnd}. */
        String exchange(byte[] request, String replyEnd) throws Exception {
            engine.beginHandshake();
            boolean first = true;
            for (int steps = 0; steps < 1000; steps++) {
                SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
                if (hs == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                    netOut.clear();
                    engine.wrap(ByteBuffer.allocate(0), netOut);
                    netOut.flip();
                    if (first) {
                        sendAsOneByteRecords();
                        first = false;
                    } else {
                        send();
                    }
                } else if (hs == SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
                    unwrapOrRead();
                } else if (hs == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                        task.run();
                    }
                } else {
                    break;
                }
            }
            netOut.clear();
            engine.wrap(ByteBuffer.wrap(request), netOut);
            netOut.flip();
            send();
            while (!new String(appIn.array(), 0, appIn.position(), StandardCharsets.ISO_8859_1).endsWith(replyEnd)) {
                unwrapOrRead();
                for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                    task.run();
                }
            }
            String reply = new String(appIn.array(), 0, appIn.position(), StandardCharsets.ISO_8859_1);
            engine.closeOutbound();
            netOut.clear();
            engine.wrap(ByteBuffer.allocate(0), netOut);
            netOut.flip();
            send();
            return "client sent its ClientHello in " + records + " records, handshake "
                    + engine.getSession().getProtocol() + ", got " + reply;
        }

        private void unwrapOrRead() throws IOException {
            netIn.flip();
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            netIn.compact();
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW
                    || (r.bytesConsumed() == 0 && r.bytesProduced() == 0
                    && r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_UNWRAP)) {
                int n = socket.getInputStream().read(netIn.array(), netIn.position(), netIn.remaining());
                if (n < 0) {
                    throw new IOException("end-of-stream during TLS");
                }
                netIn.position(netIn.position() + n);
            }
        }

        private void send() throws IOException {
            socket.getOutputStream().write(netOut.array(), netOut.position(), netOut.remaining());
        }

        /** Each TLS record of the first flight becomes one record per byte of its body, written one at a time. */
        private void sendAsOneByteRecords() throws IOException {
            byte[] flight = new byte[netOut.remaining()];
            netOut.get(flight);
            OutputStream out = socket.getOutputStream();
            int at = 0;
            while (at + 5 <= flight.length) {
                int length = ((flight[at + 3] & 0xff) << 8) | (flight[at + 4] & 0xff);
                for (int i = 0; i < length; i++) {
                    out.write(new byte[]{flight[at], flight[at + 1], flight[at + 2], 0, 1, flight[at + 5 + i]});
                    records++;
                }
                at += 5 + length;
            }
            out.flush();
        }
    }

    /**
     * Case 8: {@code count} connections that connect and never send a byte, 500 open at a time; the server
     * closes each batch first, each client reads the end-of-stream and closes.
     */
    private static String idleConnections(int count) throws Exception {
        int batch = 500;
        try (ServerSocket listener = new ServerSocket(0, batch + 10, LOOPBACK)) {
            int accepted = 0;
            int endOfStream = 0;
            for (int done = 0; done < count; done += batch) {
                int n = Math.min(batch, count - done);
                List<Socket> clients = new ArrayList<>(n);
                List<Socket> servers = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    clients.add(connect(listener.getLocalPort()));
                    servers.add(listener.accept());
                    accepted++;
                }
                for (Socket s : servers) {
                    s.close();
                }
                for (Socket c : clients) {
                    if (c.getInputStream().read() < 0) {
                        endOfStream++;
                    }
                    c.close();
                }
            }
            truth("idle-connections", listener.getLocalPort(), 0, accepted);
            return count + " connected, " + accepted + " accepted, " + endOfStream + " saw the server's close";
        }
    }

    /**
     * Case 9a: a server that resets (SO_LINGER 0) every connection once it has read the request head; raw clients
     * and an HttpURLConnection (which retries a request once on a fresh connection).
     */
    private static String serverResets() throws Exception {
        try (RawServer server = new RawServer((s, srv) -> {
            srv.served.incrementAndGet();
            readHead(new BufferedInputStream(s.getInputStream()));
            s.setSoLinger(true, 0);
            return "reset";
        })) {
            java.util.Map<String, Integer> outcomes = new java.util.TreeMap<>();
            for (int i = 0; i < RESETS; i++) {
                try (Socket s = connect(server.port())) {
                    s.getOutputStream().write(ascii("GET /reset-me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
                    String r;
                    try {
                        r = "read " + s.getInputStream().read();
                    } catch (IOException e) {
                        r = "read threw " + e;
                    }
                    outcomes.merge(r, 1, Integer::sum);
                }
            }
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + server.port() + "/reset-me")
                    .openConnection();
            c.setReadTimeout(20_000);
            String url;
            try {
                url = "HttpURLConnection " + c.getResponseCode();
            } catch (IOException e) {
                url = "HttpURLConnection threw " + e;
            }
            c.disconnect();
            int connections = server.connections.get();
            server.stop("server-resets", connections);
            return "raw clients " + outcomes + ", " + url + "; the server reset " + connections + " connections";
        }
    }

    /**
     * Case 9b: clients that reset (SO_LINGER 0) every exchange in the middle of a 16 MB response, after reading
     * its first 1000 bytes; the server's write fails.
     */
    private static String clientResets() throws Exception {
        byte[] body = new byte[16 * MEGABYTE];
        byte[] head = ascii("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n");
        try (RawServer server = new RawServer((s, srv) -> {
            srv.served.incrementAndGet();
            readHead(new BufferedInputStream(s.getInputStream()));
            try {
                s.getOutputStream().write(head);
                s.getOutputStream().write(body);
                return "wrote it all";
            } catch (IOException e) {
                return "write threw " + e.getClass().getName();
            }
        })) {
            java.util.Map<String, Integer> outcomes = new java.util.TreeMap<>();
            for (int i = 0; i < RESETS; i++) {
                try (Socket s = connect(server.port())) {
                    s.getOutputStream().write(ascii("GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
                    byte[] first = s.getInputStream().readNBytes(1000);
                    outcomes.merge("read " + first.length + " starting " + new String(first, 0, 15,
                            StandardCharsets.ISO_8859_1), 1, Integer::sum);
                    s.setSoLinger(true, 0);
                }
            }
            String served = server.stop("client-resets", RESETS);
            java.util.Map<String, Integer> byServer = new java.util.TreeMap<>();
            for (String o : served.substring("server ".length()).split(", ")) {
                byServer.merge(o, 1, Integer::sum);
            }
            return "clients " + outcomes + "; server " + byServer;
        }
    }

    private static final byte[] PREFACE = ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    private static final String[] FRAME_TYPES = {"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
        "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"};

    private static void frame(ByteArrayOutputStream out, int length, int type, int flags, int stream, byte[] payload) {
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
        out.write(type);
        out.write(flags);
        out.write(stream >>> 24);
        out.write(stream >>> 16);
        out.write(stream >>> 8);
        out.write(stream);
        out.write(payload, 0, payload.length);
    }

    private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
        frame(out, payload.length, type, flags, stream, payload);
    }

    /** A SETTINGS entry: 16-bit id, 32-bit value. */
    private static byte[] setting(int id, int value) {
        return new byte[]{(byte) (id >>> 8), (byte) id, (byte) (value >>> 24), (byte) (value >>> 16),
            (byte) (value >>> 8), (byte) value};
    }

    /**
     * What an HTTP/2 client sends in each case, after the preface and a SETTINGS frame that allows frames of up to
     * 2^24-1 bytes (so that a 1 MB GOAWAY is legal): 10,000 PINGs; 10,000 SETTINGS that each change the HPACK
     * table size; 10,000 streams opened by HEADERS and cancelled at once by RST_STREAM (the rapid reset of
     * CVE-2023-44487); nothing more (the server sends a GOAWAY with 1 MB of debug data); or frames whose
     * length fields lie: a PING that says 5 bytes, a DATA frame that says 16 MB and ends after 1,000.
     */
    private static byte[] http2Client(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(PREFACE, 0, PREFACE.length);
        frame(out, 4, 0, 0, setting(5, (1 << 24) - 1));
        byte[] ping = new byte[8];
        switch (name) {
            case "h2-ping-flood":
                for (int i = 0; i < FLOOD; i++) {
                    ping[7] = (byte) i;
                    ping[6] = (byte) (i >>> 8);
                    frame(out, 6, 0, 0, ping);
                }
                break;
            case "h2-settings-flood":
                for (int i = 0; i < FLOOD; i++) {
                    frame(out, 4, 0, 0, setting(1, (i % 2) * 4096));
                }
                break;
            case "h2-rapid-reset":
                byte[] headers = requestBlock();
                for (int i = 0; i < FLOOD; i++) {
                    int stream = 2 * i + 1;
                    frame(out, 1, 0x4 | 0x1, stream, headers);
                    frame(out, 3, 0, stream, new byte[]{0, 0, 0, 8});
                }
                break;
            case "h2-goaway-1mb":
                break;
            case "h2-lying-lengths":
                frame(out, 6, 0, 0, ping);
                frame(out, 6, 0, 0, new byte[5]); // a PING is 8 bytes
                frame(out, 4, 0, 0, new byte[7]); // SETTINGS come in 6s
                frame(out, (1 << 24) - 1, 0, 0, 1, random(1000, 4)); // says 16 MB, ends after 1,000
                break;
            case "h2-hpack-size-updates":
                // 10,000 dynamic table size updates (to 4096, the limit) open the block; then the request's fields.
                ByteArrayOutputStream updates = new ByteArrayOutputStream();
                for (int i = 0; i < FLOOD; i++) {
                    updates.write(new byte[]{0x3f, (byte) 0xe1, 0x1f}, 0, 3);
                }
                updates.write(requestBlock(), 0, requestBlock().length);
                headerBlock(out, 1, updates.toByteArray());
                // Then one to 2^31-1, past the limit the server's SETTINGS allow (4096): a decoding error.
                ByteArrayOutputStream bomb = new ByteArrayOutputStream();
                bomb.write(new byte[]{0x3f, (byte) 0xe0, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07}, 0, 6);
                bomb.write(requestBlock(), 0, requestBlock().length);
                headerBlock(out, 3, bomb.toByteArray());
                break;
            case "h2-hpack-1mb-continuation":
                // A 1 MB literal, indexed (too big for the table: it empties it), across CONTINUATION frames.
                ByteArrayOutputStream big = new ByteArrayOutputStream();
                big.write(requestBlock(), 0, requestBlock().length);
                big.write(new byte[]{0x40, 5}, 0, 2);
                big.write(ascii("x-big"), 0, 5);
                big.write(new byte[]{0x7f, (byte) 0x81, (byte) 0xff, 0x3f}, 0, 4); // 127 + 1,048,449 = 1 MB
                big.write(ascii("a".repeat(MEGABYTE)), 0, MEGABYTE);
                headerBlock(out, 1, big.toByteArray());
                headerBlock(out, 3, requestBlock());
                break;
            default:
                throw new IllegalArgumentException(name);
        }
        return out.toByteArray();
    }

    /** HPACK: :method GET, :scheme http, :path / (static table), :authority 127.0.0.1 (a literal). */
    private static byte[] requestBlock() {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(new byte[]{(byte) 0x82, (byte) 0x86, (byte) 0x84, 0x41, 9}, 0, 5);
        block.write(ascii("127.0.0.1"), 0, 9);
        return block.toByteArray();
    }

    /** A header block that ends its stream: one HEADERS frame and CONTINUATION frames of at most 16 KB each. */
    private static void headerBlock(ByteArrayOutputStream out, int stream, byte[] block) {
        int size = 16_384;
        for (int at = 0; at < block.length; at += size) {
            byte[] piece = java.util.Arrays.copyOfRange(block, at, Math.min(block.length, at + size));
            boolean last = at + size >= block.length;
            frame(out, at == 0 ? 1 : 9, (at == 0 ? 0x1 : 0) | (last ? 0x4 : 0), stream, piece);
        }
    }

    /** Reads HTTP/2 frames to end-of-stream and counts them by type; answers PINGs and SETTINGS when asked. */
    private static final class FrameReader {
        final java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        long goAwayDebug = -1;
        long bytes;

        void read(InputStream in, OutputStream answers) throws IOException {
            byte[] header = new byte[9];
            byte[] skip = new byte[65536];
            while (true) {
                int n = in.readNBytes(header, 0, 9);
                bytes += n;
                if (n < 9) {
                    counts.merge(n == 0 ? "end" : "cut header", 1, Integer::sum);
                    return;
                }
                int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
                int type = header[3] & 0xff;
                boolean ack = (header[4] & 1) != 0;
                String name = type < FRAME_TYPES.length ? FRAME_TYPES[type] : "type " + type;
                byte[] payload = type == 6 && length == 8 ? new byte[8] : null;
                ack &= type == 4 || type == 6;
                long left = length;
                if (payload != null) {
                    left -= in.readNBytes(payload, 0, 8);
                }
                while (left > 0) {
                    int r = in.read(skip, 0, (int) Math.min(skip.length, left));
                    if (r < 0) {
                        break;
                    }
                    left -= r;
                }
                bytes += length - left;
                if (left > 0) {
                    counts.merge("cut " + name, 1, Integer::sum);
                    return;
                }
                counts.merge(name + (ack ? " ACK" : ""), 1, Integer::sum);
                if (type == 7) {
                    goAwayDebug = length - 8;
                }
                if (answers != null && !ack && type == 6 && payload != null) {
                    ByteArrayOutputStream a = new ByteArrayOutputStream();
                    frame(a, 6, 1, 0, payload);
                    answers.write(a.toByteArray());
                } else if (answers != null && !ack && type == 4) {
                    answers.write(new byte[]{0, 0, 0, 4, 1, 0, 0, 0, 0});
                }
            }
        }

        @Override
        public String toString() {
            return bytes + " bytes, frames " + counts + (goAwayDebug >= 0 ? ", GOAWAY debug " + goAwayDebug
                    + " bytes" : "");
        }
    }

    /**
     * Case 10: HTTP/2 in the clear by prior knowledge between a raw client and a raw server in this JVM, so that
     * connscope follows the frames on both ends and every count is exact. The server sends its SETTINGS, answers
     * each PING and SETTINGS, in the GOAWAY case sends a GOAWAY (no error) with 1 MB of debug data, and closes after
     * the client's end-of-stream; the client writes its frames on another thread while it reads.
     */
    private static String http2(String name) throws Exception {
        byte[] clientBytes = http2Client(name);
        try (RawServer server = new RawServer((s, srv) -> {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream());
            byte[] preface = in.readNBytes(PREFACE.length);
            if (!java.util.Arrays.equals(preface, PREFACE)) {
                return "no preface";
            }
            out.write(new byte[]{0, 0, 0, 4, 0, 0, 0, 0, 0});
            if (name.equals("h2-goaway-1mb")) {
                ByteArrayOutputStream goAway = new ByteArrayOutputStream();
                byte[] payload = new byte[8 + MEGABYTE];
                byte[] debug = ascii("too many of something; ".repeat(MEGABYTE / 23 + 1));
                System.arraycopy(debug, 0, payload, 8, MEGABYTE);
                frame(goAway, 7, 0, 0, payload);
                out.write(goAway.toByteArray());
            }
            out.flush();
            FrameReader frames = new FrameReader();
            frames.read(in, new java.io.FilterOutputStream(out) {
                @Override
                public void write(byte[] b) throws IOException {
                    out.write(b);
                    out.flush();
                }
            });
            return "read " + frames;
        })) {
            String client;
            try (Socket s = connect(server.port())) {
                Thread writer = new Thread(() -> {
                    try {
                        s.getOutputStream().write(clientBytes);
                        s.shutdownOutput();
                    } catch (IOException e) {
                        System.out.println("RESULT " + name + " writer: threw " + e);
                    }
                }, "h2-writer");
                writer.start();
                FrameReader frames = new FrameReader();
                frames.read(new BufferedInputStream(s.getInputStream()), null);
                writer.join(20_000);
                client = "client sent " + clientBytes.length + " bytes, read " + frames;
            }
            return client + "; " + server.stop(name, 1);
        }
    }
}
