package io.connscope.agent.core;

import io.connscope.agent.core.tls.ClientHelloKey;

import java.io.FileDescriptor;
import java.nio.ByteBuffer;

/**
 * The plaintext of TLS connections, where their protocol can be followed: what the application hands to and takes
 * from the JDK's {@code SSLSocket}, and the plaintext side of an {@code SSLEngine}'s wrap and unwrap (the JDK's, or
 * Netty's OpenSSL / BoringSSL one). Each TLS socket or engine is tied to its TCP connection once (an SSLSocket by
 * its descriptor, an engine through the {@link EngineRendezvous}); its plaintext then goes to the
 * {@link ConnectionProtocols}, as a plain connection's bytes do.
 */
final class TlsPlaintext {

    private final ConnectionTable<ConnectionRecord> table;
    private final SocketInspector inspector;
    private final EngineRendezvous engines;
    private final ConnectionProtocols protocols;
    /** JDK SSLSockets (weak keys) to the TCP connection under them, found once per socket. */
    private final ConnectionTable<ConnectionRecord> sockets;
    /** Buffer positions at the start of the wrap or unwrap running on this thread. */
    private final ThreadLocal<EngineScratch> engineScratch = ThreadLocal.withInitial(EngineScratch::new);

    TlsPlaintext(int capacity, ConnectionTable<ConnectionRecord> table, SocketInspector inspector,
                 EngineRendezvous engines, ConnectionProtocols protocols) {
        this.table = table;
        this.inspector = inspector;
        this.engines = engines;
        this.protocols = protocols;
        this.sockets = new ConnectionTable<>(capacity);
    }

    // -- SSLEngines: the JDK's, and Netty's OpenSSL / BoringSSL one --

    void onEngineEnter(Object engine, boolean wrap, ByteBuffer[] in, int inOffset, int inLength,
                       ByteBuffer[] out, int outOffset, int outLength) {
        EngineScratch scratch = engineScratch.get();
        scratch.inFirst = in.length > inOffset && in[inOffset] != null ? in[inOffset].position() : -1;
        scratch.outFirst = out.length > outOffset && out[outOffset] != null ? out[outOffset].position() : -1;
        // Plaintext is the input of a wrap and the output of an unwrap.
        ByteBuffer[] plain = wrap ? in : out;
        int offset = wrap ? inOffset : outOffset;
        int count = Math.min(wrap ? inLength : outLength, EngineScratch.MAX_BUFFERS);
        for (int i = 0; i < count; i++) {
            ByteBuffer b = offset + i < plain.length ? plain[offset + i] : null;
            scratch.plainPositions[i] = b == null ? -1 : b.position();
        }
        scratch.plainCount = count;
    }

    void onEngineExit(Object engine, boolean wrap, ByteBuffer[] in, int inOffset, int inLength,
                      ByteBuffer[] out, int outOffset, int outLength) {
        EngineScratch scratch = engineScratch.get();
        ConnectionRecord r = engines.connectionOf(engine);
        if (r == null) {
            // The ClientHello: produced by a client's wrap, consumed by a server's unwrap.
            ByteBuffer hello = wrap ? out[outOffset] : in[inOffset];
            int from = wrap ? scratch.outFirst : scratch.inFirst;
            if (hello == null || from < 0 || hello.position() <= from) {
                return;
            }
            scratch.bytes.buffer = hello;
            try {
                ClientHelloKey key = ClientHelloKey.ofRecord(scratch.bytes, from, hello.position() - from);
                if (key != null) {
                    engines.onEngineHello(engine, wrap, key);
                }
            } finally {
                scratch.bytes.buffer = null;
            }
            r = engines.connectionOf(engine);
            if (r == null) {
                return;
            }
        }
        if (r.state != ConnectionState.OPEN || r.tlsPlaintext() == ConnectionRecord.PROTOCOL_OTHER && r.http == null) {
            return;
        }
        ByteBuffer[] plain = wrap ? in : out;
        int offset = wrap ? inOffset : outOffset;
        for (int i = 0; i < scratch.plainCount; i++) {
            ByteBuffer b = offset + i < plain.length ? plain[offset + i] : null;
            int before = scratch.plainPositions[i];
            if (b != null && before >= 0 && b.position() > before) {
                scratch.bytes.buffer = b;
                try {
                    protocols.lookPlain(r, scratch.bytes, wrap, before, b.position() - before);
                } finally {
                    scratch.bytes.buffer = null;
                }
            }
        }
    }

