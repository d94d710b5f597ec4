package io.connscope.it.driver;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The four socket kinds behind one small interface, so every scenario runs the same protocol over each. Every
 * blocking call is bounded: by SO_TIMEOUT, a selector timeout or a Future timeout; blocking channel calls (which
 * have no timeout of their own) are bounded by the driver's watchdog.
 */
public final class Kinds {

    static final int IO_TIMEOUT_MS = 10_000;

    private Kinds() {
    }

    /** One end of a TCP connection. */
    public interface Conn extends Closeable {
        void connect(InetSocketAddress remote) throws IOException;

        /** Connect with a timeout; only for kinds where {@link Kind#hasConnectTimeout()}. */
        void connect(InetSocketAddress remote, int timeoutMs) throws IOException;

        void writeAll(byte[] data) throws IOException;

        /** Up to len bytes; -1 at end-of-stream. */
        int read(byte[] buf, int off, int len) throws IOException;

        void shutdownOutput() throws IOException;

        <T> void setOption(SocketOption<T> option, T value) throws IOException;

        <T> T getOption(SocketOption<T> option) throws IOException;

        InetSocketAddress localAddress() throws IOException;

        default void readExactly(int n) throws IOException {
            byte[] buf = new byte[Math.min(n, 65536)];
            int got = 0;
            while (got < n) {
                int r = read(buf, 0, Math.min(buf.length, n - got));
                if (r < 0) {
                    throw new EOFException("end-of-stream after " + got + " of " + n + " bytes");
                }
                got += r;
            }
        }

        /** Reads until end-of-stream; fails if any data arrives before it. */
        default void expectEof() throws IOException {
            byte[] buf = new byte[1024];
            int r = read(buf, 0, buf.length);
            if (r != -1) {
                throw new IOException("expected end-of-stream, got " + r + " bytes");
            }
        }
    }

    /** A listening socket. */
    public interface Listener extends Closeable {
        Conn accept() throws IOException;

        int port();

        <T> void setOption(SocketOption<T> option, T value) throws IOException;
    }

    /** A socket kind. */
    public abstract static class Kind {
        final String name;

        Kind(String name) {
            this.name = name;
        }

        public abstract Conn open() throws IOException;

        public abstract Listener listen(InetAddress address, int backlog) throws IOException;

        public boolean hasConnectTimeout() {
            return false;
        }

        /** Whether SO_LINGER can be set; otherwise resets are made by closing with unread data. */
        public boolean supportsLinger() {
            return true;
        }
    }

    public static Kind byName(String name) {
        switch (name) {
            case "socket":
                return new SocketKind();
            case "channel":
                return new ChannelKind();
            case "nbchannel":
                return new NonBlockingChannelKind();
            case "async":
                return new AsyncKind();
            default:
                throw new IllegalArgumentException("unknown kind " + name + " (socket, channel, nbchannel, async)");
        }
    }

    // ---------------------------------------------------------------- java.net.Socket / ServerSocket

    static final class SocketKind extends Kind {
        SocketKind() {
            super("socket");
        }

        @Override
        public boolean hasConnectTimeout() {
            return true;
        }

        @Override
        public Conn open() {
            return new SocketConn(new Socket());
        }

        @Override
        public Listener listen(InetAddress address, int backlog) throws IOException {
            ServerSocket ss = new ServerSocket(0, backlog, address);
            ss.setSoTimeout(IO_TIMEOUT_MS);
            return new Listener() {
                @Override
                public Conn accept() throws IOException {
                    Socket s = ss.accept();
                    s.setSoTimeout(IO_TIMEOUT_MS);
                    return new SocketConn(s);
                }

                @Override
                public int port() {
                    return ss.getLocalPort();
                }

                @Override
                public <T> void setOption(SocketOption<T> option, T value) throws IOException {
                    ss.setOption(option, value);
                }

                @Override
                public void close() throws IOException {
                    ss.close();
                }
            };
        }
    }

    static final class SocketConn implements Conn {
        final Socket s;
        private InputStream in;
        private OutputStream out;

        SocketConn(Socket s) {
            this.s = s;
        }

        @Override
        public void connect(InetSocketAddress remote) throws IOException {
            connect(remote, IO_TIMEOUT_MS);
        }

