package io.connscope.it;

/** The shared scenarios over non-blocking SocketChannel with a Selector and finishConnect. */
class NonBlockingSocketChannelIT extends AbstractSocketKindIT {
    @Override
    protected String kind() {
        return "nbchannel";
    }
}
