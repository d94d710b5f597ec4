package io.connscope.demo.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/** The otel-collector/ stack's files, read as what they are (YAML, JSON). */
final class StackFiles {

    private StackFiles() {
    }

    static Path dir() {
        String d = System.getProperty("connscope.stack.dir");
        if (d == null || d.isEmpty()) {
            fail("system property connscope.stack.dir is not set; run the tests through Maven");
        }
        return Paths.get(d).normalize();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(String relative) throws IOException {
        Path p = dir().resolve(relative);
        if (!Files.isRegularFile(p)) {
            fail("missing " + p);
        }
        Object o = new Yaml().load(Files.readString(p));
        if (!(o instanceof Map)) {
            fail(relative + " is not a YAML mapping");
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String what) {
        if (!(o instanceof Map)) {
            fail(what + " is not a mapping: " + o);
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o, String what) {
        if (!(o instanceof List)) {
            fail(what + " is not a list: " + o);
        }
        return (List<Object>) o;
    }

    /** Every PromQL expression of the alert rules file (recording rules and alerts). */
    static List<String> ruleExpressions(String relative) throws IOException {
        List<String> exprs = new ArrayList<>();
        for (Object g : list(yaml(relative).get("groups"), "groups")) {
            for (Object r : list(map(g, "group").get("rules"), "rules")) {
                exprs.add(String.valueOf(map(r, "rule").get("expr")));
            }
        }
        return exprs;
    }

    /** The Grafana dashboard, as JSON. */
    static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(Files.readString(dir().resolve("grafana/dashboards/connscope.json")));
    }

    /** Like {@link #dashboardPanelsByRow()}, without the row of Jaeger panels: the panels whose targets are PromQL. */
    static Map<String, List<JsonNode>> prometheusPanelsByRow() throws IOException {
        Map<String, List<JsonNode>> rows = dashboardPanelsByRow();
        rows.remove(StackFilesTest.TRACES_ROW);
        return rows;
    }

    /**
     * The dashboard's panels (not its rows), each under the title of the row it sits in ("" above the first row).
     * Grafana places an expanded row's panels after it in the top-level list, up to the next row.
     */
    static Map<String, List<JsonNode>> dashboardPanelsByRow() throws IOException {
        JsonNode d = dashboard();
        Map<String, List<JsonNode>> rows = new LinkedHashMap<>();
        String row = "";
        rows.put(row, new ArrayList<>());
        for (JsonNode p : d.get("panels")) {
            if ("row".equals(p.path("type").asText())) {
                if (p.path("collapsed").asBoolean() || p.path("panels").size() > 0) {
                    fail("row '" + p.path("title").asText() + "' is collapsed: its panels would be hidden from the tests");
                }
                row = p.get("title").asText();
                if (rows.put(row, new ArrayList<>()) != null) {
                    fail("two rows named '" + row + "'");
                }
            } else {
                rows.get(row).add(p);
            }
        }
        return rows;
    }

    private static final Pattern METRIC = Pattern.compile("\\b((?:connscope|http_client)_[a-z0-9_]+)\\b");

    /** Names of scraped metrics an expression uses ({@code connscope_*}, {@code http_client_*}), not rule names. */
    static List<String> metricNames(String expr) {
        // Label names sit in selectors {...} and in by/on/without/ignoring/group_x lists: drop those first.
        String bare = expr.replaceAll("\\{[^}]*}", "")
                .replaceAll("\\b(by|on|without|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "");
        List<String> names = new ArrayList<>();
        Matcher m = METRIC.matcher(bare);
        while (m.find()) {
            // connscope:threshold:... and connscope:http_requests:rate5m are recorded series, not scraped names.
            if (m.start(1) > 0 && bare.charAt(m.start(1) - 1) == ':' || bare.startsWith(":", m.end(1))) {
                continue;
            }
            names.add(m.group(1));
        }
        return names;
    }
}
