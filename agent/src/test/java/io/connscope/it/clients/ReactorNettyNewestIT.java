package io.connscope.it.clients;

import io.connscope.it.driver.clients.ReactorNettyDriver;

/** Reactor Netty at the newest claimed version (agent/pom.xml: reactor-netty.newest.version), NIO transport. */
class ReactorNettyNewestIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return ReactorNettyDriver.class.getName();
    }

    @Override
    String clientsKey() {
        return "reactor-netty.newest";
    }

    @Override
    String poolName() {
        return "Reactor Netty (connscope-test)";
    }
}
