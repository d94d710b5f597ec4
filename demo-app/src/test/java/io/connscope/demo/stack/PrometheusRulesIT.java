package io.connscope.demo.stack;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** promtool on the stack's Prometheus files: the config and its rule files, and the rules' unit tests. */
class PrometheusRulesIT {

    private static final Path DIR = StackFiles.dir().resolve("prometheus");

    @Test
    void configAndItsRuleFilesAreValid() throws Exception {
        String[] r = Prometheus.run(List.of(Prometheus.binary("promtool"), "check", "config", "prometheus.yml"), DIR);
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("SUCCESS: 2 rule files found"), r[1]);
    }

    @Test
    void rulesAreValid() throws Exception {
        String[] r = Prometheus.run(List.of(Prometheus.binary("promtool"), "check", "rules", "connscope-thresholds.yml",
                "connscope-alerts.yml"), DIR);
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("SUCCESS: 11 rules found") && r[1].contains("SUCCESS: 15 rules found"), r[1]);
    }

    /** Every alert with series that make it fire and series that must not (connscope-alerts.test.yml). */
    @Test
    void rulesPassTheirUnitTests() throws Exception {
        String[] r = Prometheus.run(List.of(Prometheus.binary("promtool"), "test", "rules", "connscope-alerts.test.yml"), DIR);
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("SUCCESS"), r[1]);
    }
}
