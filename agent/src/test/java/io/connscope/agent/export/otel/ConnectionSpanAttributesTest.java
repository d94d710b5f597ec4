package io.connscope.agent.export.otel;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionRegistry;
import io.connscope.agent.core.KeepAliveSettings;
import io.connscope.agent.core.SocketInspector;
import io.opentelemetry.api.common.Attributes;
import org.junit.jupiter.api.Test;

import java.io.FileDescriptor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The connection span's attributes for values only native code sets (Netty's epoll). */
class ConnectionSpanAttributesTest {

    private static final KeepAliveSettings OS = new KeepAliveSettings(false, 7200, 75, 9,
            KeepAliveSettings.Source.OS_DEFAULT);

    /** A native socket's descriptor, as the agent makes one, with no system call behind it. */
    private static final SocketInspector NATIVE = new SocketInspector.None() {
        @Override
        public FileDescriptor descriptorOfNative(int fd) {
            return new FileDescriptor();
        }

        @Override
        public boolean isTcp(FileDescriptor fd) {
            return true;
        }
    };

    @Test
    void tcpUserTimeoutSetThroughEpollIsOnTheSpan() {
        assertEquals(15_000L, ConnectionSpans.attributes(nativeConnection(15_000))
                .get(ConnscopeAttributes.KEEPALIVE_USER_TIMEOUT));
    }

    @Test
    void withoutTcpUserTimeoutTheSpanHasNone() {
        Attributes a = ConnectionSpans.attributes(nativeConnection(-1));
        assertNull(a.get(ConnscopeAttributes.KEEPALIVE_USER_TIMEOUT), a.toString());
    }

    private static ConnectionRecord nativeConnection(int userTimeoutMillis) {
        List<ConnectionRecord> out = new ArrayList<>();
        ConnectionRegistry registry = new ConnectionRegistry(100, NATIVE, OS, out::add);
        Object socket = new Object();
        registry.onNativeConnectStart(socket, 42, new InetSocketAddress("127.0.0.1", 8080));
        if (userTimeoutMillis >= 0) {
            registry.onNativeOption(socket, "setTcpUserTimeout", userTimeoutMillis);
        }
        registry.onNativeConnectEnd(socket, true, null);
        registry.onNativeClose(socket);
        assertEquals(1, out.size(), out.toString());
        return out.get(0);
    }
}
