package io.connscope.agent.core;

/** Where a tracked socket is in its life. Only OPEN, CLOSED and FAILED connections are reported. */
public enum ConnectionState {
    /** Created or listening, options maybe set, not connected: tracked for the keep-alive options it carries. */
    NEW,
    CONNECTING,
    OPEN,
    CLOSED,
    /** A connect that never established a connection. */
    FAILED;

    private final String wireName = AsciiCase.lower(name());

    /** The name used in reports and JSON ({@code closed|open|failed}). */
    public String wireName() {
        return wireName;
    }
}
