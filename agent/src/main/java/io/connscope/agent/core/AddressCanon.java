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
    /**
     * The address last made canonical or found: a server's accepted connections mostly come from the address the one
     * before came from, and an equals on it is cheaper than the map's look-up (0.25 % of a Spring Boot server's CPU
     * under churn). A plain field: a racing thread sees an older canonical address, or none, and takes the map.
     * InetAddress keeps its value behind a final field, so a racy read sees it whole.
     */
    private InetAddress last;

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
        InetAddress recent = last;
        if (recent != null && recent.equals(address)) {
            return recent == address ? a : new InetSocketAddress(recent, a.getPort());
        }
        InetAddress canonical = shared.get(address);
        if (canonical == null) {
            if (shared.size() >= LIMIT) {
                return a;
            }
            canonical = shared.putIfAbsent(address, address);
            if (canonical == null) {
                last = address;
                return a;
            }
        }
        last = canonical;
        return canonical == address ? a : new InetSocketAddress(canonical, a.getPort());
    }

    int size() {
        return shared.size();
    }
}
