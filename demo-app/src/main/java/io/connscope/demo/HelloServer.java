package io.connscope.demo;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The seed experiments' upstream: an HTTP/1.x server that answers every request with "Hello there!", one thread
 * per connection, on plain sockets so that it decides exactly when a connection ends. It keeps a connection open
 * for more requests (HTTP/1.1, or HTTP/1.0 with {@code Connection: keep-alive}) until the client closes it or it
 * sat idle longer than the keep-alive timeout; it closes right after the response when the request said
 * {@code Connection: close} or was plain HTTP/1.0. It counts what it did: the ground truth each scenario holds
 * connscope's report against.
 */
final class HelloServer implements AutoCloseable {

    private static final byte[] BODY = "Hello there!".getBytes(StandardCharsets.US_ASCII);

    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    /** Connections the server closed right after a response (Connection: close, HTTP/1.0). */
    final AtomicInteger closedAfterResponse = new AtomicInteger();
    /** Connections the server closed because they sat idle longer than its keep-alive timeout. */
    final AtomicInteger closedIdle = new AtomicInteger();
    /** Connections the client closed first (the server read end-of-stream between requests). */
    final AtomicInteger closedByClient = new AtomicInteger();

    private final ServerSocket listener;
    private final long responseDelayMillis;
    private final int idleTimeoutMillis;
    private final ExecutorService workers;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    /**
     * @param port                0 for any free port
     * @param responseDelayMillis how long each response waits (the slow-response experiment)
     * @param idleTimeoutMillis   the server's keep-alive timeout: how long an idle connection is kept; 0 forever
     */
    HelloServer(int port, long responseDelayMillis, int idleTimeoutMillis) throws IOException {
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        this.responseDelayMillis = responseDelayMillis;
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hello-server");
            t.setDaemon(true);
            return t;
        });
        Thread acceptor = new Thread(this::acceptLoop, "hello-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Starts the counts afresh (the next --loop iteration); call when no connection is open. */
    void resetCounts() {
        connections.set(0);
        requests.set(0);
        closedAfterResponse.set(0);
        closedIdle.set(0);
        closedByClient.set(0);
    }

    /** Connections open right now. */
    int openConnections() {
        return open.size();
    }

    /** Waits (bounded) until every connection the server accepted has ended. */
    boolean awaitAllClosed(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!open.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        return open.isEmpty();
    }

    /** {@code connections=1 requests=5 closed_after_response=0 closed_idle=0 closed_by_client=1}: read by the tests. */
    String counts() {
        return "connections=" + connections + " requests=" + requests + " closed_after_response="
                + closedAfterResponse + " closed_idle=" + closedIdle + " closed_by_client=" + closedByClient;
    }

    private void acceptLoop() {
        while (!closing) {
            try {
                Socket s = listener.accept();
                connections.incrementAndGet();
                open.add(s);
                workers.execute(() -> serve(s));
            } catch (IOException e) {
                if (!closing) {
                    System.err.println("hello-server: accept failed: " + e);
                }
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            if (idleTimeoutMillis > 0) {
                s.setSoTimeout(idleTimeoutMillis);
            }
            // Buffered: a read per byte would be a system call per byte (wrk and ab drive this server too).
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                String head;
                try {
                    head = readHead(in);
                } catch (SocketTimeoutException idle) {
                    closedIdle.incrementAndGet();
                    return;
                }
                if (head == null) {
                    closedByClient.incrementAndGet();
                    return;
                }
                requests.incrementAndGet();
                boolean close = closesAfter(head);
                if (responseDelayMillis > 0) {
                    Thread.sleep(responseDelayMillis);
                }
                String version = head.substring(0, head.indexOf("\r\n")).endsWith("HTTP/1.0") ? "HTTP/1.0" : "HTTP/1.1";
                StringBuilder response = new StringBuilder(version).append(" 200 OK\r\n")
                        .append("Content-Type: text/plain\r\nContent-Length: ").append(BODY.length).append("\r\n");
                if (close && version.equals("HTTP/1.1")) {
                    response.append("Connection: close\r\n");
                } else if (!close && version.equals("HTTP/1.0")) {
                    response.append("Connection: keep-alive\r\n");
                }
                // One write: a head and a body written apart wait for the client's delayed ACK (Nagle), 40 ms each.
                byte[] headBytes = response.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
                byte[] whole = Arrays.copyOf(headBytes, headBytes.length + BODY.length);
                System.arraycopy(BODY, 0, whole, headBytes.length, BODY.length);
                out.write(whole);
                out.flush();
                if (close) {
                    closedAfterResponse.incrementAndGet();
                    return;
                }
            }
        } catch (IOException e) {
            if (!closing) {
                System.err.println("hello-server: connection failed: " + e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(s);
        }
    }

    /** Whether the server closes after answering: {@code Connection: close}, or HTTP/1.0 without keep-alive. */
    static boolean closesAfter(String head) {
        String lower = head.toLowerCase(Locale.ROOT);
        String firstLine = lower.substring(0, Math.max(0, lower.indexOf("\r\n")));
        boolean http10 = firstLine.endsWith("http/1.0");
        if (lower.contains("\r\nconnection: close")) {
            return true;
        }
        return http10 && !lower.contains("\r\nconnection: keep-alive");
    }

    /** Reads one request head (up to the blank line); null at end-of-stream before a request began. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new IOException("connection ended inside a request head");
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.US_ASCII);
            }
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // Closing is all we wanted.
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Closing is all we wanted.
            }
        }
        workers.shutdownNow();
    }
}
