package io.connscope.it.clients;

import io.connscope.it.driver.clients.OkHttpDriver;

/** OkHttp at the newest claimed version, 5.x (agent/pom.xml: okhttp.newest.version). */
class OkHttpNewestIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return OkHttpDriver.class.getName();
    }

    @Override
    String clientsKey() {
        return "okhttp.newest";
    }

    @Override
    int staleReuses() {
        return 1; // a GET reuses a pooled connection without checking it (only non-GETs idle 10 s+ are checked)
    }

    @Override
    String poolName() {
        return "OkHttp";
    }
}
