package io.connscope.it.driver.clients;

/**
 * Reactor Netty through the {@link ClientScenarios} on its default transport, which must be the native epoll one
 * (its jar on the class path, Linux): a connection on another transport fails its request, and so the scenario.
 */
public final class ReactorNettyEpollDriver {

    private ReactorNettyEpollDriver() {
    }

    public static void main(String[] args) throws Exception {
        String[] withDefaults = new String[args.length + 1];
        withDefaults[0] = "transport=default";
        System.arraycopy(args, 0, withDefaults, 1, args.length);
        ReactorNettyDriver.run(withDefaults, true);
    }
}
