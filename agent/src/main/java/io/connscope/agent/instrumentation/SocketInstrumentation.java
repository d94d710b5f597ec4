package io.connscope.agent.instrumentation;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

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

    ElementMatcher<TypeDescription> type();

    /** Adds this instrumentation's advice to {@code transformer}. */
    AgentBuilder.Transformer.ForAdvice advise(AgentBuilder.Transformer.ForAdvice transformer);
}
