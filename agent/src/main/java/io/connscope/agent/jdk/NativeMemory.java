package io.connscope.agent.jdk;

import io.connscope.agent.core.http.ByteSource;

import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.Set;

/**
 * Reads the bytes of a socket read or write where the JDK keeps them: the native buffer whose address
 * {@code sun.nio.ch.SocketDispatcher} passes to the system call.
 *
 * <p>Uses {@code jdk.internal.misc.Unsafe} (the JDK's own, opened to the agent alone with
 * {@link Instrumentation#redefineModule}), not {@code sun.misc.Unsafe}, whose memory access methods print a
 * warning on JDK 24 and later. Only addresses the JDK has just handed to {@code read}/{@code write} (or the
 * {@code iovec} array of {@code readv}/{@code writev}) are read, within the byte count the call returned,
 * while the call is still on the stack: memory the kernel itself has just accessed.
 */
public final class NativeMemory implements ByteSource {

    private static final NativeMemory INSTANCE = new NativeMemory();

    private NativeMemory() {
    }

    /** The reader, or null when this JDK does not offer it. */
    public static NativeMemory open(Instrumentation inst) {
        try {
            Module javaBase = Object.class.getModule();
            Module self = NativeMemory.class.getModule();
            inst.redefineModule(javaBase, Set.of(), Map.of("jdk.internal.misc", Set.of(self)),
                    Map.of("jdk.internal.misc", Set.of(self)), Set.of(), Map.of());
            return Unsafe.GET_BYTE != null && Unsafe.GET_LONG != null ? INSTANCE : null;
        } catch (Throwable t) {
            return null;
        }
    }

    @Override
    public int byteAt(long address) {
        try {
            return ((byte) Unsafe.GET_BYTE.invokeExact(address)) & 0xff;
        } catch (Throwable t) {
            return 0;
        }
    }

    @Override
    public long longAt(long address) {
        try {
            return (long) Unsafe.GET_LONG.invokeExact(address);
        } catch (Throwable t) {
            return 0;
        }
    }

    /**
     * The handles, in static final fields: the JIT treats those as constants and inlines the call down to the
     * memory access; from an instance field each call went through the handle's generic invoker (most of the
     * time connscope spent per HTTP exchange). Initialised on first use, after {@link #open} opened the package.
     */
    private static final class Unsafe {
        static final MethodHandle GET_BYTE;
        static final MethodHandle GET_LONG;

        static {
            MethodHandle getByte = null;
            MethodHandle getLong = null;
            try {
                Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(unsafeClass, MethodHandles.lookup());
                Object unsafe = lookup.findStatic(unsafeClass, "getUnsafe", MethodType.methodType(unsafeClass)).invoke();
                getByte = lookup.findVirtual(unsafeClass, "getByte", MethodType.methodType(byte.class, long.class))
                        .bindTo(unsafe);
                getLong = lookup.findVirtual(unsafeClass, "getLong", MethodType.methodType(long.class, long.class))
                        .bindTo(unsafe);
            } catch (Throwable t) {
                getByte = null;
                getLong = null;
            }
            GET_BYTE = getByte;
            GET_LONG = getLong;
        }
    }
}
