package io.connscope.demo;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One client connection that sends HTTP/1.x requests one after another, on a plain socket, so that each scenario
 * controls exactly which requests share a connection, which headers they carry and who closes first.
 */
final class HttpConnection implements AutoCloseable {

    /** A socket option step applied before connect (the scenarios' TCP keep-alive settings). */
    interface SocketSetup {
        void apply(Socket s) throws IOException;
    }

    final Socket socket;
    private boolean serverWillClose;

    private HttpConnection(Socket socket) {
        this.socket = socket;
    }

    static HttpConnection open(int port, SocketSetup setup) throws IOException {
        Socket s = new Socket();
        try {
            if (setup != null) {
                setup.apply(s);
            }
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(120_000);
            return new HttpConnection(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    static HttpConnection open(int port) throws IOException {
        return open(port, null);
    }

    int localPort() {
        return socket.getLocalPort();
    }

    /**
     * Sends {@code GET / <version>} with the given {@code Connection} header (null for none) and reads the response
     * to its last body byte; returns the body.
     */
    String get(String version, String connectionHeader) throws IOException {
        StringBuilder req = new StringBuilder("GET / ").append(version).append("\r\nHost: 127.0.0.1\r\n");
        if (connectionHeader != null) {
            req.append("Connection: ").append(connectionHeader).append("\r\n");
        }
        socket.getOutputStream().write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        String head = HelloServer.readHead(in);
        if (head == null) {
            throw new IOException("the server closed the connection without a response");
        }
        String lower = head.toLowerCase(Locale.ROOT);
        int at = lower.indexOf("content-length:");
        int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
        byte[] body = in.readNBytes(length);
        serverWillClose = lower.contains("\r\nconnection: close") || (lower.startsWith("http/1.0")
                && !lower.contains("\r\nconnection: keep-alive"));
        return new String(body, StandardCharsets.US_ASCII);
    }

    /** Whether the last response said the server closes the connection now. */
    boolean serverWillClose() {
        return serverWillClose;
    }

    /** Reads to end-of-stream: a client that waits for the server's close, as HTTP/1.0 clients do. */
    void readToEnd() throws IOException {
        InputStream in = socket.getInputStream();
        while (in.read() >= 0) {
            // nothing more is expected; anything is discarded
        }
    }

    /**
     * The stale check of client pools: a zero-wait look whether the server closed this idle connection (its FIN
     * reads as end-of-stream). Anything else readable on an idle connection makes it unusable too.
     */
    boolean isStale() throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(1);
        try {
            socket.getInputStream().read();
            // -1: the server's FIN; a byte: something no request asked for. Either way the connection is done.
            return true;
        } catch (SocketTimeoutException nothingPending) {
            return false;
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(timeout);
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
