package io.connscope.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The README and the topic pages under {@code docs/}, for the tests that check what a page says (the option table,
 * the JSON Lines fields, the links between pages). The repository root is found by walking up from this test's
 * classes, so unit tests (surefire) and forked-JVM tests (failsafe) find the same files.
 */
public final class DocPages {

    private DocPages() {
    }

    /** The repository's root: the nearest directory above the test classes that holds README.md and docs/. */
    public static Path root() {
        Path start;
        try {
            start = Paths.get(DocPages.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("docs"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory with README.md and docs/ above " + start);
    }

    /** A page's text, {@code relative} to the root ("README.md", "docs/options.md"), with \n line ends. */
    public static String read(String relative) {
        Path page = root().resolve(relative);
        if (!Files.isRegularFile(page)) {
            throw new IllegalStateException("there is no " + relative + " at " + page);
        }
        try {
            return new String(Files.readAllBytes(page), StandardCharsets.UTF_8).replace("\r\n", "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** README.md, then docs/*.md in name order. */
    public static List<Path> pages() {
        Path root = root();
        List<Path> pages = new ArrayList<>();
        pages.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            pages.addAll(docs.filter(p -> p.getFileName().toString().endsWith(".md")).sorted()
                    .collect(Collectors.toList()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pages;
    }
}
