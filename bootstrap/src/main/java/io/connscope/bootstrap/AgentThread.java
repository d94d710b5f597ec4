package io.connscope.bootstrap;

/**
 * A thread that belongs to connscope itself (reporter, exporters). Connections opened or accepted on such a
 * thread are never traced, so the agent's own traffic never shows up in what it reports.
 *
 * <p>On the boot class path so that the check is a plain {@code instanceof} that any class loader agrees on.
 */
public final class AgentThread extends Thread {

    public AgentThread(Runnable task, String name) {
        super(task, name);
        setDaemon(true);
    }

    /** True when the current thread is one of connscope's own. */
    public static boolean isCurrent() {
        return Thread.currentThread() instanceof AgentThread;
    }
}
