package io.connscope.agent;

import io.connscope.agent.config.InstrumentationNames;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InstrumentationNamesTest {

    @Test
    void theOptionAcceptsExactlyTheInstrumentationsNames() {
        Set<String> installed = Installer.INSTRUMENTATIONS.stream().map(SocketInstrumentation::name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Installer.INSTRUMENTATIONS.size(), installed.size(), "names are unique");
        assertEquals(installed, new TreeSet<>(Set.of(InstrumentationNames.all())));
    }
}
