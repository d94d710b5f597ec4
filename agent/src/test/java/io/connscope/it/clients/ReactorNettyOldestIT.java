package io.connscope.it.clients;

import io.connscope.it.driver.clients.ReactorNettyDriver;

/** Reactor Netty at the oldest claimed version (agent/pom.xml: reactor-netty.oldest.version), NIO transport. */
class ReactorNettyOldestIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return ReactorNettyDriver.class.getName();
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
