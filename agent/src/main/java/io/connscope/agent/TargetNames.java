package io.connscope.agent;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;

import java.lang.instrument.IllegalClassFormatException;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The names of the classes connscope may rewrite: the instrumentations' type names, and the name suffixes of their
 * relocated copies. Only these classes are shown to Byte Buddy, which otherwise looks at every class the JVM loads or
 * has loaded (a type description, a class file locator, a type pool and twenty matchers per class). The matchers
 * still decide: a class let through by its name suffix alone is rewritten only if it has the structure its
 * instrumentation asks for.
 */
final class TargetNames {
    private final Set<String> internalNames = new HashSet<>();
    private final String[] internalSuffixes;

    /** @param names binary names ({@code a.b.C$D}); {@code suffixes} each start with a dot */
    TargetNames(Collection<String> names, Collection<String> suffixes) {
        for (String name : names) {
            internalNames.add(name.replace('.', '/'));
        }
        List<String> s = new ArrayList<>();
        for (String suffix : suffixes) {
            s.add(suffix.replace('.', '/'));
        }
        this.internalSuffixes = s.toArray(new String[0]);
    }

    /** Whether {@code internalName} ({@code a/b/C$D}, as a class file transformer is given it) may be rewritten. */
    boolean isTarget(String internalName) {
        if (internalName == null) {
            return false; // a hidden class (a lambda's): never a socket class
        }
        if (internalNames.contains(internalName)) {
            return true;
        }
        for (String suffix : internalSuffixes) {
            if (internalName.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The loaded classes to consider rewriting in place, at install: Byte Buddy's default offers every loaded class
     * to every matcher, which took about 50 ms of a trivial main's start, to find none at premain.
     */
    AgentBuilder.RedefinitionStrategy.DiscoveryStrategy loaded() {
        return new AgentBuilder.RedefinitionStrategy.DiscoveryStrategy() {
            @Override
            public Iterable<Iterable<Class<?>>> resolve(Instrumentation instrumentation) {
                List<Class<?>> loaded = new ArrayList<>();
                for (Class<?> type : instrumentation.getAllLoadedClasses()) {
                    if (!type.isArray() && !type.isPrimitive() && isTarget(type.getName().replace('.', '/'))) {
                        loaded.add(type);
                    }
                }
                return Collections.singletonList(loaded);
            }
        };
    }

    /**
     * The classes loaded later: Byte Buddy's transformer sees only targets. Without this it built a type description
     * and ran every matcher for each of the thousands of classes an application loads at start (a Spring Boot
     * service loads some 10,000), on the application's threads, during its start.
     */
    AgentBuilder.TransformerDecorator loading() {
        return transformer -> new OnlyTargets(transformer, this);
    }

    private static final class OnlyTargets extends ResettableClassFileTransformer.WithDelegation {
        private final TargetNames names;

        OnlyTargets(ResettableClassFileTransformer transformer, TargetNames names) {
            super(transformer);
            this.names = names;
        }

        @Override
        public byte[] transform(ClassLoader loader, String internalName, Class<?> redefined,
                                ProtectionDomain domain, byte[] classFile) throws IllegalClassFormatException {
            return names.isTarget(internalName)
                    ? classFileTransformer.transform(loader, internalName, redefined, domain, classFile) : null;
        }

        @Override
        public byte[] transform(Module module, ClassLoader loader, String internalName, Class<?> redefined,
                                ProtectionDomain domain, byte[] classFile) throws IllegalClassFormatException {
            return names.isTarget(internalName)
                    ? classFileTransformer.transform(module, loader, internalName, redefined, domain, classFile) : null;
        }
    }
}
