package io.connscope.agent.core;

/**
 * Case changes and comparisons of ASCII letters, for connscope's own strings (option keys and values, property and
 * variable names, the OS name, error messages); other characters are left as they are.
 *
 * <p>Why not {@code String.toLowerCase}: the JDK's case methods are shared with the application, and the JIT
 * compiles them from the profile of every caller. connscope runs at the application's start, when that profile
 * is young: found in a Spring Boot service, whose header map lowers every header name, two names lowered by the
 * agent at premain ({@code os.name}, and Byte Buddy's {@code java.vm.vendor}) made C2 compile
 * {@code StringLatin1.toLowerCase} with its per-character call left out of line, for the JVM's life (11 of 15
 * starts with connscope, none without). So the agent keeps out of them.
 */
public final class AsciiCase {

    private AsciiCase() {
    }

    /** {@code s} with A to Z lowered; the same instance when there is nothing to lower. */
    public static String lower(String s) {
        return shifted(s, 'A', 'Z', 'a' - 'A');
    }

    /** {@code s} with a to z raised; the same instance when there is nothing to raise. */
    public static String upper(String s) {
        return shifted(s, 'a', 'z', 'A' - 'a');
    }

    /** {@code s} with each character from {@code first} to {@code last} moved by {@code by}. */
    private static String shifted(String s, char first, char last, int by) {
        int i = 0;
        while (i < s.length() && (s.charAt(i) < first || s.charAt(i) > last)) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        char[] c = s.toCharArray();
        for (; i < c.length; i++) {
            if (c[i] >= first && c[i] <= last) {
                c[i] = (char) (c[i] + by);
            }
        }
        return new String(c);
    }

    /** Whether {@code a} and {@code b} are equal when ASCII letters' case is ignored. */
    public static boolean equalsIgnoreCase(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            if (lower(a.charAt(i)) != lower(b.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static char lower(char c) {
        return isUpper(c) ? (char) (c + ('a' - 'A')) : c;
    }

    private static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

}
