package io.connscope.it.clients;

import io.connscope.it.driver.clients.Apache5AsyncDriver;

/** Apache HttpClient 5 async at the oldest claimed version (agent/pom.xml: httpclient5.oldest.version). */
class Apache5AsyncOldestIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return Apache5AsyncDriver.class.getName();
    }

    @Override
    String clientsKey() {
        return "httpclient5.oldest";
    }

    @Override
    String poolName() {
        return "Apache HttpClient 5 async";
    }
}
