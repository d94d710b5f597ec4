package io.connscope.agent.core.http;

/**
 * Where the bytes of a read or write are: native memory in the agent (the buffer the kernel just filled or
 * drained), a byte array in tests. {@code address} is whatever the source understands as a position.
 */
public interface ByteSource {

    /** The byte at {@code address}, 0..255. */
    int byteAt(long address);

    /** The little-endian 64-bit word at {@code address} (an {@code iovec} field on x86-64 and arm64 Linux). */
    default long longAt(long address) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | byteAt(address + i);
        }
        return v;
    }

    /** A byte array as a source: addresses are indexes. */
    static ByteSource of(byte[] bytes) {
        return address -> bytes[(int) address] & 0xff;
    }
}
