package io.connscope.agent.core;

import io.connscope.agent.core.tls.ClientHelloKey;
import io.connscope.agent.core.tls.ServerHelloScan;

/**
 * What connscope follows of a TLS connection: its handshake's times and resumption, the ClientHello that ties an
 * SSLEngine to it, and the views of a JDK SSLSocket's plaintext. Made by {@link ConnectionRecord#tls()} when the
 * connection turns out to be TLS, so that the others (most of a server's) carry none of it: some 40 bytes of each
 * open connection's heap. Each field is written and read as it was on the record: volatile, alone.
 */
final class TlsState {

    /**
     * An outbound TLS connection: nanoTime when its ClientHello was written, and when the client's last handshake
     * flight was (see {@code ConnectionProtocols.noteClientHandshake}); 0 until seen.
     */
    volatile long helloNanos;
    volatile long handshakeEndNanos;
    /** Reads the server's first flight of an outbound TLS connection until it tells; null before and after. */
    volatile ServerHelloScan scan;
    /** What that scan decided: one of ServerHelloScan's results ({@code UNDECIDED} until then). */
    volatile int resumption;
    /** What the first plaintext showed, for a JDK SSLSocket: a PROTOCOL_ constant, PROTOCOL_UNKNOWN until seen. */
    volatile int plaintext;
    /** The ClientHello random, by which an SSLEngine finds the connection; null until seen. */
    volatile ClientHelloKey helloKey;
    /** A server read the ClientHello's 5-byte record header alone: the random comes with the next read. */
    volatile boolean awaitingHelloBody;
    /**
     * A client's connection was found to be TLS from the server's handshake, read on another thread before this
     * side's write of the ClientHello was reported: the next client-to-server bytes are that ClientHello.
     */
    volatile boolean awaitingClientHello;
    /** An SSLEngine connscope follows met this connection: its plaintext, HTTP/2 frames included, will be seen. */
    volatile boolean engineBound;
    /**
     * Views of the application's plaintext arrays, one per direction, reused for every TLS read and write of a
     * JDK SSLSocket; made on first use. Each direction has one reader or writer at a time (the socket's own
     * locks), which is all the reuse relies on.
     */
    private ConnectionRecord.HeapBytes readBytes;
    private ConnectionRecord.HeapBytes writeBytes;

    ConnectionRecord.HeapBytes view(boolean write) {
        if (write) {
            ConnectionRecord.HeapBytes v = writeBytes;
            return v != null ? v : (writeBytes = new ConnectionRecord.HeapBytes());
        }
        ConnectionRecord.HeapBytes v = readBytes;
        return v != null ? v : (readBytes = new ConnectionRecord.HeapBytes());
    }
}
