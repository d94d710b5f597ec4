package io.connscope.agent.core;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One shared {@link InetAddress} per distinct address the kernel reports for connections. {@code sun.nio.ch.Net}
 * makes a new {@code InetAddress} (56 bytes with its holder) for every {@code getsockname} and {@code getpeername},
 * while a JVM's connections have few distinct local and peer addresses; an open connection keeps two. Kernel
 * addresses carry no host name and every report prints the numeric form, so sharing changes nothing reported.
 * Scoped IPv6 addresses are left as they are ({@code Inet6Address.equals} ignores the scope). Bounded: past
 * {@link #LIMIT} distinct addresses, new ones are kept as they come.
 */
final class AddressCanon {

    static final int LIMIT = 4096;

    private final ConcurrentHashMap<InetAddress, InetAddress> shared = new ConcurrentHashMap<>();

    /** {@code a}, or an equal address whose {@code InetAddress} is the shared one; null for null. */
    InetSocketAddress of(InetSocketAddress a) {
        if (a == null) {
            return null;
        }
        InetAddress address = a.getAddress();
        if (!(address instanceof Inet4Address)
                && !(address instanceof Inet6Address && ((Inet6Address) address).getScopeId() == 0
                        && ((Inet6Address) address).getScopedInterface() == null)) {
            return a;
        }
        InetAddress canonical = shared.get(address);
        if (canonical == null) {
            if (shared.size() >= LIMIT) {
                return a;
            }
            canonical = shared.putIfAbsent(address, address);
            if (canonical == null) {
                return a;
            }
        }
        return canonical == address ? a : new InetSocketAddress(canonical, a.getPort());
    }

    int size() {
        return shared.size();
    }
}
