package io.connscope.it.driver;

/**
 * Runs socket scenarios (as {@link SocketScenarios}), then says whether connscope started in this JVM: its
 * "started" property, and whether its bridge classes were put on the boot class path.
 */
public final class AgentPresence {

    private AgentPresence() {
    }

    public static void main(String[] args) throws Exception {
        SocketScenarios.main(args);
        String bridge;
        try {
            Class.forName("io.connscope.bootstrap.SocketEvents", false, null);
            bridge = "loaded";
        } catch (ClassNotFoundException e) {
            bridge = "absent";
        }
        System.out.println("AGENT started=" + (System.getProperty("connscope.agent.started") != null)
                + " bridge=" + bridge);
    }
}
