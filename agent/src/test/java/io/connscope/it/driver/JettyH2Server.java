package io.connscope.it.driver;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;

/**
 * The trace drivers' Jetty 12 server, h2 only (TLS with the test keystore, ALPN) on 127.0.0.1: it notes each
 * request's client port (the connection the request came on) and answers {@code ok}. Kept apart from
 * {@link PlainHttp}, whose drivers run without Jetty's jars.
 */
final class JettyH2Server implements AutoCloseable {

    private final Server server = new Server();
    private final ServerConnector connector;

    /** Started, on a port the kernel picks. */
    JettyH2Server(String keystore, BlockingQueue<Integer> clientPorts) throws Exception {
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2");
        connector = new ServerConnector(server, new SslConnectionFactory(tls(keystore), alpn.getProtocol()), alpn,
                new HTTP2ServerConnectionFactory(new HttpConfiguration()));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                clientPorts.add(((InetSocketAddress) request.getConnectionMetaData().getRemoteSocketAddress())
                        .getPort());
                response.setStatus(200);
                Content.Sink.write(response, true, "ok", callback);
                return true;
            }
        });
        server.start();
    }

    /** Jetty's TLS with the tests' PKCS12 keystore (password {@code changeit}), for every Jetty driver. */
    static SslContextFactory.Server tls(String keystore) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(keystore);
        ssl.setKeyStorePassword("changeit");
        ssl.setKeyStoreType("PKCS12");
        return ssl;
    }

    int port() {
        return connector.getLocalPort();
    }

    /** Stops the server: its connections close, so both sides' connection spans end and are exported. */
    @Override
    public void close() throws Exception {
        server.stop();
    }
}
