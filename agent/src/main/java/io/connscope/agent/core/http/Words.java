package io.connscope.agent.core.http;

/**
 * Up to eight ASCII bytes packed into a {@code long} the way {@link ByteSource#longAt} reads them (little-endian:
 * the first byte lowest), so that a head's fixed tokens ("GET ", "HTTP/1.", "connection:") are compared with one
 * load of the socket's buffer against a constant.
 *
 * <p>Why: per request the agent runs between the kernel's networking and the application's own work, which leave
 * the CPU's caches cold for it. Comparing against {@code String}s touched their objects and arrays, several cache
 * misses per request that cost more than the comparisons themselves; a {@code static final long} is part of the
 * compiled code.
 */
final class Words {

    private Words() {
    }

    /** {@code text} (at most 8 ASCII characters) as a word. */
    static long of(String text) {
        if (text.length() > 8) {
            throw new IllegalArgumentException("more than 8 bytes: " + text);
        }
        long w = 0;
        for (int i = text.length() - 1; i >= 0; i--) {
            w = (w << 8) | (text.charAt(i) & 0xff);
        }
        return w;
    }

    /** The mask of a word's first {@code bytes} bytes. */
    static long mask(int bytes) {
        return bytes >= 8 ? -1L : (1L << (8 * bytes)) - 1;
    }

    /**
     * For {@code lowerCaseText}: 0x20 in each byte that is a letter, 0 elsewhere. A word OR-ed with it equals
     * {@code of(lowerCaseText)} exactly when it spells the text in any case: only 'C' and 'c' give 'c' when 0x20
     * is set, while '-' and ':' are compared as they are ('\r' | 0x20 would be '-').
     */
    static long caseFold(String lowerCaseText) {
        long m = 0;
        for (int i = lowerCaseText.length() - 1; i >= 0; i--) {
            char c = lowerCaseText.charAt(i);
            m = (m << 8) | (c >= 'a' && c <= 'z' ? 0x20 : 0);
        }
        return m;
    }

    /** The byte at {@code index} (0 the first) of a word. */
    static int byteOf(long word, int index) {
        return (int) (word >>> (8 * index)) & 0xff;
    }
}
