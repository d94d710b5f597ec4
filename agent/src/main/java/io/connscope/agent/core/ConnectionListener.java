package io.connscope.agent.core;

/** Receives each connection once, when it closes, fails to connect, or is found collected without close. */
public interface ConnectionListener {
    void onFinished(ConnectionRecord record);
}
