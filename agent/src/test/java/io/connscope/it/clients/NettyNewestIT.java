package io.connscope.it.clients;

import io.connscope.it.driver.clients.NettyDriver;

/** Netty 4.1 at the newest claimed version (agent/pom.xml: netty41.newest.version), NIO transport. */
class NettyNewestIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return NettyDriver.class.getName();
    }

    @Override
    String clientsKey() {
        return "netty41.newest";
    }

    @Override
    String poolName() {
        return "Netty";
    }
}
