package io.connscope.agent.kernel;

import io.connscope.agent.core.ConnectionRecord;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A TCP connection's 4-tuple, as the join key between /proc/net/tcp{,6} rows and connscope's connections.
 *
 * <p>Addresses are held as 128 bits, IPv4 in its IPv4-mapped form ({@code ::ffff:a.b.c.d}): Java opens IPv6
 * sockets by default, so a connection to 127.0.0.1 is listed in /proc/net/tcp6 as ::ffff:127.0.0.1 while Java
 * reports 127.0.0.1; both must meet. Mutable so that the sampler parses every row into one instance, and the
 * reporter fills one for every close, without allocating; {@link RecentCloses} keeps the parts, not instances.
 */
public final class Endpoints {

    long localHigh;
    long localLow;
    long remoteHigh;
    long remoteLow;
    /** Local port in the high 16 bits, remote port in the low 16. */
    int ports;

    Endpoints() {
    }

    /** The 4-tuple of a connection, or null when either address is unknown. */
    public static Endpoints of(InetSocketAddress local, InetSocketAddress remote) {
        if (local == null || remote == null) {
            return null;
        }
        Endpoints e = new Endpoints();
        return e.set(local.getAddress(), local.getPort(), remote.getAddress(), remote.getPort()) ? e : null;
    }

    /** Makes this a connection's tuple; false (and this unchanged) when either address is unknown. */
    boolean set(ConnectionRecord r) {
        return set(r.localInet(), r.localPort(), r.remoteInet(), r.remotePort());
    }

    /** Makes this the given tuple; false (and this unchanged) when either address is unknown. */
    boolean set(InetAddress local, int localPort, InetAddress remote, int remotePort) {
        if (local == null || remote == null) {
            return false;
        }
        byte[] l = local.getAddress();
        byte[] r = remote.getAddress();
        localHigh = high(l);
        localLow = low(l);
        remoteHigh = high(r);
        remoteLow = low(r);
        ports = (localPort << 16) | remotePort;
        return true;
    }

    /** The same connection seen from the other end: its row, when the peer is on this host. */
    Endpoints reversed() {
        Endpoints e = new Endpoints();
        e.localHigh = remoteHigh;
        e.localLow = remoteLow;
        e.remoteHigh = localHigh;
        e.remoteLow = localLow;
        e.ports = (remotePort() << 16) | localPort();
        return e;
    }

    private static long high(byte[] b) {
        long high = 0;
        for (int i = 0; b.length == 16 && i < 8; i++) {
            high = (high << 8) | (b[i] & 0xffL);
        }
        return high;
    }

    private static long low(byte[] b) {
        if (b.length == 4) {
            return 0xffff_0000_0000L | ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8)
                    | (b[3] & 0xffL);
        }
        long low = 0;
        for (int i = 8; i < 16; i++) {
            low = (low << 8) | (b[i] & 0xffL);
        }
        return low;
    }

    public int localPort() {
        return ports >>> 16;
    }

    public int remotePort() {
        return ports & 0xffff;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Endpoints)) {
            return false;
        }
        Endpoints e = (Endpoints) o;
        return ports == e.ports && localLow == e.localLow && remoteLow == e.remoteLow && localHigh == e.localHigh
                && remoteHigh == e.remoteHigh;
    }

    @Override
    public int hashCode() {
        return hash(localHigh, localLow, remoteHigh, remoteLow, ports);
    }

    /** The hash of a tuple held as its parts (by {@link RecentCloses}). */
    static int hash(long localHigh, long localLow, long remoteHigh, long remoteLow, int ports) {
        long h = localLow * 31 + remoteLow;
        h = h * 31 + localHigh;
        h = h * 31 + remoteHigh;
        return (int) (h ^ (h >>> 32)) * 31 + ports;
    }

    @Override
    public String toString() {
        return address(localHigh, localLow) + ":" + localPort() + " -> " + address(remoteHigh, remoteLow) + ":" + remotePort();
    }

    private static String address(long high, long low) {
        if (high == 0 && (low >>> 32) == 0xffff) {
            return ((low >>> 24) & 0xff) + "." + ((low >>> 16) & 0xff) + "." + ((low >>> 8) & 0xff) + "." + (low & 0xff);
        }
        return "[" + Long.toHexString(high) + ":" + Long.toHexString(low) + "]";
    }
}
