package io.connscope.it;

/** The shared scenarios over blocking SocketChannel / ServerSocketChannel. */
class SocketChannelIT extends AbstractSocketKindIT {
    @Override
    protected String kind() {
        return "channel";
    }
}
