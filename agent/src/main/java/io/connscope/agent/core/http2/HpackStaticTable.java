package io.connscope.agent.core.http2;

/**
 * The static table of RFC 7541 Appendix A, reduced to what the decoder needs: each entry's name length (a literal
 * that names it and is indexed adds an entry of that name to the dynamic table), its kind and its recorded value.
 * The only values recorded here are the seven {@code :status} entries'.
 */
final class HpackStaticTable {

    static final int LENGTH = 61;

    /** Appendix A's names, index 1 first. */
    private static final String[] NAMES = {
        ":authority", ":method", ":method", ":path", ":path", ":scheme", ":scheme",
        ":status", ":status", ":status", ":status", ":status", ":status", ":status",
        "accept-charset", "accept-encoding", "accept-language", "accept-ranges", "accept",
        "access-control-allow-origin", "age", "allow", "authorization", "cache-control", "content-disposition",
        "content-encoding", "content-language", "content-length", "content-location", "content-range",
        "content-type", "cookie", "date", "etag", "expect", "expires", "from", "host", "if-match",
        "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified", "link",
        "location", "max-forwards", "proxy-authenticate", "proxy-authorization", "range", "referer", "refresh",
        "retry-after", "server", "set-cookie", "strict-transport-security", "transfer-encoding", "user-agent",
        "vary", "via", "www-authenticate",
    };
    /** The values of entries 8..14, all {@code :status}. */
    private static final int FIRST_STATUS = 8;
    private static final int[] STATUS_VALUES = {200, 204, 206, 304, 400, 404, 500};

    private static final int[] NAME_LENGTHS = new int[LENGTH + 1];
    private static final int[] KINDS = new int[LENGTH + 1];
    private static final int[] VALUES = new int[LENGTH + 1];

    static {
        for (int index = 1; index <= LENGTH; index++) {
            NAME_LENGTHS[index] = NAMES[index - 1].length();
            KINDS[index] = HeaderKind.of(NAMES[index - 1]);
            VALUES[index] = -1;
        }
        for (int i = 0; i < STATUS_VALUES.length; i++) {
            VALUES[FIRST_STATUS + i] = STATUS_VALUES[i];
        }
    }

    private HpackStaticTable() {
    }

    /** {@code index} is 1..{@link #LENGTH} in all three. */
    static int nameLength(int index) {
        return NAME_LENGTHS[index];
    }

    static int kind(int index) {
        return KINDS[index];
    }

    static int value(int index) {
        return VALUES[index];
    }
}
