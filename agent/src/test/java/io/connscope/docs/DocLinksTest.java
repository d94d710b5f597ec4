package io.connscope.docs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The links between README.md and the pages under docs/: every file they name exists, every #anchor is a heading. */
class DocLinksTest {

    /** Images that may be linked before they exist (none now: docs/report.png is committed, made by scripts/screenshot.sh). */
    private static final Set<String> IMAGES_MADE_ELSEWHERE = Set.of();

    @Test
    void everyRelativeLinkOfTheReadmeAndTheDocsResolves() throws Exception {
        Path root = DocPages.root();
        List<String> broken = new ArrayList<>();
        for (Path page : DocPages.pages()) {
            broken.addAll(MarkdownLinks.broken(root, page, IMAGES_MADE_ELSEWHERE));
        }
        assertTrue(broken.isEmpty(), "broken links:\n" + String.join("\n", broken));
    }

    /** A newcomer finds every detail one link away: each page under docs/ is linked from the README. */
    @Test
    void theReadmeLinksEveryDocsPage() throws Exception {
        String readme = DocPages.read("README.md");
        List<String> unlinked = new ArrayList<>();
        for (Path page : DocPages.pages()) {
            String name = "docs/" + page.getFileName();
            if (page.getParent().getFileName().toString().equals("docs") && !readme.contains("](" + name + ")")
                    && !readme.contains("](" + name + "#")) {
                unlinked.add(name);
            }
        }
        assertTrue(unlinked.isEmpty(), "pages the README does not link: " + unlinked);
    }

    @Test
    void brokenLinksAreFound(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("docs"));
        Files.write(root.resolve("docs/a.md"), ("# A page\n\n## The kernel's view\n\nBack to [the README](../README.md#top).\n"
                + "```\n[not a link](nowhere.md)\n```\n").getBytes(StandardCharsets.UTF_8));
        Files.write(root.resolve("README.md"), ("# Top\n\n"
                + "[fine](docs/a.md) [fine too](docs/a.md#the-kernels-view) [here](#top) [web](https://example.com/x.md)\n"
                + "[gone](docs/b.md) [no anchor](docs/a.md#the-kernel-view) [not here](#bottom) `[code](c.md)`\n"
                + "![shot](docs/shot.png) ![later](docs/later.png)\n").getBytes(StandardCharsets.UTF_8));
        List<String> broken = new ArrayList<>(MarkdownLinks.broken(root, root.resolve("README.md"),
                Set.of("docs/later.png")));
        broken.addAll(MarkdownLinks.broken(root, root.resolve("docs/a.md"), Set.of()));
        assertEquals(List.of(
                "README.md:4: docs/b.md: no file docs/b.md",
                "README.md:4: docs/a.md#the-kernel-view: no heading with the anchor #the-kernel-view in docs/a.md",
                "README.md:4: #bottom: no heading with the anchor #bottom in README.md",
                "README.md:5: docs/shot.png: no file docs/shot.png"), broken);
    }

    @Test
    void anchorsAreGitHubSlugs() {
        assertEquals("the-kernels-view", MarkdownLinks.slug("The kernel's view"));
        assertEquals("http2-and-grpc-streams-pings-goaway-and-resets",
                MarkdownLinks.slug("HTTP/2 and gRPC: streams, PINGs, GOAWAY and resets"));
        assertEquals("what-connscope-records-and-what-it-does-not",
                MarkdownLinks.slug("What connscope records, and what it does not"));
        assertEquals("close_reason-values", MarkdownLinks.slug("`close_reason` values"));
        assertEquals("the-demo", MarkdownLinks.slug("[The demo](demo.md)"));
        assertEquals(List.of("a", "b", "a-1", "a-2"),
                new ArrayList<>(MarkdownLinks.anchors("# A\n## B\n```\n# not a heading\n```\n### A\n# A #\n")));
    }
}
