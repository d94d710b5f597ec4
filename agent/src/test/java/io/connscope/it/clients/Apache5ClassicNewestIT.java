package io.connscope.it.clients;

import io.connscope.it.driver.clients.Apache5ClassicDriver;

/** Apache HttpClient 5 classic at the newest claimed version (agent/pom.xml: httpclient5.newest.version). */
class Apache5ClassicNewestIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return Apache5ClassicDriver.class.getName();
    }

    @Override
    String clientsKey() {
        return "httpclient5.newest";
    }

    @Override
    boolean resetsConnectionsItDiscards() {
        return true;
    }

    @Override
    String poolName() {
        return "Apache HttpClient 5";
    }
}
