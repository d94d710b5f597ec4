package io.connscope.it.clients;

import io.connscope.it.driver.clients.ReactorNettyEpollDriver;

/**
 * Reactor Netty at the oldest claimed version on the native epoll transport its POM brings (linux-x86_64), which
 * bypasses the JDK's sockets: the same scenarios and counts as on NIO. The driver fails any connection that is not
 * on epoll.
 */
class ReactorNettyEpollIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return ReactorNettyEpollDriver.class.getName();
    }

    @Override
    String clientsKey() {
        return "reactor-netty.oldest";
    }

    @Override
    String poolName() {
        return "Reactor Netty (connscope-test)";
    }
}
