package io.connscope.agent.jdk;

import io.connscope.agent.instrumentation.Relocated;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Finds the JDK socket under Netty and Reactor Netty objects, and reads Reactor Netty's pool limits and clocks.
 * The application's Netty classes are never linked against: each class is looked at once ({@link ClassValue}), by
 * member names checked on Netty 4.1.50 to 4.2 and Reactor Netty 1.0.0 to 1.3.8:
 * <ul>
 *   <li>a Netty NIO channel ({@code io.netty.channel.nio.AbstractNioChannel}) holds its
 *       {@code java.nio.channels.SocketChannel}: the protected {@code javaChannel()};</li>
 *   <li>a {@code ChannelFuture} or a Reactor Netty {@code Connection} (its pooled connection too) has a
 *       {@code channel()} that returns the Netty {@code Channel};</li>
 *   <li>Reactor Netty's pool (reactor-pool, shaded into Reactor Netty) hands out {@code PooledRef}s whose
 *       {@code poolable()} is the pooled connection, and which are {@code PooledRefMetadata} too
 *       ({@code idleTime()}, {@code lifeTime()}, in milliseconds);</li>
 *   <li>Reactor Netty's {@code PooledConnectionProvider.PoolFactory} has {@code long} fields {@code maxIdleTime} and
 *       {@code maxLifeTime}, milliseconds, -1 for none.</li>
 * </ul>
 * A native transport's channel (epoll's {@code AbstractEpollChannel}) has no JDK socket: its public {@code fd()} is
 * its {@code io.netty.channel.unix.Socket}, which the agent has a {@code FileDescriptor} of its own for.
 * Netty's names are matched plain or relocated ({@link Relocated}: gRPC's {@code io.grpc.netty.shaded.io.netty...}).
 */
final class NettyObjects {

    private static final String NIO_CHANNEL = "io.netty.channel.nio.AbstractNioChannel";
    private static final String CHANNEL = "io.netty.channel.Channel";

    private NettyObjects() {
    }

