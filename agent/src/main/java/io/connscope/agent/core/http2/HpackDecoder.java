package io.connscope.agent.core.http2;

import io.connscope.agent.core.http.ByteSource;

/** Temporary stand-in until the real decoder lands: decodes nothing. */
public final class HpackDecoder {
    public void maxTableSize(long bytes) {
    }

    public void beginBlock() {
    }

    public void feed(ByteSource src, long address, int length) {
    }

    public boolean endBlock() {
        return true;
    }

    public int status() {
        return -1;
    }

    public int grpcStatus() {
        return -1;
    }

    public boolean broken() {
        return false;
    }
}