        @Override
        public void connect(InetSocketAddress remote, int timeoutMs) throws IOException {
            s.setSoTimeout(IO_TIMEOUT_MS);
            s.connect(remote, timeoutMs);
        }

        @Override
        public void writeAll(byte[] data) throws IOException {
            if (out == null) {
                out = s.getOutputStream();
            }
            out.write(data);
            out.flush();
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (in == null) {
                in = s.getInputStream();
            }
            return in.read(buf, off, len);
        }

        @Override
        public void shutdownOutput() throws IOException {
            s.shutdownOutput();
        }

        @Override
        public <T> void setOption(SocketOption<T> option, T value) throws IOException {
            s.setOption(option, value);
        }

        @Override
        public <T> T getOption(SocketOption<T> option) throws IOException {
            return s.getOption(option);
        }

        @Override
        public InetSocketAddress localAddress() {
            return (InetSocketAddress) s.getLocalSocketAddress();
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }

    // ---------------------------------------------------------------- blocking SocketChannel

    static final class ChannelKind extends Kind {
        ChannelKind() {
            super("channel");
        }

        @Override
        public boolean hasConnectTimeout() {
            return true;
        }

        @Override
        public Conn open() throws IOException {
            return new ChannelConn(SocketChannel.open());
        }

        @Override
        public Listener listen(InetAddress address, int backlog) throws IOException {
            ServerSocketChannel ssc = ServerSocketChannel.open();
            ssc.bind(new InetSocketAddress(address, 0), backlog);
            return new Listener() {
                @Override
                public Conn accept() throws IOException {
                    return new ChannelConn(ssc.accept());
                }

                @Override
                public int port() {
                    return ssc.socket().getLocalPort();
                }

                @Override
                public <T> void setOption(SocketOption<T> option, T value) throws IOException {
                    ssc.setOption(option, value);
                }

                @Override
                public void close() throws IOException {
                    ssc.close();
                }
            };
        }
    }

    static class ChannelConn implements Conn {
        final SocketChannel ch;

        ChannelConn(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public void connect(InetSocketAddress remote) throws IOException {
            ch.connect(remote);
        }

        @Override
        public void connect(InetSocketAddress remote, int timeoutMs) throws IOException {
            ch.socket().connect(remote, timeoutMs);
        }

        @Override
        public void writeAll(byte[] data) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            return ch.read(ByteBuffer.wrap(buf, off, len));
        }

        @Override
        public void shutdownOutput() throws IOException {
            ch.shutdownOutput();
        }

        @Override
        public <T> void setOption(SocketOption<T> option, T value) throws IOException {
            ch.setOption(option, value);
        }

        @Override
        public <T> T getOption(SocketOption<T> option) throws IOException {
            return ch.getOption(option);
        }

