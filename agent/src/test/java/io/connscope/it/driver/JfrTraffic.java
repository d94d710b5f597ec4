package io.connscope.it.driver;

import io.connscope.it.driver.Kinds.Conn;
import io.connscope.it.driver.Kinds.Kind;
import io.connscope.it.driver.Kinds.Listener;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One connection per socket kind named in the args, with byte counts of its own: the client sends {@code sent}
 * bytes, the server reads them all, answers {@code received} bytes and closes, the client reads to end-of-stream
 * and closes. One {@code CONN} line per connection: kind, ports and the two counts. For JFR's socket events
 * beside connscope's.
 */
public final class JfrTraffic {

    private JfrTraffic() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(50_000);
        int n = 0;
        for (String name : args) {
            n++;
            run(Kinds.byName(name), name, 10_000 * n + 1234, 20_000 * n + 4321);
        }
        System.out.println("DONE");
    }

    private static void run(Kind kind, String name, int sent, int received) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        ExecutorService server = Executors.newSingleThreadExecutor();
        try (Listener listener = kind.listen(loopback, 50)) {
            Future<?> served = server.submit(() -> {
                try (Conn c = listener.accept()) {
                    c.readExactly(sent);
                    c.writeAll(new byte[received]);
                }
                return null;
            });
            int clientPort;
            long got = 0;
            try (Conn c = kind.open()) {
                c.connect(new InetSocketAddress(loopback, listener.port()));
                clientPort = c.localAddress().getPort();
                c.writeAll(new byte[sent]);
                byte[] buf = new byte[8192];
                for (int r; (r = c.read(buf, 0, buf.length)) >= 0; ) {
                    got += r;
                }
            }
            served.get(20, TimeUnit.SECONDS);
            System.out.println("CONN name=" + name + " client_port=" + clientPort + " server_port=" + listener.port()
                    + " sent=" + sent + " received=" + got);
        } finally {
            server.shutdownNow();
        }
    }
}
