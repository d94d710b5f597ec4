package io.connscope.docs;

import io.connscope.agent.config.AgentConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/options.md shows the option table as {@code help} prints it: {@link AgentConfig#optionTable()}, made from the
 * {@code Option} enum. After changing an option, write the table into the page with
 * {@code mvn -pl bootstrap,agent test -Dtest=OptionsPageTest -Dconnscope.docs.write=true}. (HelpIT checks the same
 * page against the built jar's {@code help}.)
 */
class OptionsPageTest {

    @Test
    void theOptionsPageHoldsTheTableHelpPrints() throws Exception {
        String table = AgentConfig.optionTable().strip();
        if (Boolean.getBoolean("connscope.docs.write")) {
            Path page = DocPages.root().resolve("docs/options.md");
            Files.write(page, withTable(DocPages.read("docs/options.md"), table).getBytes(StandardCharsets.UTF_8));
        }
        String page = DocPages.read("docs/options.md");
        assertTrue(page.contains(table), "docs/options.md does not hold the option table that help prints; write it "
                + "with: mvn -pl bootstrap,agent test -Dtest=OptionsPageTest -Dconnscope.docs.write=true\n" + table);
    }

    @Test
    void theTableIsReplacedAndTheRestKept() {
        String page = "# Options\n\ntext\n\n| Option (-D or agent argument) | old |\n|---|---|\n| `a` | b |\n\nafter\n";
        assertEquals("# Options\n\ntext\n\n| Option (-D or agent argument) | new |\n|---|\n\nafter\n",
                withTable(page, "| Option (-D or agent argument) | new |\n|---|"));
    }

    /** {@code page} with its option table (the lines from "| Option" to the last "|" line after it) replaced. */
    static String withTable(String page, String table) {
        List<String> lines = new ArrayList<>(Arrays.asList(page.split("\n", -1)));
        int start = -1;
        for (int i = 0; i < lines.size() && start < 0; i++) {
            if (lines.get(i).startsWith("| Option")) {
                start = i;
            }
        }
        if (start < 0) {
            throw new IllegalStateException("docs/options.md has no line starting '| Option' to replace");
        }
        int end = start;
        while (end < lines.size() && lines.get(end).startsWith("|")) {
            end++;
        }
        lines.subList(start, end).clear();
        lines.addAll(start, Arrays.asList(table.split("\n")));
        return String.join("\n", lines);
    }
}
