package io.connscope.it.clients;

import io.connscope.it.driver.clients.NettyDriver;

/** Netty 4.1 at the oldest claimed version (agent/pom.xml: netty41.oldest.version), NIO transport. */
class NettyOldestIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return NettyDriver.class.getName();
    }

    @Override
    String clientsKey() {
        return "netty41.oldest";
    }

    @Override
    String poolName() {
        return "Netty";
    }
}
