package io.connscope.it;

import io.connscope.agent.config.Option;
import io.connscope.docs.DocPages;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@code java -jar connscope-agent.jar help}: exits 0, lists every option, and matches docs/options.md's table. */
class HelpIT {

    private static Fork.Result help;

    static synchronized Fork.Result help() throws Exception {
        if (help == null) {
            help = Fork.exec(List.of(Fork.java(), "-jar", Fork.agentJar().toString(), "help"));
        }
        return help;
    }

    /** The option table: from the line starting "| Option" to the end of the help output. */
    static String table(String text) {
        String normalized = text.replace("\r\n", "\n");
        int start = normalized.startsWith("| Option") ? 0 : normalized.indexOf("\n| Option") + 1;
        if (start <= 0 && !normalized.startsWith("| Option")) {
            return null;
        }
        return normalized.substring(start).strip();
    }

    /** The "Accepts" column of an option's row in the help table. */
    static String acceptedValues(String key) throws Exception {
        for (String line : help().stdout.split("\n")) {
            if (line.startsWith("| `" + key + "`")) {
                String[] cells = line.split("\\|");
                return cells[4].trim();
            }
        }
        fail("help prints no table row for " + key + "\n" + help().describe());
        return null;
    }

    @Test
    void helpExitsZeroAndListsEveryOption() throws Exception {
        Fork.Result r = help();
        assertEquals(0, r.exit, "expected exit code 0 from help\n" + r.describe());
        for (Option o : Option.values()) {
            assertTrue(r.stdout.contains(o.key()), "expected help to list " + o.key() + "\n" + r.describe());
            assertTrue(r.stdout.contains("| `" + o.key() + "`"), "expected a table row for " + o.key() + "\n" + r.describe());
        }
        assertTrue(table(r.stdout) != null, "expected a table starting with '| Option'\n" + r.describe());
    }

    @Test
    void optionsPageTableMatchesHelp() throws Exception {
        String helpTable = table(help().stdout);
        if (helpTable == null) {
            fail("help prints no option table\n" + help().describe());
        }
        String text = DocPages.read("docs/options.md");
        if (!text.contains(helpTable)) {
            String pageTable = table(text);
            fail("docs/options.md does not contain the option table that help prints.\n--- help prints:\n"
                    + helpTable + "\n--- docs/options.md has:\n" + (pageTable == null ? "(no line starting '| Option')"
                    : pageTable.lines().takeWhile(l -> l.startsWith("|")).reduce((a, b) -> a + "\n" + b).orElse("")));
        }
    }
}
