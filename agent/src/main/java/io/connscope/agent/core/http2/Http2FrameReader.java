package io.connscope.agent.core.http2;

import io.connscope.agent.core.http.ByteSource;

/**
 * Follows the frames one side of an HTTP/2 connection sends (RFC 9113, section 4), from the bytes as they pass,
 * split anywhere: a frame header, a PING or a header block may straddle any number of reads. Only the fields
 * connscope records are read (stream ids, END_STREAM, RST_STREAM and GOAWAY codes, PING payloads, two SETTINGS, and
 * the header blocks for the HPACK decoder); DATA and everything else is skipped unread. Nothing is allocated per
 * frame: the state is a handful of ints.
 *
 * <p>The client's side starts with the 24-byte connection preface. What does not parse (a wrong preface, a frame
 * no HTTP/2 peer sends) stops the reader for good; the tracker reports that instead of guessing.
 */
final class Http2FrameReader {

    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PUSH_PROMISE = 0x5;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int CONTINUATION = 0x9;

    static final int FLAG_END_STREAM = 0x1;
    static final int FLAG_ACK = 0x1;
    static final int FLAG_END_HEADERS = 0x4;
    static final int FLAG_PADDED = 0x8;
    static final int FLAG_PRIORITY = 0x20;

    static final int SETTINGS_HEADER_TABLE_SIZE = 0x1;
    static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;

    /** "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". */
    static final byte[] PREFACE = {'P', 'R', 'I', ' ', '*', ' ', 'H', 'T', 'T', 'P', '/', '2', '.', '0', '\r', '\n',
            '\r', '\n', 'S', 'M', '\r', '\n', '\r', '\n'};

    private static final int IN_PREFACE = 0;
    private static final int IN_HEADER = 1;
    private static final int IN_PAYLOAD = 2;
    private static final int STOPPED = 3;

    /** The longest GOAWAY debug text kept. */
    static final int DEBUG_MAX = 64;

    final boolean fromClient;
    /** Decodes this side's header blocks, whose dynamic table the other side's SETTINGS bound. */
    final HpackDecoder hpack = new HpackDecoder();
    private final Http2ConnectionTracker tracker;

    private int state;
    private int prefaceAt;
    private int headerAt;
    private int length;
    private int type;
    private int flags;
    private int streamId;
    /** Payload bytes of the current frame not yet passed. */
    private int remaining;
    /** Payload bytes of the current frame already passed. */
    private int at;
    /** Fixed fields accumulate here (PING payload, GOAWAY ids and code, a SETTINGS entry, a promised stream id). */
    private long word;
    private int settingId;
    /** A header block's frame: its pad length, and where its fragment starts. */
    private int padLength;
    private int fragmentStart;
    /** The open header block (HEADERS or PUSH_PROMISE not yet ended by END_HEADERS). */
    private boolean inBlock;
    private int blockStream;
    private boolean blockEndsStream;
    private boolean blockIsPush;
    private int promisedStream;
    /** The current GOAWAY's debug text, printable ASCII only. */
    private final byte[] debug = new byte[DEBUG_MAX];
    private int debugLength;

    Http2FrameReader(Http2ConnectionTracker tracker, boolean fromClient) {
        this.tracker = tracker;
        this.fromClient = fromClient;
        this.state = fromClient ? IN_PREFACE : IN_HEADER;
    }

    boolean stopped() {
        return state == STOPPED;
    }

    void feed(ByteSource src, long address, int n, long nowNanos) {
        long p = address;
        long end = address + n;
        while (p < end) {
            switch (state) {
                case IN_PREFACE:
                    if (src.byteAt(p++) != (PREFACE[prefaceAt] & 0xff)) {
                        stop("no HTTP/2 connection preface");
                        return;
                    }
                    if (++prefaceAt == PREFACE.length) {
                        state = IN_HEADER;
                    }
                    break;
                case IN_HEADER:
                    frameHeaderByte(src.byteAt(p++), nowNanos);
                    break;
                case IN_PAYLOAD:
                    p = payload(src, p, end, nowNanos);
                    break;
                default:
                    return;
            }
        }
    }

    private void frameHeaderByte(int b, long nowNanos) {
        switch (headerAt++) {
            case 0:
                length = b;
                break;
            case 1:
            case 2:
                length = length << 8 | b;
                break;
            case 3:
                type = b;
                break;
            case 4:
                flags = b;
                break;
            case 5:
                streamId = b & 0x7f;
                break;
            default:
                streamId = streamId << 8 | b;
        }
        if (headerAt == 9) {
            headerAt = 0;
            startFrame(nowNanos);
        }
    }

