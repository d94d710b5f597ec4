package io.connscope.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What connscope costs a JVM's start. Every JDK class it instruments must be instrumented as the application loads
 * it, not rewritten in place (retransformed) at start: a rewrite at start loads Byte Buddy's rewriting machinery
 * before {@code main}, some 0.2 s (docs/performance.md). It happens as soon as connscope's own start loads a class
 * it also instruments, as when its socket inspector's lookups loaded {@code sun.nio.ch.Net} (instrumented),
 * or (on JDK 25) when they initialized {@code InetAddress}, or connscope read a file through {@code Files}: both
 * loaded {@code SocketChannelImpl}. Nor may connscope load one after installing its instrumentation (then it is
 * transformed before {@code main}, which costs the same). The fork reads a config file and writes an events file,
 * as connscope's start may.
 */
class StartupIT {

    /** A main that opens no socket. */
    public static final class NoSockets {
        public static void main(String[] args) {
            System.out.println("NO_SOCKETS done");
        }
    }

    @Test
    void noJdkClassIsRewrittenInPlaceAtStart() throws Exception {
        Path config = Files.createTempFile("connscope-startup-", ".properties");
        Files.writeString(config, "summary.interval=0\n");
        Fork.Result r;
        try {
            r = Fork.run(List.of("-Xlog:class+load=info:stdout", "-Dconnscope.config.file=" + config),
                    NoSockets.class.getName());
        } finally {
            Files.delete(config);
        }
        assertTrue(r.stdout.contains("NO_SOCKETS done"), r.describe());
        assertTrue(r.stdout.contains("io.connscope.agent.Installer source:"), "the agent started\n" + r.describe());
        assertFalse(r.stderr.contains("connscope: cannot"), "the config file read, the events file opened\n" + r.describe());
        // A class rewritten in place is logged as loaded again, from "__VM_RedefineClasses__".
        Set<String> rewritten = loaded(r, l -> l.endsWith(" source: __VM_RedefineClasses__"));
        assertEquals(Set.of(), rewritten, "classes rewritten in place at start");
        // Nor transformed as they load before main: that too loads the rest of Byte Buddy's machinery (+0.12 s,
        // as when the inspector's lookups of sun.nio.ch.Net, instrumented, ran once the instrumentation was in place).
        Set<String> instrumented = Set.of("sun.nio.ch.Net", "sun.nio.ch.NioSocketImpl", "sun.nio.ch.SocketChannelImpl",
                "sun.nio.ch.SocketDispatcher", "sun.nio.ch.ServerSocketChannelImpl");
        Set<String> instrumentedLoaded = loaded(r, l -> true);
        instrumentedLoaded.retainAll(instrumented);
        assertEquals(Set.of(), instrumentedLoaded, "instrumented JDK classes loaded by a main that opens no socket");
    }

    /** The classes of the fork's class-loading log lines ("[...] name source: ...") that {@code line} accepts. */
    private static Set<String> loaded(Fork.Result r, Predicate<String> line) {
        return r.stdout.lines().filter(l -> l.contains(" source: ")).filter(line)
                .map(l -> l.substring(l.lastIndexOf("] ") + 2, l.indexOf(" source: ")))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
