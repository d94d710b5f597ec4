package io.connscope.agent.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DATA = Pattern.compile(
            "<script type=\"application/x-ndjson\" id=\"connscope-data\">\n(.*?)</script>", Pattern.DOTALL);

    static String page(String jsonl, List<String> extra) throws Exception {
        StringWriter out = new StringWriter();
        HtmlReport.write(new BufferedReader(new StringReader(jsonl)), extra, out);
        return out.toString();
    }

    static List<String> dataLines(String html) {
        Matcher m = DATA.matcher(html);
        assertTrue(m.find(), "the page has its data element");
        List<String> lines = new ArrayList<>();
        for (String l : m.group(1).split("\n")) {
            if (!l.isEmpty()) {
                lines.add(l);
            }
        }
        return lines;
    }

    /** A value that would end the script element stays data: no '<' in the data at all, and it parses back the same. */
    @Test
    void scriptEndInsideAValueCannotEndTheDataElement() throws Exception {
        String nasty = "{\"type\":\"connection\",\"id\":1,\"thread\":\"</script><script>alert(1)</script><!-- x\"}";
        String html = page(nasty + "\n\n{\"type\":\"request\",\"connection_id\":1}\n", List.of("{\"type\":\"report\"}"));
        List<String> lines = dataLines(html);
        assertEquals(3, lines.size(), "blank lines are skipped, extra lines follow");
        for (String l : lines) {
            assertFalse(l.contains("<"), "no '<' in the data: " + l);
        }
        JsonNode back = JSON.readTree(lines.get(0));
        assertEquals(JSON.readTree(nasty), back, "the same value after the escape");
        assertEquals("</script><script>alert(1)</script><!-- x", back.get("thread").asText());
        assertEquals(1, count(html, "<script type=\"application/x-ndjson\""), "one data element");
    }

    @Test
    void thePageLoadsNothingFromANetwork() throws Exception {
        String html = HtmlReport.template();
        assertFalse(Pattern.compile("(src|href)\\s*=\\s*\"(https?:)?//", Pattern.CASE_INSENSITIVE).matcher(html).find(),
                "no script, style, image or link from elsewhere");
        assertFalse(html.contains("@import"), "no imported styles");
        assertEquals(1, count(html, HtmlReport.DATA_MARK), "one place for the data");
    }

    @Test
    void countsConnectionsAndLines() throws Exception {
        StringWriter out = new StringWriter();
        HtmlReport.Written w = HtmlReport.write(new BufferedReader(new StringReader(
                "{\"type\":\"connection\",\"id\":1}\n{\"type\":\"request\",\"connection_id\":1}\n{\"type\":\"connection\",\"id\":2}\n")),
                List.of("{\"type\":\"report\"}"), out);
        assertEquals(2, w.connections);
        assertEquals(4, w.lines);
    }

    @Test
    void reportCommandWritesBesideTheEventsFile(@TempDir Path dir) throws Exception {
        Path events = dir.resolve("run.jsonl");
        Files.write(events, "{\"type\":\"connection\",\"id\":7,\"state\":\"closed\"}\n".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ReportCommand.run(List.of(events.toString()), new PrintStream(out, true), new PrintStream(err, true));
        assertEquals(0, exit, err.toString());
        Path html = dir.resolve("run.html");
        assertTrue(Files.exists(html));
        List<String> lines = dataLines(new String(Files.readAllBytes(html), StandardCharsets.UTF_8));
        assertEquals(2, lines.size(), "the connection and the report's own line");
        assertEquals("report", JSON.readTree(lines.get(1)).get("type").asText());
        assertEquals("run.jsonl", JSON.readTree(lines.get(1)).get("source").asText());
        assertTrue(out.toString().contains("report of 1 connections"), out.toString());

        Path other = dir.resolve("sub/x.html");
        assertEquals(0, ReportCommand.run(List.of(events.toString(), "-o", other.toString()), new PrintStream(out, true),
                new PrintStream(err, true)));
        assertTrue(Files.exists(other), "-o names the page, its directory is made");
    }

    @Test
    void reportCommandSaysWhatIsWrongInOneLine(@TempDir Path dir) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true);
        assertEquals(2, ReportCommand.run(List.of(), o, e));
        assertEquals(2, ReportCommand.run(List.of("a.jsonl", "-o"), o, e));
        assertEquals(2, ReportCommand.run(List.of("a.jsonl", "b.jsonl"), o, e));
        assertEquals(1, ReportCommand.run(List.of(dir.resolve("missing.jsonl").toString()), o, e));
        String[] lines = err.toString().trim().split("\n");
        assertEquals(4, lines.length, err.toString());
        for (String l : lines) {
            assertTrue(l.startsWith("connscope: report: "), l);
        }
    }

    @Test
    void defaultOutputReplacesTheExtension() {
        assertEquals(Path.of("/x/run.html"), ReportCommand.defaultOutput(Path.of("/x/run.jsonl")));
        assertEquals(Path.of("/x/run.html"), ReportCommand.defaultOutput(Path.of("/x/run.json")));
        assertEquals(Path.of("/x/run.log.html"), ReportCommand.defaultOutput(Path.of("/x/run.log")));
        assertEquals(Path.of("events.html"), ReportCommand.defaultOutput(Path.of("events")));
    }

    @Test
    void summaryLineIsJson() throws Exception {
        JsonNode s = JSON.readTree(RunSummary.summaryLine("Some \"VM\" 17", 42, "2026-12-06T10:00:00Z", 5, 2, 1,
                3, 4, 6, 0, null));
        assertEquals("summary", s.get("type").asText());
        assertEquals("Some \"VM\" 17", s.get("jvm").asText());
        assertEquals(4, s.get("untracked_sockets").asLong());
        assertEquals(6, s.get("dropped_reports").asLong());
        assertTrue(s.get("kernel").isNull());
        JsonNode r = JSON.readTree(RunSummary.reportLine("a\\b.jsonl", "2026-12-06T10:00:00Z"));
        assertEquals("a\\b.jsonl", r.get("source").asText());
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
