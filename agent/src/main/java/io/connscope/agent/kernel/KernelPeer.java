package io.connscope.agent.kernel;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.Direction;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A peer as the metrics name it: the server's address and port (our own for inbound connections) and the direction.
 * Never a client's ephemeral port, so the kernel metrics have the cardinality of the other per-peer metrics.
 */
public final class KernelPeer implements Comparable<KernelPeer> {

    public final Direction direction;
    public final String serverAddress;
    public final int serverPort;

    public KernelPeer(Direction direction, String serverAddress, int serverPort) {
        this.direction = direction;
        this.serverAddress = serverAddress;
        this.serverPort = serverPort;
    }

    /** The peer of a connection, or null when its server address is unknown. */
    public static KernelPeer of(ConnectionRecord r) {
        InetSocketAddress server = r.serverAddress();
        if (server == null || server.getAddress() == null || r.direction() == null) {
            return null;
        }
        return new KernelPeer(r.direction(), server.getAddress().getHostAddress(), server.getPort());
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof KernelPeer)) {
            return false;
        }
        KernelPeer p = (KernelPeer) o;
        return serverPort == p.serverPort && direction == p.direction && serverAddress.equals(p.serverAddress);
    }

    @Override
    public int hashCode() {
        return Objects.hash(direction, serverAddress, serverPort);
    }

    @Override
    public int compareTo(KernelPeer o) {
        int c = serverAddress.compareTo(o.serverAddress);
        if (c == 0) {
            c = Integer.compare(serverPort, o.serverPort);
        }
        return c != 0 ? c : direction.compareTo(o.direction);
    }

    @Override
    public String toString() {
        String host = serverAddress.indexOf(':') >= 0 ? "[" + serverAddress + "]" : serverAddress;
        return host + ":" + serverPort + " (" + direction.wireName() + ")";
    }
}
