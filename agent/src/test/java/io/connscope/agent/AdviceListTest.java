package io.connscope.agent;

import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each class connscope rewrites gets the advice for the methods it declares, and no other: every advice class is
 * read once per class it goes into, not once per class its instrumentation rewrites.
 */
class AdviceListTest {

    private static final TypePool POOL = TypePool.Default.ofSystemLoader();

    @Test
    void everyAdviceGoesIntoAMethodOfItsInstrumentationsTypes() {
        int checked = 0;
        for (SocketInstrumentation i : Installer.INSTRUMENTATIONS) {
            AdviceList advice = i.advise(new AdviceList(new AgentBuilder.Transformer.ForAdvice()));
            Set<String> used = new HashSet<>();
            boolean allPresent = true;
            for (String name : i.typeNames()) {
                TypePool.Resolution r = POOL.describe(name);
                if (r.isResolved()) {
                    used.addAll(advice.adviceFor(r.resolve()));
                } else {
                    allPresent = false; // a library or JDK version the tests do not have
                }
            }
            if (allPresent && i.typeNameSuffixes().isEmpty()) {
                assertEquals(new HashSet<>(advice.adviceClasses()), used, i.name() + ": advice that goes nowhere");
                checked++;
            }
        }
        assertTrue(checked >= 10, "instrumentations whose types are all on the test class path: " + checked);
    }

    @Test
    void aClassGetsOnlyTheAdviceForItsOwnMethods() {
        SocketInstrumentation apache = Installer.INSTRUMENTATIONS.stream()
                .filter(i -> i.name().equals("apache-httpclient")).findFirst().orElseThrow();
        AdviceList advice = apache.advise(new AdviceList(new AgentBuilder.Transformer.ForAdvice()));
        TypeDescription entry = POOL.describe("org.apache.hc.core5.pool.PoolEntry").resolve();
        List<String> forEntry = advice.adviceFor(entry);
        assertTrue(!forEntry.isEmpty() && forEntry.size() < advice.adviceClasses().size() / 2,
                "PoolEntry gets its own advice only: " + forEntry + " of " + advice.adviceClasses());
        assertEquals(List.of(), advice.adviceFor(TypeDescription.ForLoadedType.of(String.class)));
    }
}
