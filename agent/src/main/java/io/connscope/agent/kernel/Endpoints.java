package io.connscope.agent.kernel;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A TCP connection's 4-tuple, as the join key between /proc/net/tcp{,6} rows and connscope's connections.
 *
 * <p>Addresses are held as 128 bits, IPv4 in its IPv4-mapped form ({@code ::ffff:a.b.c.d}): Java opens IPv6
 * sockets by default, so a connection to 127.0.0.1 is listed in /proc/net/tcp6 as ::ffff:127.0.0.1 while Java
 * reports 127.0.0.1; both must meet. Mutable so that the sampler parses every row into one instance without
 * allocating; {@link #copy()} makes the keys that are stored.
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
        if (local == null || remote == null || local.getAddress() == null || remote.getAddress() == null) {
            return null;
        }
        Endpoints e = new Endpoints();
        long[] l = bits(local.getAddress());
        long[] r = bits(remote.getAddress());
        e.localHigh = l[0];
        e.localLow = l[1];
        e.remoteHigh = r[0];
        e.remoteLow = r[1];
        e.ports = (local.getPort() << 16) | remote.getPort();
        return e;
    }

    private static long[] bits(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return new long[] {0, 0xffff_0000_0000L | ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16)
                    | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL)};
        }
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = (high << 8) | (b[i] & 0xffL);
            low = (low << 8) | (b[i + 8] & 0xffL);
        }
        return new long[] {high, low};
    }

    public int localPort() {
        return ports >>> 16;
    }

    public int remotePort() {
        return ports & 0xffff;
    }

    Endpoints copy() {
        Endpoints e = new Endpoints();
        e.localHigh = localHigh;
        e.localLow = localLow;
        e.remoteHigh = remoteHigh;
        e.remoteLow = remoteLow;
        e.ports = ports;
        return e;
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
