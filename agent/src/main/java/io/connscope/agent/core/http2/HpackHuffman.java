package io.connscope.agent.core.http2;

/**
 * The Huffman code of RFC 7541 Appendix B, decoded four bits at a time by a state machine built once at class
 * load. A state is a node of the code tree, so a string split anywhere (between bytes) resumes from one int.
 *
 * <p>A transition is one int: the next state's row in {@link #TRANSITIONS} (bits 16 and up), whether that state may
 * end a string ({@link #ACCEPT}), whether a symbol was completed ({@link #EMIT}, the symbol in the low 8 bits), or
 * whether the bits spelled EOS ({@link #FAIL}). No code is shorter than 5 bits, so four bits complete at most one.
 */
final class HpackHuffman {

    static final int EMIT = 0x100;
    static final int FAIL = 0x200;
    /** The bits since the last symbol are a valid padding: all ones, at most 7 of them (RFC 7541 §5.2). */
    static final int ACCEPT = 0x400;
    /** A string's start: the root, where ending is fine (nothing to pad). */
    static final int START = ACCEPT;

    private static final int EOS = 256;
    private static final int INTERNAL_NODES = 256;

    /**
     * The code length of each symbol, 0..255 then EOS, from Appendix B. The code is canonical (within a length,
     * codes count up in symbol order; each length starts where the shorter ones end, shifted), so these lengths
     * give the codes themselves: {@link #codes()}.
     */
    private static final byte[] LENGTHS = {
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30,
    };

    /** 16 transitions (one per nibble) for each internal node of the code tree; row {@code n} starts at n * 16. */
    private static final int[] TRANSITIONS = new int[INTERNAL_NODES * 16];

    static {
        build();
    }

    private HpackHuffman() {
    }

    /** The transition from {@code transition}'s state on the next four bits ({@code nibble}, 0..15). */
    static int next(int transition, int nibble) {
        return TRANSITIONS[(transition >>> 16) | nibble];
    }

    /** Whether a string may end after {@code transition} (no partial symbol but a valid padding). */
    static boolean accepts(int transition) {
        return (transition & ACCEPT) != 0;
    }

    /** Each symbol's code, right-aligned in {@link #length(int)} bits. */
    static int[] codes() {
        int[] codes = new int[EOS + 1];
        int code = 0;
        for (int length = 1; length <= 30; length++) {
            for (int symbol = 0; symbol <= EOS; symbol++) {
                if (LENGTHS[symbol] == length) {
                    codes[symbol] = code++;
                }
            }
            code <<= 1;
        }
        return codes;
    }

    static int length(int symbol) {
        return LENGTHS[symbol];
    }

    private static void build() {
        // The tree as child links: 0 is unset (the root is nobody's child), a leaf is ~symbol, a node its number.
        int[] zero = new int[INTERNAL_NODES];
        int[] one = new int[INTERNAL_NODES];
        int nodes = 1;
        int[] codes = codes();
        for (int symbol = 0; symbol <= EOS; symbol++) {
            int node = 0;
            for (int bit = LENGTHS[symbol] - 1; bit >= 0; bit--) {
                int[] children = ((codes[symbol] >>> bit) & 1) == 0 ? zero : one;
                if (bit == 0) {
                    children[node] = ~symbol;
                } else {
                    if (children[node] == 0) {
                        children[node] = nodes++;
                    }
                    node = children[node];
                }
            }
        }
        // Padding is a prefix of EOS (all ones) shorter than 8 bits: the root and the first 7 nodes down the ones.
        boolean[] accepting = new boolean[INTERNAL_NODES];
        for (int node = 0, depth = 0; depth <= 7; node = one[node], depth++) {
            accepting[node] = true;
        }
        for (int node = 0; node < INTERNAL_NODES; node++) {
            for (int nibble = 0; nibble < 16; nibble++) {
                TRANSITIONS[node << 4 | nibble] = transition(zero, one, accepting, node, nibble);
            }
        }
    }

    private static int transition(int[] zero, int[] one, boolean[] accepting, int from, int nibble) {
        int node = from;
        int emitted = 0;
        for (int bit = 3; bit >= 0; bit--) {
            int child = ((nibble >>> bit) & 1) == 0 ? zero[node] : one[node];
            if (child == 0) {
                throw new IllegalStateException("Appendix B code tree is incomplete at node " + node);
            }
            if (child >= 0) {
                node = child;
            } else if (~child == EOS) {
                return FAIL;
            } else {
                emitted = EMIT | ~child;
                node = 0;
            }
        }
        return (node << 4) << 16 | (accepting[node] ? ACCEPT : 0) | emitted;
    }
}
