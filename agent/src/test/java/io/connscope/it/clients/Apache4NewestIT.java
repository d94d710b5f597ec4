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

}
