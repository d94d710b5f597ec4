package io.connscope.it.clients;

import io.connscope.it.driver.clients.Apache5ClassicDriver;

/** Apache HttpClient 5 classic at the oldest claimed version (agent/pom.xml: httpclient5.oldest.version). */
class Apache5ClassicOldestIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return Apache5ClassicDriver.class.getName();
    }

    @Override
    String clientsKey() {
        return "httpclient5.oldest";
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
