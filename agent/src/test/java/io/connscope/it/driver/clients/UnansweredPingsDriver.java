package io.connscope.it.driver.clients;

import io.connscope.it.driver.Watchdog;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/2 peer that stops answering PINGs: OkHttp (h2c by prior knowledge, a PING every 300 ms) asks a raw
 * server that answers the SETTINGS but never a PING nor the request. OkHttp gives the connection up when a PING
 * goes unanswered for an interval. The server counts the PINGs it read and the GOAWAY it got ({@code TRUTH}).
 */
public final class UnansweredPingsDriver {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    private UnansweredPingsDriver() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(60_000);
        AtomicInteger pings = new AtomicInteger();
        String[] goAway = {"none"};
        try (ServerSocket listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = listener.accept()) {
                    serve(s, pings, goAway);
                } catch (IOException e) {
                    goAway[0] += " (server: " + e + ")";
                }
            }, "raw-h2-server");
            server.start();
            OkHttpClient client = new OkHttpClient.Builder()
                    .protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
                    .pingInterval(300, TimeUnit.MILLISECONDS)
                    .readTimeout(20, TimeUnit.SECONDS)
                    .build();
            String outcome;
            try (Response r = client.newCall(new Request.Builder()
                    .url("http://127.0.0.1:" + listener.getLocalPort() + "/").build()).execute()) {
                outcome = "answered " + r.code();
            } catch (IOException e) {
                outcome = "failed: " + e.getMessage();
            }
            client.connectionPool().evictAll();
            client.dispatcher().executorService().shutdown();
            server.join(20_000);
            System.out.println("RESULT " + outcome);
            System.out.println("TRUTH port=" + listener.getLocalPort() + " pings=" + pings.get() + " goaway="
                    + goAway[0]);
        }
        System.out.flush();
        System.exit(0);
    }

    /** Reads frames to the end: ACKs SETTINGS, counts PINGs (never answered), keeps a GOAWAY's error code. */
    private static void serve(Socket s, AtomicInteger pings, String[] goAway) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        byte[] preface = new byte[PREFACE.length];
        in.readFully(preface);
        out.write(frameHeader(0, 4, 0)); // our SETTINGS: none
        out.flush();
        byte[] header = new byte[9];
        while (true) {
            try {
                in.readFully(header);
            } catch (java.io.EOFException end) {
                return;
            }
            int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
            int type = header[3] & 0xff;
            int flags = header[4] & 0xff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (type == 4 && (flags & 1) == 0) {
                out.write(frameHeader(0, 4, 1)); // SETTINGS ACK
                out.flush();
            } else if (type == 6 && (flags & 1) == 0) {
                pings.incrementAndGet();
            } else if (type == 7 && length >= 8) {
                goAway[0] = Integer.toString(((payload[4] & 0xff) << 24) | ((payload[5] & 0xff) << 16)
                        | ((payload[6] & 0xff) << 8) | (payload[7] & 0xff));
            }
        }
    }

    private static byte[] frameHeader(int length, int type, int flags) {
        return new byte[] {(byte) (length >>> 16), (byte) (length >>> 8), (byte) length, (byte) type, (byte) flags,
                0, 0, 0, 0};
    }
}