    private void startFrame(long nowNanos) {
        if (inBlock && type != CONTINUATION) {
            stop("header block interrupted by frame type " + type);
            return;
        }
        remaining = length;
        at = 0;
        word = 0;
        padLength = 0;
        switch (type) {
            case HEADERS:
            case PUSH_PROMISE:
                if (streamId == 0) {
                    stop("header block on stream 0");
                    return;
                }
                fragmentStart = ((flags & FLAG_PADDED) != 0 ? 1 : 0) + (type == HEADERS
                        ? ((flags & FLAG_PRIORITY) != 0 ? 5 : 0) : 4);
                if (fragmentStart > length) {
                    stop("header frame shorter than its fields");
                    return;
                }
                inBlock = true;
                blockStream = streamId;
                blockIsPush = type == PUSH_PROMISE;
                blockEndsStream = type == HEADERS && (flags & FLAG_END_STREAM) != 0;
                promisedStream = 0;
                hpack.beginBlock();
                break;
            case CONTINUATION:
                if (!inBlock || streamId != blockStream) {
                    stop("CONTINUATION without its header block");
                    return;
                }
                fragmentStart = 0;
                break;
            case RST_STREAM:
                if (length != 4) {
                    stop("RST_STREAM of length " + length);
                    return;
                }
                break;
            case PING:
                if (length != 8) {
                    stop("PING of length " + length);
                    return;
                }
                break;
            case GOAWAY:
                if (length < 8) {
                    stop("GOAWAY of length " + length);
                    return;
                }
                debugLength = 0;
                break;
            case SETTINGS:
                if (length % 6 != 0) {
                    stop("SETTINGS of length " + length);
                    return;
                }
                break;
            default:
                break;
        }
        state = IN_PAYLOAD;
        if (remaining == 0) {
            endFrame(nowNanos);
        }
    }

    /** Passes payload bytes from {@code p}; returns where it stopped. */
    private long payload(ByteSource src, long p, long end, long nowNanos) {
        switch (type) {
            case HEADERS:
            case PUSH_PROMISE:
            case CONTINUATION:
                p = headerBlockPayload(src, p, end);
                break;
            case RST_STREAM:
            case PING:
                while (p < end && remaining > 0) {
                    word = word << 8 | src.byteAt(p++);
                    remaining--;
                }
                break;
            case GOAWAY:
                while (p < end && remaining > 0 && (at < 8 || debugLength < DEBUG_MAX)) {
                    int b = src.byteAt(p++);
                    if (at < 8) {
                        word = word << 8 | b;
                    } else {
                        debug[debugLength++] = (byte) (b >= 0x20 && b < 0x7f ? b : '.');
                    }
                    at++;
                    remaining--;
                }
                // Debug data past what is kept is passed over unread, as a payload not needed is.
                long rest = Math.min(remaining, end - p);
                p += rest;
                remaining -= (int) rest;
                at += (int) rest;
                break;
            case SETTINGS:
                while (p < end && remaining > 0) {
                    int b = src.byteAt(p++);
                    int k = at % 6;
                    if (k < 2) {
                        settingId = (k == 0 ? 0 : settingId << 8) | b;
                    } else {
                        word = (k == 2 ? 0 : word << 8) | b;
                    }
                    at++;
                    remaining--;
                    if (k == 5 && (flags & FLAG_ACK) == 0) {
                        tracker.onSetting(fromClient, settingId, word);
                    }
                }
                break;
            default:
                long skip = Math.min(remaining, end - p);
                p += skip;
                remaining -= (int) skip;
        }
        if (remaining == 0 && state == IN_PAYLOAD) {
            endFrame(nowNanos);
        }
        return p;
    }

    /** HEADERS, PUSH_PROMISE and CONTINUATION: pad length, priority or promised id, fragment, padding. */
    private long headerBlockPayload(ByteSource src, long p, long end) {
        while (p < end && remaining > 0) {
            if (at < fragmentStart) {
                int b = src.byteAt(p++);
                if (at == 0 && (flags & FLAG_PADDED) != 0 && type != CONTINUATION) {
                    padLength = b;
                    if (fragmentStart + padLength > length) {
                        stop("padding longer than the frame");
                        return end;
                    }
                } else if (type == PUSH_PROMISE) {
                    promisedStream = (promisedStream << 8 | b) & 0x7fffffff;
                }
                at++;
                remaining--;
            } else if (at < length - padLength) {
                int take = (int) Math.min(length - padLength - at, end - p);
                if (!hpack.broken()) {
                    hpack.feed(src, p, take);
                }
                p += take;
                at += take;
                remaining -= take;
            } else {
                long skip = Math.min(remaining, end - p);
                p += skip;
                at += (int) skip;
                remaining -= (int) skip;
            }
        }
        return p;
    }

    private void endFrame(long nowNanos) {
        state = IN_HEADER;
        switch (type) {
            case DATA:
                if ((flags & FLAG_END_STREAM) != 0 && streamId != 0) {
                    tracker.onEndStream(fromClient, streamId, nowNanos);
                }
                break;
            case HEADERS:
            case PUSH_PROMISE:
            case CONTINUATION:
                if ((flags & FLAG_END_HEADERS) != 0) {
                    endBlock(nowNanos);
                }
                break;
            case RST_STREAM:
                tracker.onReset(fromClient, streamId, word, nowNanos);
                break;
            case PING:
                tracker.onPing(fromClient, (flags & FLAG_ACK) != 0, word, nowNanos);
                break;
            case GOAWAY:
                tracker.onGoAway(fromClient, (int) (word >>> 32) & 0x7fffffff, word & 0xffffffffL, debug, debugLength,
                        nowNanos);
                break;
            default:
                break;
        }
    }

    private void endBlock(long nowNanos) {
        inBlock = false;
        boolean complete = hpack.broken() || hpack.endBlock();
        int status = complete && !hpack.broken() ? hpack.status() : -1;
        int grpcStatus = complete && !hpack.broken() ? hpack.grpcStatus() : -1;
        if (blockIsPush) {
            tracker.onPushPromise(fromClient, promisedStream, nowNanos);
        } else {
            tracker.onHeaders(fromClient, blockStream, blockEndsStream, status, grpcStatus, nowNanos);
        }
    }

    private void stop(String why) {
        state = STOPPED;
        tracker.onUnparsed(fromClient, why);
    }
}
