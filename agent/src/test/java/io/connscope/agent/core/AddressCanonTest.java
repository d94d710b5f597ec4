package io.connscope.agent.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

class AddressCanonTest {

    private final AddressCanon canon = new AddressCanon();

    private static InetSocketAddress fresh(String literal, int port) throws Exception {
        // A new InetAddress object each time, as sun.nio.ch.Net makes for every getsockname / getpeername.
        return new InetSocketAddress(InetAddress.getByAddress(InetAddress.getByName(literal).getAddress()), port);
    }

    @Test
    void equalAddressesShareTheFirstInetAddress() throws Exception {
        InetSocketAddress first = fresh("127.0.0.1", 40000);
        InetSocketAddress second = fresh("127.0.0.1", 40001);
        assertSame(first, canon.of(first), "the first one is kept as it is");
        InetSocketAddress shared = canon.of(second);
        assertEquals(second, shared, "same address and port");
        assertSame(first.getAddress(), shared.getAddress(), "and the first one's InetAddress");
        assertEquals("127.0.0.1", shared.getAddress().getHostAddress());
        assertEquals(1, canon.size());
    }

    @Test
    void addressesTakingTurnsEachKeepTheirFirstInetAddress() throws Exception {
        // The last address is looked at before the map: turns between two peers go through both ways.
        InetAddress firstA = canon.of(fresh("127.0.0.1", 1)).getAddress();
        InetAddress firstB = canon.of(fresh("::1", 2)).getAddress();
        for (int i = 0; i < 3; i++) {
            InetSocketAddress a = canon.of(fresh("127.0.0.1", 10 + i));
            InetSocketAddress again = canon.of(fresh("127.0.0.1", 20 + i));
            InetSocketAddress b = canon.of(fresh("::1", 30 + i));
            assertSame(firstA, a.getAddress());
            assertSame(firstA, again.getAddress(), "the same peer twice in a row");
            assertEquals(20 + i, again.getPort());
            assertSame(firstB, b.getAddress());
            assertEquals(30 + i, b.getPort());
        }
        assertEquals(2, canon.size());
    }

    @Test
    void anAddressThatIsSharedAlreadyIsReturnedAsItIs() throws Exception {
        InetSocketAddress first = fresh("10.1.2.3", 80);
        canon.of(first);
        InetSocketAddress again = new InetSocketAddress(first.getAddress(), 443);
        assertSame(again, canon.of(again));
    }

    @Test
    void scopedIpv6AddressesAreNotShared() throws Exception {
        byte[] linkLocal = InetAddress.getByName("fe80::1").getAddress();
        InetSocketAddress scope1 = new InetSocketAddress(Inet6Address.getByAddress(null, linkLocal, 1), 80);
        InetSocketAddress scope2 = new InetSocketAddress(Inet6Address.getByAddress(null, linkLocal, 2), 80);
        assertSame(scope1, canon.of(scope1));
        assertSame(scope2, canon.of(scope2), "equal to scope 1 by InetAddress.equals, but another interface");
        assertEquals(0, canon.size());
    }

    @Test
    void boundedAndNullSafe() throws Exception {
        assertNull(canon.of(null));
        for (int i = 0; i < AddressCanon.LIMIT + 10; i++) {
            canon.of(new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}), 1));
        }
        assertEquals(AddressCanon.LIMIT, canon.size());
        InetSocketAddress beyond = fresh("192.168.99.99", 1);
        assertSame(beyond, canon.of(beyond), "past the limit an address is kept as it comes");
    }
}
