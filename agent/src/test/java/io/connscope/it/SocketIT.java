package io.connscope.it;

/** The shared scenarios over java.net.Socket / ServerSocket. */
class SocketIT extends AbstractSocketKindIT {
    @Override
    protected String kind() {
        return "socket";
    }
}
