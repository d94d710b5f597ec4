package io.connscope.docs;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The relative links of a Markdown page, checked the way GitHub renders them: the file a link names must exist, and
 * a {@code #anchor} must be the slug of a heading of the page it points into. Absolute links (http, https, mailto)
 * are not followed. Text inside code fences and code spans is not Markdown, so links and headings there do not count.
 */
final class MarkdownLinks {

    /** {@code [text](target)} or {@code ![alt](target "title")}; group 1 is "!" for an image, group 2 the target. */
    private static final Pattern LINK = Pattern.compile("(!?)\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("`+[^`]*`+");
    private static final Pattern INLINE_LINK = Pattern.compile("!?\\[([^\\]]*)\\]\\([^)]*\\)");

    private MarkdownLinks() {
    }

    /** The problems of {@code page}'s relative links, one line each ("page:line: target: why"); empty when none. */
    static List<String> broken(Path root, Path page, Set<String> missingImagesAllowed) throws IOException {
        List<String> problems = new ArrayList<>();
        List<String> lines = prose(read(page));
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = LINK.matcher(CODE_SPAN.matcher(lines.get(i)).replaceAll("code"));
            while (m.find()) {
                String target = m.group(2);
                if (target.matches("(?i)^(https?|mailto|ftp):.*")) {
                    continue;
                }
                String where = root.relativize(page) + ":" + (i + 1) + ": " + target + ": ";
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? "" : URLDecoder.decode(target.substring(hash + 1), StandardCharsets.UTF_8);
                Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    String fromRoot = root.relativize(resolved).toString().replace('\\', '/');
                    if (!(m.group(1).equals("!") && missingImagesAllowed.contains(fromRoot))) {
                        problems.add(where + "no file " + fromRoot);
                    }
                    continue;
                }
                if (!anchor.isEmpty() && resolved.getFileName().toString().endsWith(".md")
                        && !anchors(read(resolved)).contains(anchor)) {
                    problems.add(where + "no heading with the anchor #" + anchor + " in "
                            + root.relativize(resolved).toString().replace('\\', '/'));
                }
            }
        }
        return problems;
    }

    /** The anchors GitHub gives a page's headings, in order: each heading's slug, "-1", "-2" ... on repeats. */
    static Set<String> anchors(String text) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(text)) {
            Matcher h = HEADING.matcher(line);
            if (h.matches()) {
                String slug = slug(h.group(2));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        return anchors;
    }

    /**
     * GitHub's slug of a heading: its text as rendered (code spans' content kept, a link's text kept), lower case,
     * every character but letters, marks, digits, connector punctuation ("_"), spaces and hyphens dropped, spaces
     * made hyphens.
     */
    static String slug(String heading) {
        String text = INLINE_LINK.matcher(heading).replaceAll("$1").replace("`", "");
        return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "").replace(' ', '-');
    }

    /** The page's lines, with those inside code fences blanked (kept as empty lines, so line numbers hold). */
    private static List<String> prose(String text) {
        List<String> lines = new ArrayList<>();
        String fence = null;
        for (String line : text.split("\n", -1)) {
            String stripped = line.strip();
            if (fence == null && (stripped.startsWith("```") || stripped.startsWith("~~~"))) {
                fence = stripped.substring(0, 3);
                lines.add("");
            } else if (fence != null) {
                if (stripped.startsWith(fence)) {
                    fence = null;
                }
                lines.add("");
            } else {
                lines.add(line);
            }
        }
        return lines;
    }

    private static String read(Path page) throws IOException {
        return new String(Files.readAllBytes(page), StandardCharsets.UTF_8).replace("\r\n", "\n");
    }
}
