package io.connscope.it.driver.clients;

/** {@link NettyDriver} on Netty's native epoll transport: it fails at once where epoll is not available. */
public final class NettyEpollDriver {

    private NettyEpollDriver() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty(NettyPooledHttp.TRANSPORT, "epoll");
        NettyDriver.main(args);
    }
}
