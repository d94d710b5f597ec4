package io.connscope.agent.core;

/** Which side opened the connection: this JVM connected out, or it accepted the peer's connect. */
public enum Direction {
    OUTBOUND("outbound"),
    INBOUND("inbound");

    private final String wireName;

    Direction(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in reports and JSON. */
    public String wireName() {
        return wireName;
    }
}
