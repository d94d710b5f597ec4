package io.connscope.it.clients;

import io.connscope.it.driver.clients.Apache5AsyncDriver;

/** Apache HttpClient 5 async at the newest claimed version (agent/pom.xml: httpclient5.newest.version). */
class Apache5AsyncNewestIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return Apache5AsyncDriver.class.getName();
    }

    @Override
    String clientsKey() {
        return "httpclient5.newest";
    }

    @Override
    String poolName() {
        return "Apache HttpClient 5 async";
    }
}
