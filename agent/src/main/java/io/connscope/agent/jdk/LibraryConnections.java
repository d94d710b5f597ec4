package io.connscope.agent.jdk;

import io.connscope.agent.core.PoolExpiry;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Follows a client library's pool and connection objects to the TCP socket under them, and reads a pool entry's
 * times, through private fields named here per declaring class. Each class's field is looked up once
 * ({@link ClassValue}), so an event costs a few field reads, never a scan. Checked on Apache HttpClient 5.1
 * (httpcore5 5.1.1), 5.6.5 (httpcore5 5.4.4), 4.5 (httpcore 4.4.1) and 4.5.14 (httpcore 4.4.16):
 * <ul>
 *   <li>5.x: {@code PoolEntry.connRef} → the connection; classic {@code BHttpConnectionBase.socketHolderRef} →
 *       {@code SocketHolder.baseSocket} (5.4+) or {@code .socket} (5.1); async
 *       {@code DefaultManagedAsyncClientConnection.ioSession} → ({@code LoggingIOSession.session}) →
 *       {@code InternalDataChannel.ioSession} → {@code IOSessionImpl.channel}; the managers'
 *       {@code InternalConnectionEndpoint.poolEntryRef} → the entry;</li>
 *   <li>4.5: {@code CPoolProxy.poolEntry} → {@code PoolEntry.conn} → {@code BHttpConnectionBase.socketHolder}.</li>
 * </ul>
 * {@link AtomicReference}s on the way are read through. Anything missing (another version, a named module that
 * does not open its packages) ends the walk: the caller gets no socket and reports nothing for that event.
 */
final class LibraryConnections {

    /** The field that leads from an object of the declaring class toward its socket (first one present wins). */
    private static final Map<String, String[]> NEXT = new HashMap<>();

    static {
        NEXT.put("org.apache.hc.core5.pool.PoolEntry", new String[] {"connRef"});
        NEXT.put("org.apache.hc.core5.http.impl.io.BHttpConnectionBase", new String[] {"socketHolderRef"});
        NEXT.put("org.apache.hc.core5.http.impl.io.SocketHolder", new String[] {"baseSocket", "socket"});
        NEXT.put("org.apache.hc.client5.http.impl.nio.DefaultManagedAsyncClientConnection", new String[] {"ioSession"});
        NEXT.put("org.apache.hc.client5.http.impl.async.LoggingIOSession", new String[] {"session"});
        NEXT.put("org.apache.hc.core5.reactor.InternalDataChannel", new String[] {"ioSession"});
        NEXT.put("org.apache.hc.core5.reactor.IOSessionImpl", new String[] {"channel"});
        NEXT.put("org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager$InternalConnectionEndpoint",
                new String[] {"poolEntryRef"});
        NEXT.put("org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager$InternalConnectionEndpoint",
                new String[] {"poolEntryRef"});
        NEXT.put("org.apache.http.impl.conn.CPoolProxy", new String[] {"poolEntry"});
        NEXT.put("org.apache.http.pool.PoolEntry", new String[] {"conn"});
        NEXT.put("org.apache.http.impl.BHttpConnectionBase", new String[] {"socketHolder"});
    }

    private static final String[] ENTRY_CLASSES = {"org.apache.hc.core5.pool.PoolEntry", "org.apache.http.pool.PoolEntry"};
    private static final String TIME_VALUE = "org.apache.hc.core5.util.TimeValue";

    private LibraryConnections() {
    }

    private static final ClassValue<Field> HOP = new ClassValue<>() {
        @Override
        protected Field computeValue(Class<?> type) {
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                String[] names = NEXT.get(c.getName());
                if (names != null) {
                    for (String name : names) {
                        Field f = accessible(c, name);
                        if (f != null) {
                            return f;
                        }
                    }
                    return null;
                }
            }
            return null;
        }
    };

    /**
     * The socket or channel that a library object leads to, or {@code owner} itself when it is not one the walk
     * knows (a Socket, a SocketChannel, or an unknown class).
     */
    static Object socketOf(Object owner) {
        try {
            for (int hops = 0; hops < 8 && owner != null; hops++) {
                if (owner instanceof java.net.Socket || owner instanceof java.nio.channels.SocketChannel) {
                    return owner;
                }
                Field next = HOP.get(owner.getClass());
                if (next == null) {
                    return owner;
                }
                owner = next.get(owner);
                if (owner instanceof AtomicReference) {
                    owner = ((AtomicReference<?>) owner).get();
                }
            }
            return owner;
        } catch (Throwable t) {
            return null;
        }
    }

    /** A pool entry's created, updated, validity and expiry fields (5.x: Deadline objects; 4.5: longs). */
    private static final ClassValue<Field[]> ENTRY_TIMES = new ClassValue<>() {
        @Override
        protected Field[] computeValue(Class<?> type) {
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (String known : ENTRY_CLASSES) {
                    if (known.equals(c.getName())) {
                        Field[] f = {accessible(c, "created"), accessible(c, "updated"), accessible(c, "validityDeadline"),
                                accessible(c, "expiryDeadline") != null ? accessible(c, "expiryDeadline") : accessible(c, "expiry")};
                        for (Field x : f) {
                            if (x == null) {
                                return null;
                            }
                        }
                        return f;
                    }
                }
            }
            return null;
        }
    };

    /** httpcore5's {@code Deadline.value}: epoch milliseconds. */
    private static final ClassValue<Field> DEADLINE_VALUE = new ClassValue<>() {
        @Override
        protected Field computeValue(Class<?> type) {
            return accessible(type, "value");
        }
    };

    /** A pool entry's times, or null when {@code entry} is not a pool entry this class knows. */
    static PoolExpiry entryTimes(Object entry) {
        try {
            Field[] f = entry == null ? null : ENTRY_TIMES.get(entry.getClass());
            if (f == null) {
                return null;
            }
            return new PoolExpiry(millis(f[0].get(entry)), millis(f[1].get(entry)), millis(f[2].get(entry)),
                    millis(f[3].get(entry)));
        } catch (Throwable t) {
            return null;
        }
    }

    private static long millis(Object value) throws IllegalAccessException {
        if (value instanceof Long) {
            return (Long) value;
        }
        Field f = value == null ? null : DEADLINE_VALUE.get(value.getClass());
        if (f == null) {
            throw new IllegalStateException("not a deadline: " + value);
        }
        return f.getLong(value);
    }

    /** httpcore5's {@code TimeValue.duration} and {@code .timeUnit} (also for its subclass {@code Timeout}). */
    private static final ClassValue<Field[]> DURATION = new ClassValue<>() {
        @Override
        protected Field[] computeValue(Class<?> type) {
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                if (TIME_VALUE.equals(c.getName())) {
                    Field d = accessible(c, "duration");
                    Field u = accessible(c, "timeUnit");
                    return d == null || u == null ? null : new Field[] {d, u};
                }
            }
            return null;
        }
    };

    /** A library duration in milliseconds (negative: none), or -1 when null or unknown. */
    static long durationMillis(Object duration) {
        try {
            Field[] f = duration == null ? null : DURATION.get(duration.getClass());
            if (f == null) {
                return -1;
            }
            long d = f[0].getLong(duration);
            return d < 0 ? -1 : ((TimeUnit) f[1].get(duration)).toMillis(d);
        } catch (Throwable t) {
            return -1;
        }
    }

    private static Field accessible(Class<?> c, String name) {
        try {
            Field f = c.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (Throwable t) {
            return null;
        }
    }
}