    void onEngineWrapEnter(Object engine, ByteBuffer[] in, int inOffset, int inLength, ByteBuffer out) {
        ByteBuffer[] single = engineScratch.get().singleOut;
        single[0] = out;
        try {
            onEngineEnter(engine, true, in, inOffset, inLength, single, 0, 1);
        } finally {
            single[0] = null;
        }
    }

    void onEngineWrapExit(Object engine, ByteBuffer[] in, int inOffset, int inLength, ByteBuffer out) {
        ByteBuffer[] single = engineScratch.get().singleOut;
        single[0] = out;
        try {
            onEngineExit(engine, true, in, inOffset, inLength, single, 0, 1);
        } finally {
            // Not kept past the call: the buffer is the application's.
            single[0] = null;
        }
    }

    /** Per-thread positions for one wrap or unwrap; allocated once per thread. */
    private static final class EngineScratch {
        static final int MAX_BUFFERS = 16;
        final int[] plainPositions = new int[MAX_BUFFERS];
        int plainCount;
        int inFirst;
        int outFirst;
        final ConnectionRecord.BufferBytes bytes = new ConnectionRecord.BufferBytes();
        /** The one output buffer of a wrap that takes a single one, as the array the code above reads. */
        final ByteBuffer[] singleOut = new ByteBuffer[1];
    }

    // -- plaintext of the JDK's SSLSocket --

    void onTlsRead(Object tlsSocket, byte[] b, int off, int n) {
        ConnectionRecord r = tlsConnection(tlsSocket);
        if (r != null) {
            protocols.lookPlain(r, r.tls().view(false), false, b, off, n);
        }
    }

    void onTlsWrite(Object tlsSocket, byte[] b, int off, int n) {
        ConnectionRecord r = tlsConnection(tlsSocket);
        if (r != null) {
            protocols.lookPlain(r, r.tls().view(true), true, b, off, n);
            // The TLS records of this plaintext were written inside the call that just returned.
            // Its descriptor is found (through the socket's fields) only when a poll is due: once per reused request.
            if (protocols.staleCheckDue(r)) {
                protocols.pollStale(r, inspector.descriptorOfTlsSocket(tlsSocket));
            }
        }
    }

    private ConnectionRecord tlsConnection(Object tlsSocket) {
        ConnectionRecord r = sockets.get(tlsSocket);
        if (r == null) {
            FileDescriptor fd = inspector.descriptorOfTlsSocket(tlsSocket);
            r = fd == null ? null : table.get(fd);
            if (r == null || r.state != ConnectionState.OPEN) {
                return null;
            }
            sockets.putIfAbsent(tlsSocket, r);
            // It is TLS, whatever its first bytes looked like to the socket layer.
            r.protocol = ConnectionRecord.PROTOCOL_TLS;
        }
        return r.state == ConnectionState.OPEN && r.tlsPlaintext() != ConnectionRecord.PROTOCOL_OTHER ? r : null;
    }

    /** {@code r} closed: no engine will meet it any more. */
    void onClose(ConnectionRecord r) {
        engines.forget(r);
    }

    /** TLS sockets and engines currently tied to a connection. */
    int bindings() {
        return sockets.size() + engines.size();
    }

    /** Forgets TLS sockets and engines the application dropped. */
    void expungeCollected() {
        sockets.expungeCollected();
        engines.expungeCollected();
    }
}