        @Override
        public InetSocketAddress localAddress() throws IOException {
            return (InetSocketAddress) ch.getLocalAddress();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    // ---------------------------------------------------------------- non-blocking SocketChannel + Selector

    static final class NonBlockingChannelKind extends Kind {
        NonBlockingChannelKind() {
            super("nbchannel");
        }

        @Override
        public Conn open() throws IOException {
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            return new NonBlockingConn(ch);
        }

        @Override
        public Listener listen(InetAddress address, int backlog) throws IOException {
            ServerSocketChannel ssc = ServerSocketChannel.open();
            ssc.bind(new InetSocketAddress(address, 0), backlog);
            ssc.configureBlocking(false);
            Selector sel = Selector.open();
            SelectionKey key = ssc.register(sel, SelectionKey.OP_ACCEPT);
            return new Listener() {
                @Override
                public Conn accept() throws IOException {
                    while (true) {
                        SocketChannel ch = ssc.accept();
                        if (ch != null) {
                            ch.configureBlocking(false);
                            return new NonBlockingConn(ch);
                        }
                        await(sel, key, SelectionKey.OP_ACCEPT);
                    }
                }

                @Override
                public int port() {
                    return ssc.socket().getLocalPort();
                }

                @Override
                public <T> void setOption(SocketOption<T> option, T value) throws IOException {
                    ssc.setOption(option, value);
                }

                @Override
                public void close() throws IOException {
                    ssc.close();
                    sel.close();
                }
            };
        }
    }

    static void await(Selector sel, SelectionKey key, int ops) throws IOException {
        key.interestOps(ops);
        int n = sel.select(IO_TIMEOUT_MS);
        sel.selectedKeys().clear();
        if (n == 0) {
            throw new SocketTimeoutException("no readiness for ops " + ops + " within " + IO_TIMEOUT_MS + " ms");
        }
    }

    static final class NonBlockingConn extends ChannelConn {
        private Selector sel;
        private SelectionKey key;

        NonBlockingConn(SocketChannel ch) {
            super(ch);
        }

        private SelectionKey key() throws IOException {
            if (key == null) {
                sel = Selector.open();
                key = ch.register(sel, 0);
            }
            return key;
        }

        private void awaitOps(int ops) throws IOException {
            SelectionKey k = key();
            await(sel, k, ops);
        }

        @Override
        public void connect(InetSocketAddress remote) throws IOException {
            if (ch.connect(remote)) {
                return;
            }
            while (!ch.finishConnect()) {
                awaitOps(SelectionKey.OP_CONNECT);
            }
        }

        @Override
        public void connect(InetSocketAddress remote, int timeoutMs) {
            throw new UnsupportedOperationException("non-blocking SocketChannel has no connect timeout");
        }

        @Override
        public void writeAll(byte[] data) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                if (ch.write(b) == 0) {
                    awaitOps(SelectionKey.OP_WRITE);
                }
            }
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(buf, off, len);
            while (true) {
                int n = ch.read(b);
                if (n != 0) {
                    return n;
                }
                awaitOps(SelectionKey.OP_READ);
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
            if (sel != null) {
                // Deregisters the channel, which completes its deferred close.
                sel.close();
            }
        }
    }

    // ---------------------------------------------------------------- AsynchronousSocketChannel

    static final class AsyncKind extends Kind {
        AsyncKind() {
            super("async");
        }

        @Override
        public boolean supportsLinger() {
            return false;
        }

        @Override
        public Conn open() throws IOException {
            return new AsyncConn(AsynchronousSocketChannel.open());
        }

        @Override
        public Listener listen(InetAddress address, int backlog) throws IOException {
            AsynchronousServerSocketChannel ssc = AsynchronousServerSocketChannel.open();
            ssc.bind(new InetSocketAddress(address, 0), backlog);
            return new Listener() {
                @Override
                public Conn accept() throws IOException {
                    return new AsyncConn(get(ssc.accept()));
                }

                @Override
                public int port() {
                    try {
                        return ((InetSocketAddress) ssc.getLocalAddress()).getPort();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }

                @Override
                public <T> void setOption(SocketOption<T> option, T value) throws IOException {
                    ssc.setOption(option, value);
                }

                @Override
                public void close() throws IOException {
                    ssc.close();
                }
            };
        }
    }

    static <T> T get(Future<T> f) throws IOException {
        try {
            return f.get(IO_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException) {
                throw (IOException) e.getCause();
            }
            throw new IOException(e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new SocketTimeoutException("async operation did not complete within " + IO_TIMEOUT_MS + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static final class AsyncConn implements Conn {
        final AsynchronousSocketChannel ch;

        AsyncConn(AsynchronousSocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public void connect(InetSocketAddress remote) throws IOException {
            get(ch.connect(remote));
        }

        @Override
        public void connect(InetSocketAddress remote, int timeoutMs) {
            throw new UnsupportedOperationException("AsynchronousSocketChannel has no connect timeout");
        }

        @Override
        public void writeAll(byte[] data) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                get(ch.write(b));
            }
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            return get(ch.read(ByteBuffer.wrap(buf, off, len)));
        }

        @Override
        public void shutdownOutput() throws IOException {
            ch.shutdownOutput();
        }

        @Override
        public <T> void setOption(SocketOption<T> option, T value) throws IOException {
            ch.setOption(option, value);
        }

        @Override
        public <T> T getOption(SocketOption<T> option) throws IOException {
            return ch.getOption(option);
        }

        @Override
        public InetSocketAddress localAddress() throws IOException {
            return (InetSocketAddress) ch.getLocalAddress();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
