package io.connscope.it;

/** The shared scenarios over AsynchronousSocketChannel / AsynchronousServerSocketChannel. */
class AsyncSocketChannelIT extends AbstractSocketKindIT {
    @Override
    protected String kind() {
        return "async";
    }
}
