package io.connscope.agent.report;

import io.connscope.agent.core.PlainFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.List;

/**
 * {@code java -jar connscope-agent.jar report EVENTS.jsonl [-o report.html]}: the HTML report of a JSON Lines file
 * that connscope wrote ({@code connscope.events.file}). Without {@code -o} the page goes beside the file, its
 * {@code .jsonl} (or {@code .json}) replaced by {@code .html}.
 */
public final class ReportCommand {

    static final String USAGE = "usage: java -jar connscope-agent.jar report EVENTS.jsonl [-o report.html]";

    private ReportCommand() {
    }

    /** 0 when written, 2 for bad arguments, 1 when a file cannot be read or written; one line on err says why. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        Path input = null;
        Path output = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-o") || a.equals("--output")) {
                if (i + 1 >= args.size()) {
                    err.println("connscope: report: -o needs a file name; " + USAGE);
                    return 2;
                }
                output = Paths.get(args.get(++i));
            } else if (input == null && !a.startsWith("-")) {
                input = Paths.get(a);
            } else {
                err.println("connscope: report: unexpected argument '" + a + "'; " + USAGE);
                return 2;
            }
        }
        if (input == null) {
            err.println("connscope: report: which JSON Lines file (connscope.events.file)? " + USAGE);
            return 2;
        }
        if (output == null) {
            output = defaultOutput(input);
        }
        try {
            Written w = write(input, output);
            out.println("connscope: report of " + w.connections + " connections from " + input + " written to "
                    + output.toAbsolutePath());
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("connscope: report: cannot turn " + input + " into " + output + ": " + e);
            return 1;
        }
    }

    private static Written write(Path input, Path output) throws IOException {
        if (!Files.isRegularFile(input)) {
            throw new IOException("no such file");
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        String about = RunSummary.reportLine(input.getFileName().toString(), Instant.now().toString());
        try (BufferedReader in = PlainFiles.reader(input, StandardCharsets.UTF_8);
             Writer w = PlainFiles.writer(output, StandardCharsets.UTF_8)) {
            HtmlReport.Written written = HtmlReport.write(in, List.of(about), w);
            return new Written(written.connections);
        }
    }

    /** {@code events.jsonl} gives {@code events.html}, in the same directory. */
    static Path defaultOutput(Path input) {
        String name = input.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot > 0 ? name.substring(dot) : "";
        String base = ext.equals(".jsonl") || ext.equals(".json") || ext.equals(".ndjson") ? name.substring(0, dot) : name;
        return input.resolveSibling(base + ".html");
    }

    private static final class Written {
        final long connections;

        Written(long connections) {
            this.connections = connections;
        }
    }
}
