package io.connscope.demo;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The smallest HTTP/2 client and server that show keep-alive by PING (RFC 9113 in the clear, with prior knowledge,
 * as gRPC speaks it): the server answers one request after a delay and acknowledges every PING; the client sends a
 * PING every {@code pingMillis} while it waits, as gRPC's {@code keepAliveTime} does (whose minimum is 10 s: too
 * slow for a demo). Each side counts what it sent and received: the ground truth the demo holds connscope to. No
 * HPACK beyond static-table entries: the request is {@code GET /} and the response {@code :status 200}.
 */
final class Http2Peers {

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int SETTINGS = 0x4;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;

    private Http2Peers() {
    }

    /** A server for one connection at a time, answering stream 1 after {@code delayMillis}. */
    static final class Server implements AutoCloseable {
        final AtomicInteger pingsReceived = new AtomicInteger();
        final AtomicInteger acksSent = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        private final AtomicInteger connections = new AtomicInteger();
        /** Whether the client said GOAWAY before its close (else it just closed). */
        private volatile boolean goAwayFromClient;
        private final ServerSocket listener;
        private final long delayMillis;
        private final CountDownLatch closed = new CountDownLatch(1);

        Server(long delayMillis) throws IOException {
            this.delayMillis = delayMillis;
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::serveOne, "demo-h2-server");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        /** The server's counts, in the form the other scenarios' servers print them, and its PINGs. */
        String counts() {
            return "connections=" + connections.get() + " requests=" + requests.get()
                    + " closed_after_response=0 closed_idle=0 closed_by_client=" + (goAwayFromClient ? 1 : 0)
                    + " pings_received=" + pingsReceived.get() + " acks_sent=" + acksSent.get();
        }

        private void serveOne() {
            try (Socket s = listener.accept()) {
                connections.incrementAndGet();
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                in.readFully(new byte[PREFACE.length]);
                write(out, SETTINGS, 0, 0, new byte[0]);
                while (true) {
                    Frame f = Frame.read(in);
                    if (f.type == SETTINGS && (f.flags & ACK) == 0) {
                        write(out, SETTINGS, ACK, 0, new byte[0]);
                    } else if (f.type == PING && (f.flags & ACK) == 0) {
                        pingsReceived.incrementAndGet();
                        write(out, PING, ACK, 0, f.payload);
                        acksSent.incrementAndGet();
                    } else if (f.type == HEADERS) {
                        requests.incrementAndGet();
                        respondLater(out, f.stream);
                    } else if (f.type == GOAWAY) {
                        goAwayFromClient = true;
                        break;
                    }
                }
            } catch (IOException e) {
                // The client closed: the connection is over.
            } finally {
                closed.countDown();
            }
        }

        private void respondLater(OutputStream out, int stream) {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(delayMillis);
                    // :status 200 is entry 8 of HPACK's static table.
                    write(out, HEADERS, END_HEADERS, stream, new byte[] {(byte) 0x88});
                    write(out, DATA, END_STREAM, stream, "Hello there!".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException | InterruptedException e) {
                    // The connection went away first.
                }
            }, "demo-h2-response");
            t.setDaemon(true);
            t.start();
        }

        boolean awaitClosed(long millis) throws InterruptedException {
            return closed.await(millis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    /** What the client did. */
    static final class ClientResult {
        int pingsSent;
        int acksReceived;
        int status;
    }

    /**
     * One request on a new connection to {@code port}, with a PING every {@code pingMillis} until the response has
     * ended; then GOAWAY and close. {@code setup} configures the socket before the connect (TCP keep-alive).
     */
    static ClientResult get(int port, long pingMillis, HttpConnection.SocketSetup setup, AtomicInteger localPort)
            throws Exception {
        ClientResult result = new ClientResult();
        try (Socket s = new Socket()) {
            if (setup != null) {
                setup.apply(s);
            }
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            localPort.set(s.getLocalPort());
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            CountDownLatch done = new CountDownLatch(1);
            AtomicInteger acks = new AtomicInteger();
            AtomicInteger status = new AtomicInteger();
            Thread reader = new Thread(() -> {
                try {
                    while (done.getCount() > 0) {
                        Frame f = Frame.read(in);
                        if (f.type == SETTINGS && (f.flags & ACK) == 0) {
                            write(out, SETTINGS, ACK, 0, new byte[0]);
                        } else if (f.type == PING && (f.flags & ACK) != 0) {
                            acks.incrementAndGet();
                        } else if (f.type == HEADERS && f.payload.length == 1 && (f.payload[0] & 0xff) == 0x88) {
                            status.set(200);
                        } else if (f.type == DATA && (f.flags & END_STREAM) != 0) {
                            done.countDown();
                        }
                    }
                } catch (IOException e) {
                    done.countDown();
                }
            }, "demo-h2-client-reader");
            reader.setDaemon(true);
            synchronized (out) {
                out.write(PREFACE);
            }
            write(out, SETTINGS, 0, 0, new byte[0]);
            reader.start();
            // :method GET, :scheme http, :path / (static table entries 2, 6, 4).
            write(out, HEADERS, END_HEADERS | END_STREAM, 1, new byte[] {(byte) 0x82, (byte) 0x86, (byte) 0x84});
            long payload = 0;
            while (!done.await(pingMillis, TimeUnit.MILLISECONDS)) {
                byte[] opaque = new byte[8];
                opaque[7] = (byte) ++payload;
                write(out, PING, 0, 0, opaque);
                result.pingsSent++;
            }
            // The last ACK may still be on its way; give it a moment before saying goodbye.
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (acks.get() < result.pingsSent && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            write(out, GOAWAY, 0, 0, new byte[8]);
            result.acksReceived = acks.get();
            result.status = status.get();
        }
        return result;
    }

    private static void write(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (stream >>> 24);
        f[6] = (byte) (stream >>> 16);
        f[7] = (byte) (stream >>> 8);
        f[8] = (byte) stream;
        System.arraycopy(payload, 0, f, 9, payload.length);
        synchronized (out) {
            out.write(f);
            out.flush();
        }
    }

    private static final class Frame {
        final int type;
        final int flags;
        final int stream;
        final byte[] payload;

        private Frame(int type, int flags, int stream, byte[] payload) {
            this.type = type;
            this.flags = flags;
            this.stream = stream;
            this.payload = payload;
        }

        static Frame read(DataInputStream in) throws IOException {
            byte[] h = new byte[9];
            in.readFully(h);
            int length = (h[0] & 0xff) << 16 | (h[1] & 0xff) << 8 | (h[2] & 0xff);
            if (length > 1 << 16) {
                throw new EOFException("frame too long for this demo: " + length);
            }
            byte[] payload = new byte[length];
            in.readFully(payload);
            int stream = (h[5] & 0x7f) << 24 | (h[6] & 0xff) << 16 | (h[7] & 0xff) << 8 | (h[8] & 0xff);
            return new Frame(h[3] & 0xff, h[4] & 0xff, stream, payload);
        }
    }
}
