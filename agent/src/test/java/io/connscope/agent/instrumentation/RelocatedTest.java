package io.connscope.agent.instrumentation;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Relocated copies of a library class are recognised by the end of their names, at a package boundary only. */
class RelocatedTest {

    private static final String SOCKET = "io.netty.channel.unix.Socket";

    @Test
    void thePlainNameAndAnyPrefixMatch() {
        assertTrue(Relocated.isCopyOf(SOCKET, SOCKET));
        assertTrue(Relocated.isCopyOf("io.grpc.netty.shaded.io.netty.channel.unix.Socket", SOCKET));
        assertTrue(Relocated.isCopyOf("org.apache.hbase.thirdparty.io.netty.channel.unix.Socket", SOCKET));
        assertTrue(Relocated.isCopyOf("x.io.netty.channel.unix.Socket", SOCKET));
    }

    @Test
    void aLongerNameOrAnotherPackageDoesNot() {
        assertFalse(Relocated.isCopyOf("io.netty.channel.unix.MySocket", SOCKET), "not at a package boundary");
        assertFalse(Relocated.isCopyOf("xio.netty.channel.unix.Socket", SOCKET), "not at a package boundary");
        assertFalse(Relocated.isCopyOf("io.netty.channel.unix.Socket$1", SOCKET));
        assertFalse(Relocated.isCopyOf("io.netty.channel.unix.SocketWritableByteChannel", SOCKET));
    }

    @Test
    void packagesPlainOrRelocated() {
        assertTrue(Relocated.inPackage("io.netty.channel.epoll.EpollSocketChannel", "io.netty."));
        assertTrue(Relocated.inPackage("io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel", "io.netty."));
        assertTrue(Relocated.inPackage("org.apache.hbase.thirdparty.io.netty.channel.epoll.EpollSocketChannel", "io.netty."));
        assertFalse(Relocated.inPackage("io.grpc.netty.NettyChannelBuilder", "io.netty."));
    }
}
