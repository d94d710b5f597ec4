package io.connscope.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The suite's temporary directories (nginx's, Tomcat's): removed with everything in them once a step is done. */
final class ScratchDirectories {

    private ScratchDirectories() {
    }

    /** Deletes {@code dir} and what is in it, deepest first; what cannot be deleted stays. */
    static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
