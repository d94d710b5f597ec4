package io.connscope.it;

/** The final console summary line: {@code connscope: summary (exit) ...}. */
public final class SummaryLine {

    private SummaryLine() {
    }

    public static String exit(Fork.Result r) {
        String found = null;
        for (String line : r.stderr.split("\n")) {
            if (line.startsWith("connscope: summary (exit)")) {
                found = line;
            }
        }
        return found;
    }
}
