package io.connscope.agent.core.http;

import java.nio.charset.StandardCharsets;

/** Small, allocation-free readers of HTTP header values held in byte arrays. */
final class HttpTokens {

    private HttpTokens() {
    }

    /** Whether a comma-separated list holds {@code token}, compared case-insensitively. */
    static boolean containsToken(byte[] value, int length, String token) {
        int i = 0;
        while (i < length) {
            while (i < length && (value[i] == ' ' || value[i] == '\t' || value[i] == ',')) {
                i++;
            }
            int start = i;
            while (i < length && value[i] != ',') {
                i++;
            }
            int end = i;
            while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t')) {
                end--;
            }
            if (equalsIgnoreCase(value, start, end, token)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the last token of a comma-separated list is {@code token} (Transfer-Encoding's final coding). */
    static boolean lastTokenIs(byte[] value, int length, String token) {
        int end = length;
        while (end > 0 && (value[end - 1] == ' ' || value[end - 1] == '\t' || value[end - 1] == ',')) {
            end--;
        }
        int start = end;
        while (start > 0 && value[start - 1] != ',') {
            start--;
        }
        while (start < end && (value[start] == ' ' || value[start] == '\t')) {
            start++;
        }
        return equalsIgnoreCase(value, start, end, token);
    }

    /** The number after {@code name=} in "timeout=5, max=100", or -1. */
    static int parameter(byte[] value, int length, String name) {
        int i = 0;
        while (i < length) {
            while (i < length && (value[i] == ' ' || value[i] == ',' || value[i] == '\t')) {
                i++;
            }
            int start = i;
            while (i < length && value[i] != '=' && value[i] != ',') {
                i++;
            }
            if (i < length && value[i] == '=' && equalsIgnoreCase(value, start, i, name)) {
                i++;
                long n = -1;
                while (i < length && value[i] >= '0' && value[i] <= '9') {
                    n = (n < 0 ? 0 : n * 10) + (value[i] - '0');
                    if (n > Integer.MAX_VALUE) {
                        return -1;
                    }
                    i++;
                }
                return (int) n;
            }
            while (i < length && value[i] != ',') {
                i++;
            }
        }
        return -1;
    }

    private static boolean equalsIgnoreCase(byte[] value, int start, int end, String token) {
        if (end - start != token.length()) {
            return false;
        }
        for (int k = 0; k < token.length(); k++) {
            int b = value[start + k];
            if (b >= 'A' && b <= 'Z') {
                b += 32;
            }
            if (b != token.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** The value as text for reports, or null when the header was absent. */
    static String text(byte[] value, int length) {
        return length < 0 ? null : new String(value, 0, length, StandardCharsets.ISO_8859_1);
    }
}
