package io.connscope.it.driver;

import com.sun.net.httpserver.HttpServer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A JVM started without connscope, for the attach tests. Before the attach it opens connection P to a JDK
 * HttpServer of its own and sends one request on it; prints {@code READY pid} and waits for a line on stdin (the
 * test attaches meanwhile); then sends two more requests on P and closes it, and runs the {@link OtelScenario}
 * (two HTTP connections seen from both sides and a refused connect). Prints
 * {@code RESULT pre_server_port=.. pre_client_port=..}.
 */
public final class AttachTarget {

    private AttachTarget() {
    }

    public static void main(String[] args) throws Exception {
        Watchdog.start(55_000);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        HttpServer server = HttpServer.create(new InetSocketAddress(loopback, 0), 10);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "before".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        Socket p = new Socket(loopback, server.getAddress().getPort());
        String request = "GET /p HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        OtelScenario.exchange(p, request);
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        OtelScenario.exchange(p, request);
        OtelScenario.exchange(p, request);
        p.close();
        System.out.println("RESULT pre_server_port=" + server.getAddress().getPort() + " pre_client_port=" + p.getLocalPort());
        OtelScenario.main(new String[0]);
        server.stop(0);
    }
}
