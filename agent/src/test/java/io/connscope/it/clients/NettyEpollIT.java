package io.connscope.it.clients;

import io.connscope.it.driver.clients.NettyEpollDriver;

/**
 * Netty 4.1's channel pool on the native epoll transport (agent/pom.xml: netty41.epoll.version, the newest 4.1 whose
 * native epoll jar the build can get), which bypasses the JDK's sockets.
 */
class NettyEpollIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return NettyEpollDriver.class.getName();
    }

    @Override
    String clientsKey() {
        return "netty41.epoll";
    }

    @Override
    String poolName() {
        return "Netty";
    }
}
