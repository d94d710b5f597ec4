package io.connscope.agent.core.http2;

/**
 * The error codes of RST_STREAM and GOAWAY frames (RFC 9113, section 7), by the lower-case names connscope reports:
 * {@code no_error}, {@code cancel}, {@code enhance_your_calm}, ... A code outside the registry keeps its number.
 */
public final class Http2ErrorCode {

    public static final int NO_ERROR = 0x0;
    public static final int CANCEL = 0x8;
    public static final int ENHANCE_YOUR_CALM = 0xb;

    private static final String[] NAMES = {
            "no_error", "protocol_error", "internal_error", "flow_control_error", "settings_timeout", "stream_closed",
            "frame_size_error", "refused_stream", "cancel", "compression_error", "connect_error", "enhance_your_calm",
            "inadequate_security", "http_1_1_required"};

    /** Codes with a name; counters keep one more slot for every other code. */
    static final int KNOWN = NAMES.length;

    private Http2ErrorCode() {
    }

    /** The code's name, or {@code code_0x..} for one outside the registry. */
    public static String name(long code) {
        return code >= 0 && code < KNOWN ? NAMES[(int) code] : "code_0x" + Long.toHexString(code);
    }

    /** The counter slot of a code: its own for a registered code, {@link #KNOWN} for all others. */
    static int slot(long code) {
        return code >= 0 && code < KNOWN ? (int) code : KNOWN;
    }

    /** The name of a counter slot ({@code other} for the shared one). */
    static String slotName(int slot) {
        return slot < KNOWN ? NAMES[slot] : "other";
    }
}
