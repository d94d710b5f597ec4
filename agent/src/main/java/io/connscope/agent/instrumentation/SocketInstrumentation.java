package io.connscope.agent.instrumentation;

import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.nameEndsWith;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;

/**
 * One instrumented JDK type: which type, and which of its methods get which advice.
 *
 * <p>Advice classes are nested in each implementation and referenced by name, so that the agent's class loader
 * never loads them: Byte Buddy reads their bytecode and inlines it into the JDK class. They may therefore use
 * only JDK types and the bootstrap bridge ({@code io.connscope.bootstrap}).
 */
public interface SocketInstrumentation {

    /** A short name, used in diagnostics (and to switch it off, later). */
    String name();

    /**
     * The binary names of the types it instruments. With {@link #typeNameSuffixes}, the only classes Byte Buddy is
     * shown, loaded already (to rewrite them in place) or loading: it would otherwise describe and match every class
     * the application loads.
     */
    List<String> typeNames();

    /**
     * What the binary names of relocated copies of its types end with (see {@link Relocated}), each starting with a
     * dot; none by default. The installer also looks for these among the classes already loaded, so a copy loaded
     * before an attach is rewritten like the original.
     */
    default List<String> typeNameSuffixes() {
        return List.of();
    }

    /** Its types: by name or name suffix. Implementations may narrow this further (by structure). */
    default ElementMatcher<TypeDescription> type() {
        ElementMatcher.Junction<TypeDescription> type = namedOneOf(typeNames().toArray(new String[0]));
        for (String suffix : typeNameSuffixes()) {
            type = type.or(nameEndsWith(suffix));
        }
        return type;
    }

    /** Adds this instrumentation's advice to {@code advice}, and returns it. */
    AdviceList advise(AdviceList advice);
}
