package io.connscope.agent;

import io.connscope.agent.instrumentation.SocketInstrumentation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.utility.JavaModule;
import org.junit.jupiter.api.Test;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetNamesTest {

    private static final TargetNames ALL = all();

    private static TargetNames all() {
        List<String> names = new ArrayList<>();
        List<String> suffixes = new ArrayList<>();
        for (SocketInstrumentation i : Installer.INSTRUMENTATIONS) {
            names.addAll(i.typeNames());
            suffixes.addAll(i.typeNameSuffixes());
        }
        return new TargetNames(names, suffixes);
    }

    @Test
    void everyInstrumentedTypeAndRelocatedCopyIsATarget() {
        int suffixes = 0;
        for (SocketInstrumentation i : Installer.INSTRUMENTATIONS) {
            for (String name : i.typeNames()) {
                assertTrue(ALL.isTarget(name.replace('.', '/')), name);
            }
            for (String suffix : i.typeNameSuffixes()) {
                suffixes++;
                assertTrue(ALL.isTarget("io/grpc/netty/shaded" + suffix.replace('.', '/')), suffix);
            }
        }
        assertTrue(suffixes > 0, "some instrumentations follow relocated copies");
        assertTrue(ALL.isTarget("io/grpc/netty/shaded/io/netty/channel/epoll/LinuxSocket"));
    }

    @Test
    void otherClassesAreNot() {
        for (String name : new String[]{"java/lang/String", "org/springframework/web/servlet/DispatcherServlet",
                "sun/nio/ch/SocketChannelImplX", "io/netty/channel/epoll/LinuxSocketX", "LinuxSocket",
                "com/example/io_netty_channel_epoll_LinuxSocket"}) {
            assertFalse(ALL.isTarget(name), name);
        }
        assertFalse(ALL.isTarget(null), "a hidden class has no name");
    }

    @Test
    void byteBuddysTransformerSeesOnlyTargets() throws Exception {
        List<String> seen = new ArrayList<>();
        byte[] rewritten = {1, 2, 3};
        ClassFileTransformer decorated = new TargetNames(List.of("sun.nio.ch.SocketChannelImpl"), List.of())
                .loading().decorate(new Recording(seen, rewritten));
        assertNull(decorated.transform(null, "org/example/Service", null, null, new byte[0]));
        assertNull(decorated.transform(null, null, null, null, new byte[0]));
        assertArrayEquals(rewritten, decorated.transform(null, "sun/nio/ch/SocketChannelImpl", null, null,
                new byte[0]));
        assertNull(decorated.transform(Object.class.getModule(), null, "org/example/Other", null, null, new byte[0]));
        assertArrayEquals(rewritten, decorated.transform(Object.class.getModule(), null,
                "sun/nio/ch/SocketChannelImpl", null, null, new byte[0]));
        assertEquals(List.of("sun/nio/ch/SocketChannelImpl", "sun/nio/ch/SocketChannelImpl"), seen);
    }

    /** Stands in for Byte Buddy's transformer: records each class it is shown, and rewrites it. */
    private static final class Recording extends ResettableClassFileTransformer.AbstractBase {
        private final List<String> seen;
        private final byte[] rewritten;

        Recording(List<String> seen, byte[] rewritten) {
            this.seen = seen;
            this.rewritten = rewritten;
        }

        @Override
        public byte[] transform(ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain,
                                byte[] classFile) {
            seen.add(name);
            return rewritten;
        }

        @Override
        public Iterator<AgentBuilder.Transformer> iterator(TypeDescription type, ClassLoader loader, JavaModule module,
                                                           Class<?> redefined, ProtectionDomain domain) {
            return Collections.emptyIterator();
        }

        @Override
        public boolean reset(Instrumentation instrumentation, ResettableClassFileTransformer classFileTransformer,
                             AgentBuilder.RedefinitionStrategy redefinitionStrategy,
                             AgentBuilder.RedefinitionStrategy.DiscoveryStrategy discoveryStrategy,
                             AgentBuilder.RedefinitionStrategy.BatchAllocator redefinitionBatchAllocator,
                             AgentBuilder.RedefinitionStrategy.Listener redefinitionListener) {
            return false;
        }
    }
}
