package io.connscope.bootstrap;

/**
 * A thread that belongs to connscope itself (reporter, exporters). Connections opened or accepted on such a
 * thread are never traced, so the agent's own traffic never shows up in what it reports.
 *
 * <p>Threads that connscope's threads start are connscope's too: the OpenTelemetry SDK's workers and the
 * relocated OkHttp's task runner (which connects the exporters' sockets, OkHttp 5 on threads of its own) are
 * started from an {@code AgentThread} and inherit the mark (a thread created without inherited thread locals,
 * like the JDK HttpServer's dispatcher, does not). The JDK pools the application shares are never started from
 * these threads.
 *
 * <p>On the boot class path so that the check is one answer that any class loader agrees on.
 */
public final class AgentThread extends Thread {

    /** True on connscope's threads and on every thread started from one (inherited at thread creation). */
    private static final InheritableThreadLocal<Boolean> OWNED = new InheritableThreadLocal<>();

    public AgentThread(Runnable task, String name) {
        super(task, name);
        setDaemon(true);
    }

    @Override
    public void run() {
        OWNED.set(Boolean.TRUE);
        super.run();
    }

    /** True when the current thread is one of connscope's own. */
    public static boolean isCurrent() {
        Thread t = Thread.currentThread();
        return t instanceof AgentThread || OWNED.get() == Boolean.TRUE;
    }
}
