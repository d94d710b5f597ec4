package io.connscope.it.clients;

import io.connscope.it.driver.clients.Apache4Driver;

/** Apache HttpClient 4.5 at the newest claimed version (agent/pom.xml: httpclient4.newest.version). */
class Apache4NewestIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return Apache4Driver.class.getName();
    }

    @Override
    String clientsKey() {
        return "httpclient4.newest";
    }

    /** A connection it will not reuse is shut down (BHttpConnectionBase.shutdown sets SO_LINGER 0), as in 5 classic. */
    @Override
    boolean resetsConnectionsItDiscards() {
        return true;
    }

    @Override
    String poolName() {
        return "Apache HttpClient 4";
    }
}
