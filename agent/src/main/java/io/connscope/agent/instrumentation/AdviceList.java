package io.connscope.agent.instrumentation;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;

/**
 * An instrumentation's advice: which methods get which advice class. As a transformer, it hands Byte Buddy only
 * the advice for methods the class being rewritten declares. Byte Buddy's {@code ForAdvice} reads and resolves
 * every advice class it holds for every class it rewrites, whether or not that class has a method to put it in: an
 * instrumentation of eleven Apache HttpClient classes with thirteen advice classes read 143 of them at a Spring
 * Boot service's start, where 13 do.
 */
public final class AdviceList implements AgentBuilder.Transformer {

    private final AgentBuilder.Transformer.ForAdvice base;
    private final List<ElementMatcher<? super MethodDescription>> methods = new ArrayList<>();
    private final List<String> adviceClasses = new ArrayList<>();

    /** @param base where advice classes are read from, and what handles advice's failures */
    public AdviceList(AgentBuilder.Transformer.ForAdvice base) {
        this.base = base;
    }

    /** Puts the advice in class {@code adviceClass} (its binary name) into the methods {@code methods} matches. */
    public AdviceList advice(ElementMatcher<? super MethodDescription> methods, String adviceClass) {
        this.methods.add(methods);
        this.adviceClasses.add(adviceClass);
        return this;
    }

    /** The advice classes {@code type}'s methods get. */
    public List<String> adviceFor(TypeDescription type) {
        List<String> names = new ArrayList<>();
        for (int i : forType(type.getDeclaredMethods())) {
            names.add(adviceClasses.get(i));
        }
        return names;
    }

    /** Every advice class, in the order given. */
    public List<String> adviceClasses() {
        return List.copyOf(adviceClasses);
    }

    private List<Integer> forType(MethodList<MethodDescription.InDefinedShape> declared) {
        List<Integer> matching = new ArrayList<>(2);
        for (int i = 0; i < methods.size(); i++) {
            if (!declared.filter(methods.get(i)).isEmpty()) {
                matching.add(i);
            }
        }
        return matching;
    }

    @Override
    public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type, ClassLoader loader,
                                            JavaModule module, ProtectionDomain domain) {
        List<Integer> matching = forType(type.getDeclaredMethods());
        if (matching.isEmpty()) {
            return builder;
        }
        AgentBuilder.Transformer.ForAdvice advice = base;
        for (int i : matching) {
            advice = advice.advice(methods.get(i), adviceClasses.get(i));
        }
        return advice.transform(builder, type, loader, module, domain);
    }
}
