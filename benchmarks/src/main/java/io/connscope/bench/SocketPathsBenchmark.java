package io.connscope.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * connscope's per-event paths as the application drives them: real loopback sockets, in a JVM the driver starts
 * with and without the agent (the same benchmark, so the difference is the agent's). Blocking {@code SocketChannel}s
 * with direct buffers, which allocate nothing in the JDK itself: whatever {@code gc.alloc.rate.norm} shows with the
 * agent on {@link #writeRead} and {@link #httpExchange} is the agent's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SocketPathsBenchmark {

    private static final byte[] REQUEST = ("GET /items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nKeep-Alive: timeout=60\r\n\r\n"
            + "Hello there!").getBytes(StandardCharsets.US_ASCII);

    private ServerSocketChannel listener;
    private InetSocketAddress address;
    /** A connection carrying zero bytes (neither HTTP nor TLS: connscope counts them and stops looking at them). */
    private SocketChannel rawClient;
    private SocketChannel rawServer;
    /** A connection carrying HTTP/1.1 exchanges, which connscope follows head by head. */
    private SocketChannel httpClient;
    private SocketChannel httpServer;
    private final ByteBuffer raw = ByteBuffer.allocateDirect(64);
    private final ByteBuffer in = ByteBuffer.allocateDirect(4096);
    private final ByteBuffer request = ByteBuffer.allocateDirect(REQUEST.length).put(REQUEST).flip();
    private final ByteBuffer response = ByteBuffer.allocateDirect(RESPONSE.length).put(RESPONSE).flip();

    @Setup(Level.Trial)
    public void open() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        address = (InetSocketAddress) listener.getLocalAddress();
        rawClient = SocketChannel.open(address);
        rawServer = listener.accept();
        httpClient = SocketChannel.open(address);
        httpServer = listener.accept();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        rawClient.close();
        rawServer.close();
        httpClient.close();
        httpServer.close();
        listener.close();
    }

    /** Read/write accounting: 64 bytes written on one end and read on the other (two events). */
    @Benchmark
    public int writeRead() throws IOException {
        raw.clear();
        rawClient.write(raw);
        return readFully(rawServer, raw.capacity());
    }

    /** One HTTP/1.1 request and response on a kept-alive connection (four events, heads followed). */
    @Benchmark
    public int httpExchange() throws IOException {
        request.rewind();
        httpClient.write(request);
        readFully(httpServer, REQUEST.length);
        response.rewind();
        httpServer.write(response);
        return readFully(httpClient, RESPONSE.length);
    }

    /** Open and close: connect, accept, the server closes, then the client (a record made, finished, reported). */
    @Benchmark
    public boolean openClose() throws IOException {
        SocketChannel client = SocketChannel.open(address);
        SocketChannel accepted = listener.accept();
        accepted.close();
        client.close();
        return accepted.isOpen();
    }

    private int readFully(SocketChannel channel, int length) throws IOException {
        in.clear().limit(length);
        while (in.hasRemaining()) {
            if (channel.read(in) < 0) {
                throw new IOException("end of stream");
            }
        }
        return in.position();
    }
}
