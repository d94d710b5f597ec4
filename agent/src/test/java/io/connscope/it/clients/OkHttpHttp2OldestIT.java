package io.connscope.it.clients;

import io.connscope.it.driver.clients.OkHttpHttp2Driver;

/** OkHttp at the oldest claimed version (agent/pom.xml: okhttp.oldest.version) speaking HTTP/2 to nginx. */
class OkHttpHttp2OldestIT extends AbstractHttp2ClientIT {

    @Override
    String driver() {
        return OkHttpHttp2Driver.class.getName();
    }

    @Override
    String clientsKey() {
        return "okhttp.oldest";
    }

    @Override
    String h2Answer() {
        return "h2:200"; // Protocol.HTTP_2's name
    }

    @Override
    int firstStreamId() {
        return 3; // OkHttp's Http2Connection starts client streams at 3 (1 was for an HTTP/1.1 upgrade)
    }

    @Override
    String poolName() {
        return "OkHttp";
    }
}