    /** How to get one step closer to the JDK socket from an object of a class: a no-argument method, or null. */
    private static final ClassValue<Method> STEP = new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
            try {
                for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                    if (Relocated.isCopyOf(c.getName(), NIO_CHANNEL)) {
                        return accessible(c.getDeclaredMethod("javaChannel"));
                    }
                }
                if (!Relocated.inPackage(type.getName(), "io.netty.") && !type.getName().startsWith("reactor.netty.")) {
                    return null;
                }
                Method channel = publicNoArg(type, "channel");
                if (channel != null && Relocated.isCopyOf(channel.getReturnType().getName(), CHANNEL)) {
                    return accessible(channel);
                }
                // A native transport's channel (AbstractEpollChannel): its socket object.
                Method fd = publicNoArg(type, "fd");
                if (fd != null && NATIVE_SOCKET.get(fd.getReturnType())) {
                    return accessible(fd);
                }
                return type.getName().startsWith("reactor.netty.") ? accessible(publicNoArg(type, "poolable")) : null;
            } catch (Throwable t) {
                return null;
            }
        }
    };

    /** Whether a class is (a subclass of) Netty's {@code io.netty.channel.unix.FileDescriptor}, or a relocated copy's. */
    private static final ClassValue<Boolean> NATIVE_SOCKET = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                if (Relocated.isCopyOf(c.getName(), "io.netty.channel.unix.FileDescriptor")) {
                    return true;
                }
            }
            return false;
        }
    };

    /**
     * The {@code java.nio.channels.SocketChannel} under a Netty or Reactor Netty object, or {@code owner} itself
     * when it is none of those (or a channel of a native transport).
     */
    static Object socketChannelOf(Object owner) {
        Object o = unwrap(owner);
        return o instanceof java.nio.channels.SocketChannel ? o : owner;
    }

    /** The native socket ({@code io.netty.channel.unix.Socket}) under a Netty or Reactor Netty object, or null. */
    static Object nativeSocketOf(Object owner) {
        Object o = unwrap(owner);
        return o != null && NATIVE_SOCKET.get(o.getClass()) ? o : null;
    }

    /** Pooled ref -> pooled connection -> Netty channel -> SocketChannel or native socket, as far as it goes. */
    private static Object unwrap(Object owner) {
        Object o = owner;
        for (int depth = 0; depth < 4 && o != null; depth++) {
            if (o instanceof java.nio.channels.SocketChannel) {
                return o;
            }
            Method step = STEP.get(o.getClass());
            if (step == null) {
                return o;
            }
            try {
                o = step.invoke(o);
            } catch (Throwable t) {
                return null;
            }
        }
        return o;
    }

    private static final ClassValue<Field[]> LIMITS = new ClassValue<>() {
        @Override
        protected Field[] computeValue(Class<?> type) {
            try {
                Field idle = type.getDeclaredField("maxIdleTime");
                Field life = type.getDeclaredField("maxLifeTime");
                if (idle.getType() == long.class && life.getType() == long.class) {
                    return new Field[] {accessible(idle), accessible(life)};
                }
            } catch (Throwable ignored) {
                // not a pool factory we know
            }
            return null;
        }
    };

    /** {@code {maxIdleMillis, maxLifeMillis}} of a Reactor Netty pool factory, or null. */
    static long[] poolLimits(Object settings) {
        Field[] f = settings == null ? null : LIMITS.get(settings.getClass());
        if (f == null) {
            return null;
        }
        try {
            return new long[] {f[0].getLong(settings), f[1].getLong(settings)};
        } catch (Throwable t) {
            return null;
        }
    }

    private static final ClassValue<Method[]> TIMES = new ClassValue<>() {
        @Override
        protected Method[] computeValue(Class<?> type) {
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                for (Class<?> i : c.getInterfaces()) {
                    if (i.getName().endsWith(".PooledRefMetadata")) {
                        try {
                            return new Method[] {accessible(i.getMethod("idleTime")), accessible(i.getMethod("lifeTime"))};
                        } catch (Throwable t) {
                            return null;
                        }
                    }
                }
            }
            return null;
        }
    };

    /** {@code {idleMillis, lifeMillis}} of a reactor-pool {@code PooledRef}, or null. */
    static long[] pooledTimes(Object ref) {
        Method[] m = ref == null ? null : TIMES.get(ref.getClass());
        if (m == null) {
            return null;
        }
        try {
            return new long[] {(Long) m[0].invoke(ref), (Long) m[1].invoke(ref)};
        } catch (Throwable t) {
            return null;
        }
    }

    /** A reactor-pool's {@code isDisposed()} ({@code reactor.core.Disposable}), or null. */
    private static final ClassValue<Method> DISPOSED = new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
            Method m = type.getName().startsWith("reactor.netty.") ? publicNoArg(type, "isDisposed") : null;
            try {
                return m != null && m.getReturnType() == boolean.class ? accessible(m) : null;
            } catch (Throwable t) {
                return null;
            }
        }
    };

    /**
     * Whether a reactor-pool pool is disposed: its {@code disposeLater()} marks it so before it destroys the
     * connections it holds (checked on Reactor Netty 1.0.0 and 1.3.8).
     */
    static boolean poolDisposed(Object pool) {
        Method m = pool == null ? null : DISPOSED.get(pool.getClass());
        try {
            return m != null && (Boolean) m.invoke(pool);
        } catch (Throwable t) {
            return false;
        }
    }

    private static Method publicNoArg(Class<?> type, String name) {
        try {
            return type.getMethod(name);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static <T extends java.lang.reflect.AccessibleObject> T accessible(T member) {
        if (member != null) {
            // Library classes on the class path are in unnamed modules, open to the agent; a named one refuses.
            member.setAccessible(true);
        }
        return member;
    }
}
