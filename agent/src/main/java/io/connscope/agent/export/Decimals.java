package io.connscope.agent.export;

import java.util.Locale;

/**
 * Fixed-point decimals for report lines, as {@code String.format(Locale.ROOT, "%.Nf", v)} prints them except
 * where {@code v} is within a rounding error of a tie. A churning JVM prints up to
 * {@code connscope.console.lines.per.second} connection lines a second: {@link java.util.Formatter} parses its
 * pattern with a regular expression each time, and its large methods reach C2's thresholds minutes after start,
 * compiling for seconds beside the application.
 */
final class Decimals {

    private static final long[] POWERS = {1, 10, 100, 1000, 10_000};

    private Decimals() {
    }

    /** Appends {@code v} with {@code digits} (0 to 4) digits after the point, rounded half up. */
    static StringBuilder fixed(StringBuilder sb, double v, int digits) {
        long scale = POWERS[digits];
        if (!(Math.abs(v) * scale < 1e15)) { // NaN, infinite, or near where doubles stop holding every integer
            return sb.append(String.format(Locale.ROOT, "%." + digits + "f", v));
        }
        if (v < 0 || (v == 0 && 1 / v < 0)) {
            sb.append('-');
            v = -v;
        }
        long units = (long) Math.floor(v * scale + 0.5);
        sb.append(units / scale);
        if (digits > 0) {
            sb.append('.');
            long fraction = units % scale;
            for (long p = scale / 10; p > fraction && p > 1; p /= 10) {
                sb.append('0');
            }
            sb.append(fraction);
        }
        return sb;
    }
}
