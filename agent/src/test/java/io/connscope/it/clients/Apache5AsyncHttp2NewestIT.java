package io.connscope.it.clients;

import io.connscope.it.driver.clients.Apache5AsyncHttp2Driver;

/** Apache HttpClient 5 async's HTTP/2 client at the newest claimed version (agent/pom.xml: httpclient5.newest.version). */
class Apache5AsyncHttp2NewestIT extends AbstractHttp2ClientIT {

    @Override
    String driver() {
        return Apache5AsyncHttp2Driver.class.getName();
    }

    @Override
    String clientsKey() {
        return "httpclient5.newest";
    }

    @Override
    String h2Answer() {
        return "HTTP/2.0:200";
    }

    /** The HTTP/2 client's own pool (httpcore5-h2's {@code H2ConnPool}) is not one connscope has hooks for. */
    @Override
    String poolName() {
        return null;
    }

    /**
     * Seen with 5.6.5: the 4th request, right after the 3rd's answer, fails with {@code RequestNotExecutedException:
     * Connection is closed}: the pool hands out the connection nginx's GOAWAY is closing, and the HTTP/2 client does
     * not retry it. Nothing was sent: nginx has 6 requests, on 2 connections.
     */
    @Override
    boolean mayFailARequestOnAClosingConnection() {
        return true;
    }
}
