package io.connscope.docs;

import io.connscope.agent.config.AgentConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/options.md shows the option table as {@code help} prints it: {@link AgentConfig#optionTable()}, made from the
 * {@code Option} enum. When an option changes, paste {@code java -jar agent/target/connscope-agent.jar help}'s table
 * into the page. (HelpIT checks the same page against the built jar's {@code help}.)
 */
class OptionsPageTest {

    @Test
    void theOptionsPageHoldsTheTableHelpPrints() {
        String page = DocPages.read("docs/options.md");
        String table = AgentConfig.optionTable().strip();
        assertTrue(page.contains(table), "docs/options.md does not hold the option table that help prints; paste it "
                + "from `java -jar agent/target/connscope-agent.jar help`:\n" + table);
    }
}
