package io.connscope.it.driver;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A small HTTP/1.1 keep-alive server on loopback (plain, or TLS through {@code SSLServerSocket}) that answers
 * every request on a connection with "Hello there!" and a {@code Keep-Alive} header, and counts the connections
 * it accepted, the requests it answered and the connections that ended: the ground truth the agent's records
 * are checked against. Optionally it holds every response until released, answers one request with
 * {@code Connection: close} and closes, or closes connections that sit idle.
 */
public final class KeepAliveServer implements AutoCloseable {
    private final ServerSocket listener;
    private final String keepAlive;
    private final CountDownLatch release;
    private final List<Socket> sockets = new ArrayList<>();
    private int closed;
    private int requests;
    private volatile int closeOnRequest;
    private volatile int idleCloseMillis;
    private volatile int holdFrom;
    private final CountDownLatch held = new CountDownLatch(1);

    public KeepAliveServer(SSLContext tls, String keepAlive, CountDownLatch release) throws IOException {
        int port = FreshPorts.next(); // not a port an earlier scenario's server had: records are matched by it
        this.listener = tls == null ? new ServerSocket(port, 50, InetAddress.getLoopbackAddress())
                : tls.getServerSocketFactory().createServerSocket(port, 50, InetAddress.getLoopbackAddress());
        if (listener instanceof SSLServerSocket) {
            ((SSLServerSocket) listener).setNeedClientAuth(false);
        }
        this.keepAlive = keepAlive;
        this.release = release;
        Thread acceptor = new Thread(this::accept, "srv-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Answers the {@code n}-th request this server gets (counted over all connections) with {@code Connection: close}, then closes. */
    public KeepAliveServer closeOnRequest(int n) {
        this.closeOnRequest = n;
        return this;
    }

    /** Holds the response to the {@code n}-th request this server gets, and to every later one, until it is closed. */
    public KeepAliveServer holdFrom(int n) {
        this.holdFrom = n;
        return this;
    }

    /** Closes a connection on which no request arrives for {@code millis} after the last response. */
    public KeepAliveServer idleClose(int millis) {
        this.idleCloseMillis = millis;
        return this;
    }

    /** A TLS context whose key and trust both come from a PKCS12 keystore with password {@code changeit}. */
    public static SSLContext tls(String keystore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Paths.get(keystore))) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return tls;
    }

    public int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        try {
            while (true) {
                Socket s = listener.accept();
                synchronized (this) {
                    sockets.add(s);
                    notifyAll();
                }
                Thread t = new Thread(() -> serve(s), "srv-conn");
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException closedListener) {
            // done
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            if (idleCloseMillis > 0) {
                s.setSoTimeout(idleCloseMillis);
            }
            while (readHead(in)) {
                int n;
                synchronized (this) {
                    n = ++requests;
                    notifyAll();
                }
                if (release != null && !release.await(20, TimeUnit.SECONDS)) {
                    return;
                }
                if (holdFrom > 0 && n >= holdFrom && !held.await(60, TimeUnit.SECONDS)) {
                    return;
                }
                boolean close = n == closeOnRequest;
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n"
                        + (close ? "Connection: close" : "Keep-Alive: " + keepAlive)
                        + "\r\n\r\nHello there!").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (SocketTimeoutException idle) {
            // idle too long: close it (the try closes the socket)
        } catch (IOException | InterruptedException e) {
            // the client went away
        } finally {
            synchronized (this) {
                closed++;
                notifyAll();
            }
        }
    }

    /** Reads one request head; false at end-of-stream. */
    private static boolean readHead(InputStream in) throws IOException {
        int matched = 0;
        int c;
        while ((c = in.read()) != -1) {
            matched = (c == '\r' || c == '\n') ? matched + 1 : 0;
            if (matched == 4) {
                return true;
            }
        }
        return false;
    }

    public synchronized void awaitConnections(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (sockets.size() < n && System.currentTimeMillis() < deadline) {
            wait(100);
        }
    }

    public synchronized void awaitRequests(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (requests < n && System.currentTimeMillis() < deadline) {
            wait(100);
        }
    }

    public synchronized void awaitClosed(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (closed < n && System.currentTimeMillis() < deadline) {
            wait(100);
        }
    }

    public synchronized int connections() {
        return sockets.size();
    }

    public synchronized int requests() {
        return requests;
    }

    public synchronized int closed() {
        return closed;
    }

    @Override
    public void close() throws IOException {
        held.countDown();
        listener.close();
    }
}
