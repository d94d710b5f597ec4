package io.connscope.bootstrap;

/**
 * A thread that belongs to connscope itself (reporter, exporters). Connections opened or accepted on such a
 * thread are never traced, so the agent's own traffic never shows up in what it reports.
 *
 * <p>Threads that connscope's threads start are connscope's too: the OpenTelemetry SDK's workers and the
 * relocated OkHttp's task runner (which connects the exporters' sockets, OkHttp 5 on threads of its own) are
 * started from an {@code AgentThread} and inherit its thread group, which is the mark (a thread created in a group
 * of its own, like the JDK's innocuous threads, is not marked). The JDK pools the application shares are never
 * started from these threads.
 *
 * <p>The mark is the thread group, not an inheritable thread local: the check runs on every accept and connect of
 * the application, and a thread local the application's threads never set is a miss that probes their whole
 * thread-local table (seen in Tomcat's profile under connection churn). A group is one field read.
 *
 * <p>On the boot class path so that the check is one answer that any class loader agrees on.
 */
public final class AgentThread extends Thread {

    /** connscope's threads and every thread started from one (the group is inherited at thread creation). */
    private static final ThreadGroup GROUP = new ThreadGroup("connscope");

    public AgentThread(Runnable task, String name) {
        super(GROUP, task, name);
        setDaemon(true);
    }

    /** True when the current thread is one of connscope's own, or was started from one. */
    public static boolean isCurrent() {
        Thread t = Thread.currentThread();
        return t instanceof AgentThread || t.getThreadGroup() == GROUP;
    }
}
