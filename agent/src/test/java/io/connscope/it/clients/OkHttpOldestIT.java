package io.connscope.it.clients;

import io.connscope.it.driver.clients.OkHttpDriver;

/** OkHttp at the oldest claimed version, 4.x (agent/pom.xml: okhttp.oldest.version). */
class OkHttpOldestIT extends AbstractClientLibraryIT {

    @Override
    String driver() {
        return OkHttpDriver.class.getName();
    }

    @Override
    String clientsKey() {
        return "okhttp.oldest";
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
