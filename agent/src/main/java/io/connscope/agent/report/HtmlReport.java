package io.connscope.agent.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One self-contained HTML page from connscope's JSON Lines: the page's HTML, CSS and JavaScript (a resource of the
 * agent jar, {@value #TEMPLATE}) with the lines inlined as they are, so it opens offline in any browser and loads
 * nothing from a network.
 *
 * <p>The lines go into a {@code <script type="application/x-ndjson">} element, which the browser never runs; the
 * page's script parses them one by one (a line that is not JSON is counted, not fatal). Inside a script element only
 * {@code </script} and {@code <!--} could end or derail it, and both start with {@code <}; in valid JSON a {@code <}
 * can only stand inside a string, where {@code \u003c} means the same. So every {@code <} is written as
 * {@code \u003c}: the data holds no {@code <} at all, and a thread named {@code </script><script>alert(1)} stays
 * a thread name.
 */
public final class HtmlReport {

    /** The page, with {@link #DATA_MARK} where the lines go. */
    static final String TEMPLATE = "/io/connscope/agent/report/report.html";
    /** On a line of its own in the template, inside the data script element. */
    static final String DATA_MARK = "@@CONNSCOPE_DATA@@";

    private HtmlReport() {
    }

    /** What went into a report. */
    public static final class Written {
        public final long lines;
        public final long connections;

        Written(long lines, long connections) {
            this.lines = lines;
            this.connections = connections;
        }
    }

    /**
     * Writes the page with every non-blank line of {@code jsonl}, then {@code extra} (the report's own objects, such
     * as {@link RunSummary}'s), as its data.
     */
    public static Written write(BufferedReader jsonl, List<String> extra, Writer out) throws IOException {
        String template = template();
        int mark = template.indexOf(DATA_MARK);
        if (mark < 0) {
            throw new IOException(TEMPLATE + " has no " + DATA_MARK);
        }
        out.write(template, 0, mark);
        long lines = 0;
        long connections = 0;
        for (String line; (line = jsonl.readLine()) != null; ) {
            if (line.isBlank()) {
                continue;
            }
            writeLine(line, out);
            lines++;
            if (line.startsWith("{\"type\":\"connection\"")) {
                connections++;
            }
        }
        for (String line : extra) {
            writeLine(line, out);
            lines++;
        }
        int after = mark + DATA_MARK.length();
        out.write(template, after, template.length() - after);
        out.flush();
        return new Written(lines, connections);
    }

    /** One data line, every {@code <} as {@code \u003c} (see the class comment). */
    static void writeLine(String line, Writer out) throws IOException {
        int from = 0;
        for (int i = line.indexOf('<'); i >= 0; i = line.indexOf('<', from)) {
            out.write(line, from, i - from);
            out.write("\\u003c");
            from = i + 1;
        }
        out.write(line, from, line.length() - from);
        out.write('\n');
    }

    static String template() throws IOException {
        try (InputStream in = HtmlReport.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) {
                throw new IOException(TEMPLATE + " is missing from the agent jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
