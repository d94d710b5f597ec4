package net.bytebuddy.agent.builder;

import java.lang.reflect.Constructor;
import java.security.PrivilegedAction;

/**
 * Replaces Byte Buddy's own {@code AgentBuilder.Default.ExecutingTransformer.Factory.CreationAction} in the agent
 * jar (the shade plugin leaves Byte Buddy's out): the same factory, over {@link PrecompiledModuleSupport} instead
 * of a class Byte Buddy would generate and load at every startup (a third of the agent's startup time). Falls back
 * like the original does, to the transformer without module support. Compiled on its own, without Byte Buddy on
 * the class path (javac cannot take a top-level class named like a nested one it sees in a jar), hence reflection.
 */
public enum AgentBuilder$Default$ExecutingTransformer$Factory$CreationAction implements PrivilegedAction<Object> {

    INSTANCE;

    private static final String BUILDER = "net.bytebuddy.agent.builder.";

    @Override
    public Object run() {
        try {
            Class<?> support = Class.forName(BUILDER + "PrecompiledModuleSupport");
            Constructor<?> make = support.getConstructors()[0];
            return Class.forName(BUILDER + "AgentBuilder$Default$ExecutingTransformer$Factory$ForJava9CapableVm")
                    .getDeclaredConstructor(Constructor.class).newInstance(make);
        } catch (Exception e) {
            try {
                return Class.forName(BUILDER + "AgentBuilder$Default$ExecutingTransformer$Factory$ForLegacyVm")
                        .getField("INSTANCE").get(null);
            } catch (Exception unexpected) {
                throw new IllegalStateException(unexpected);
            }
        }
    }
}
