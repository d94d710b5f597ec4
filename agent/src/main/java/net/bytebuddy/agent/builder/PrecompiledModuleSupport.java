package net.bytebuddy.agent.builder;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.dynamic.ClassFileLocator;

import java.security.ProtectionDomain;
import java.util.List;

/**
 * What Byte Buddy generates at run time on Java 9+ ({@code ExecutingTransformer$ByteBuddy$ModuleSupport}): its
 * transformer with the module-aware {@code transform} overridden to pass the module on. Compiled ahead of time
 * (Java 11 is the agent's minimum) because generating it loads and runs Byte Buddy's whole subclassing machinery,
 * about a third of the agent's startup. Used by the replaced {@code CreationAction} next to it; relocated with
 * Byte Buddy into the agent jar.
 */
public class PrecompiledModuleSupport extends AgentBuilder.Default.ExecutingTransformer {

    public PrecompiledModuleSupport(ByteBuddy byteBuddy, AgentBuilder.Listener listener,
                                    AgentBuilder.PoolStrategy poolStrategy, AgentBuilder.TypeStrategy typeStrategy,
                                    AgentBuilder.LocationStrategy locationStrategy, ClassFileLocator classFileLocator,
                                    AgentBuilder.Default.NativeMethodStrategy nativeMethodStrategy,
                                    AgentBuilder.InitializationStrategy initializationStrategy,
                                    AgentBuilder.InjectionStrategy injectionStrategy,
                                    AgentBuilder.LambdaInstrumentationStrategy lambdaInstrumentationStrategy,
                                    AgentBuilder.DescriptionStrategy descriptionStrategy,
                                    AgentBuilder.FallbackStrategy fallbackStrategy,
                                    AgentBuilder.ClassFileBufferStrategy classFileBufferStrategy,
                                    AgentBuilder.InstallationListener installationListener,
                                    AgentBuilder.RawMatcher ignoreMatcher,
                                    AgentBuilder.RedefinitionStrategy.ResubmissionEnforcer resubmissionEnforcer,
                                    List<AgentBuilder.Default.Transformation> transformations,
                                    AgentBuilder.CircularityLock circularityLock) {
        super(byteBuddy, listener, poolStrategy, typeStrategy, locationStrategy, classFileLocator, nativeMethodStrategy,
                initializationStrategy, injectionStrategy, lambdaInstrumentationStrategy, descriptionStrategy,
                fallbackStrategy, classFileBufferStrategy, installationListener, ignoreMatcher, resubmissionEnforcer,
                transformations, circularityLock);
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String internalName, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] binaryRepresentation) {
        return transform((Object) module, loader, internalName, classBeingRedefined, protectionDomain,
                binaryRepresentation);
    }
}
