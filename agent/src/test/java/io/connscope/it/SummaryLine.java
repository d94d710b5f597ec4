package io.connscope.it;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The final console summary line: {@code connscope: summary (exit) ...}. */
public final class SummaryLine {

    private static final Pattern INTERNAL_ERRORS = Pattern.compile("internal errors (\\d+)");

    private SummaryLine() {
    }

    /** The exit summary's count of internal errors (advice failures kept from the application), or -1 without one. */
    public static long internalErrors(Fork.Result r) {
        String summary = exit(r);
        Matcher m = summary == null ? null : INTERNAL_ERRORS.matcher(summary);
        return m != null && m.find() ? Long.parseLong(m.group(1)) : -1;
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
