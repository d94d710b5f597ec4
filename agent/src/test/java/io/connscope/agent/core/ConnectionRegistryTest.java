package io.connscope.agent.core;

import io.connscope.bootstrap.AgentThread;
import org.junit.jupiter.api.Test;

import java.io.FileDescriptor;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry's logic, driven the way the advice drives it, with a scripted kernel. */
class ConnectionRegistryTest {

    private static final KeepAliveSettings OS = new KeepAliveSettings(false, 7200, 75, 9, KeepAliveSettings.Source.OS_DEFAULT);
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 8080);
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);

    private final ScriptedKernel kernel = new ScriptedKernel();
    private final List<ConnectionRecord> finished = new CopyOnWriteArrayList<>();
    private final ConnectionRegistry registry = new ConnectionRegistry(1_000, kernel, OS, finished::add);

    @Test
    void anOutboundConnectionFromConnectToClose() {
        FileDescriptor fd = connected(registry);
        registry.onWrite(fd, 0L, 0, 100, null);
        registry.onRead(fd, 0L, 0, 250, null);
        registry.onRead(fd, 0L, 0, 50, null);
        registry.onClose(fd);

        assertEquals(1, finished.size());
        ConnectionRecord r = finished.get(0);
        assertEquals(ConnectionState.CLOSED, r.state());
        assertEquals(Direction.OUTBOUND, r.direction());
        assertEquals(CLIENT, r.localAddress(), "local address comes from the kernel after connect");
        assertEquals(SERVER, r.remoteAddress());
        assertEquals(100, r.bytesSent());
        assertEquals(300, r.bytesReceived());
        assertEquals(CloseInitiator.LOCAL, r.closeInitiator());
        assertEquals(Thread.currentThread().getName(), r.thread());
        assertEquals(KeepAliveSettings.Source.OS_DEFAULT, r.keepAlive().source);
        assertTrue(r.connectMillis() >= 0);
        assertEquals(0, registry.trackedSockets(), "a closed connection leaves the table");
    }

    @Test
    void endOfStreamBeforeCloseMeansThePeerClosedFirst() {
        FileDescriptor fd = connected();
        registry.onRead(fd, 0L, 0, -1, null);
        registry.onClose(fd);
        assertEquals(CloseInitiator.REMOTE, finished.get(0).closeInitiator());
    }

    @Test
    void aResetOnReadMeansThePeerReset() {
        FileDescriptor fd = connected();
        registry.onRead(fd, 0L, 0, 0, new SocketException("Connection reset"));
        registry.onClose(fd);
        assertEquals(CloseInitiator.REMOTE_RESET, finished.get(0).closeInitiator());
    }

    @Test
    void aBrokenPipeOnWriteMeansThePeerReset() {
        FileDescriptor fd = connected();
        registry.onWrite(fd, 0L, 0, 0, new java.io.IOException("Broken pipe"));
        registry.onClose(fd);
        assertEquals(CloseInitiator.REMOTE_RESET, finished.get(0).closeInitiator());
    }

    @Test
    void lingerZeroAtCloseIsALocalReset() {
        FileDescriptor fd = connected();
        kernel.probe = new CloseInitiator.CloseProbe(0, -1, 0);
        registry.onClose(fd);
        assertEquals(CloseInitiator.LOCAL_RESET, finished.get(0).closeInitiator());
    }

    @Test
    void closingTwiceReportsOnce() {
        FileDescriptor fd = connected();
        registry.onClose(fd);
        registry.onClose(fd);
        assertEquals(1, finished.size());
    }

    @Test
    void aConnectThatThrowsIsOneFailedRecordEvenThoughTheJdkClosesTheSocketFirst() {
        FileDescriptor fd = new FileDescriptor();
        registry.onConnectStart(fd, SERVER);
        registry.onConnectFailureOnThread(new ConnectException("Connection refused"));
        registry.onClose(fd); // NioSocketImpl.connect closes before rethrowing
        assertEquals(0, finished.size(), "the close inside connect waits for the connect's own exit");
        registry.onConnectEnd(fd, false, new ConnectException("Connection refused"));
        registry.onClose(fd); // the application closes again
        assertEquals(1, finished.size());
        ConnectionRecord r = finished.get(0);
        assertEquals(ConnectionState.FAILED, r.state());
        assertTrue(r.error().startsWith("refused: java.net.ConnectException: Connection refused"), r.error());
        assertNull(r.closeInitiator());
    }

    @Test
    void aTimedOutConnectIsNamedSo() {
        FileDescriptor fd = new FileDescriptor();
        registry.onConnectStart(fd, SERVER);
        registry.onConnectEnd(fd, false, new SocketTimeoutException("Connect timed out"));
        assertTrue(finished.get(0).error().startsWith("timed_out: "), finished.get(0).error());
    }

    @Test
    void anAsynchronousConnectFailingOnAnotherThreadKeepsTheKernelsReason() throws Exception {
        FileDescriptor fd = new FileDescriptor();
        registry.onConnectStart(fd, SERVER);
        registry.onConnectEnd(fd, false, null); // pending: implConnect returned
        Thread group = new Thread(() -> {
            registry.onConnectResume(fd); // finishConnect runs on the group's thread
            registry.onConnectFailureOnThread(new ConnectException("Connection refused"));
            registry.onClose(fd); // and closes the channel there
            registry.onConnectEnd(fd, false, null);
        });
        group.start();
        group.join();
        assertEquals(1, finished.size());
        assertTrue(finished.get(0).error().startsWith("refused: "), finished.get(0).error());
    }

    @Test
    void aSocketExceptionOnAThreadWithoutAConnectChangesNothing() {
        FileDescriptor fd = connected();
        registry.onConnectFailureOnThread(new ConnectException("Connection refused"));
        registry.onClose(fd);
        assertEquals(ConnectionState.CLOSED, finished.get(0).state());
    }

    @Test
    void aConnectClosedFromAnotherThreadWhilePendingFailsWithoutAReason() throws Exception {
        FileDescriptor fd = new FileDescriptor();
        registry.onConnectStart(fd, SERVER);
        registry.onConnectEnd(fd, false, null);
        Thread closer = new Thread(() -> registry.onClose(fd));
        closer.start();
        closer.join();
        assertEquals("failed: connection not established", finished.get(0).error());
    }

    @Test
    void aPendingConnectThatCompletesOnAnotherThreadIsOpen() throws Exception {
        FileDescriptor fd = new FileDescriptor();
        registry.onConnectStart(fd, SERVER);
        registry.onConnectEnd(fd, false, null);
        Thread selector = new Thread(() -> {
            registry.onConnectResume(fd);
            registry.onConnectEnd(fd, true, null);
        });
        selector.start();
        selector.join();
        assertEquals(1, registry.openConnections(false).size());
        registry.onClose(fd);
        assertEquals(ConnectionState.CLOSED, finished.get(0).state());
    }

    @Test
    void aWildcardConnectReportsTheKernelsPeer() {
        FileDescriptor fd = new FileDescriptor();
        registry.onConnectStart(fd, new InetSocketAddress("0.0.0.0", 8080));
        registry.onConnectEnd(fd, true, null);
        assertEquals(SERVER, registry.openConnections(false).get(0).remoteAddress());
    }

    @Test
    void onlyWildcardsAndIpv4InIpv6FormsAskTheKernelForThePeer() throws Exception {
        assertFalse(ConnectionAddresses.kernelPeerMayDiffer(java.net.InetAddress.getByName("127.0.0.1")));
        assertFalse(ConnectionAddresses.kernelPeerMayDiffer(java.net.InetAddress.getByName("::1")));
        assertFalse(ConnectionAddresses.kernelPeerMayDiffer(java.net.InetAddress.getByName("2001:db8::1")));
        assertTrue(ConnectionAddresses.kernelPeerMayDiffer(java.net.InetAddress.getByName("0.0.0.0")));
        assertTrue(ConnectionAddresses.kernelPeerMayDiffer(java.net.InetAddress.getByName("::")));
        assertFalse(ConnectionAddresses.kernelPeerMayDiffer(java.net.InetAddress.getByName("::7f00:1")));
        assertTrue(ConnectionAddresses.kernelPeerMayDiffer(null));
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
        assertTrue(ConnectionAddresses.kernelPeerMayDiffer(java.net.Inet6Address.getByAddress(null, mapped, -1)));
    }

    @Test
    void connectOnAConnectedSocketChangesNothing() {
        FileDescriptor fd = connected();
        registry.onConnectStart(fd, new InetSocketAddress("127.0.0.1", 9999));
        registry.onConnectEnd(fd, false, new java.nio.channels.AlreadyConnectedException());
        assertEquals(1, registry.openConnections(false).size());
        assertEquals(SERVER, registry.openConnections(false).get(0).remoteAddress());
        assertEquals(0, finished.size());
    }

    @Test
    void unresolvedAndNonInetAddressesAreNotTcpConnections() {
        registry.onConnectStart(new FileDescriptor(), InetSocketAddress.createUnresolved("example.invalid", 80));
        registry.onConnectStart(new FileDescriptor(), new Object());
        assertEquals(0, registry.trackedSockets());
    }

    @Test
    void aLocalAddressTheJdkJustReadOnThisThreadIsNotAskedOfTheKernelAgain() {
        InetSocketAddress outboundLocal = new InetSocketAddress("127.0.0.2", 40001);
        InetSocketAddress inboundLocal = new InetSocketAddress("127.0.0.3", 8080);
        // A Socket connect: NioSocketImpl.endConnect reads the local address (Net.localAddress), keeps the port.
        FileDescriptor out = new FileDescriptor();
        registry.onConnectStart(out, SERVER);
        registry.onLocalAddressRead(out, outboundLocal);
        registry.onConnectEnd(out, true, null, null, 40001);
        // An accept from a wildcard listener: the JDK reads the accepted socket's local address before returning.
        kernel.local = new InetSocketAddress("0.0.0.0", 8080);
        FileDescriptor listener = new FileDescriptor();
        FileDescriptor in = new FileDescriptor();
        registry.onLocalAddressRead(in, inboundLocal);
        registry.onAccepted(listener, in, CLIENT);
        assertEquals(1, kernel.localAddressReads, "only the wildcard listener's own address was asked");
        // A read of another socket's address is not this connect's: the kernel is asked.
        kernel.local = CLIENT;
        FileDescriptor other = new FileDescriptor();
        registry.onConnectStart(other, SERVER);
        registry.onLocalAddressRead(new FileDescriptor(), outboundLocal);
        registry.onConnectEnd(other, true, null, null, 40000);
        assertEquals(2, kernel.localAddressReads);
        registry.onClose(out);
        registry.onClose(in);
        registry.onClose(other);
        assertEquals(outboundLocal, finished.get(0).localAddress());
        assertEquals(inboundLocal, finished.get(1).localAddress());
        assertEquals(CLIENT, finished.get(2).localAddress());
    }

    @Test
    void acceptedSocketsInheritTheListenersKeepAliveOptions() {
        FileDescriptor listener = new FileDescriptor();
        registry.onOption(listener, jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, 30);
        FileDescriptor accepted = new FileDescriptor();
        registry.onAccepted(listener, accepted, CLIENT);
        kernel.keepAlive = new KeepAliveSettings(false, 7200, 75, 9, KeepAliveSettings.Source.OS_DEFAULT);
        registry.onClose(accepted);
        ConnectionRecord r = finished.get(0);
        assertEquals(Direction.INBOUND, r.direction());
        assertEquals(CLIENT, r.remoteAddress());
        assertEquals(KeepAliveSettings.Source.APP, r.keepAlive().source, "inherited from the listener");
        registry.onClose(listener);
        assertEquals(1, finished.size(), "a listener is not a connection");
        assertEquals(0, registry.trackedSockets());
    }

    @Test
    void anAsynchronousAcceptIsCreditedToTheThreadThatAskedForIt() throws Exception {
        FileDescriptor listener = new FileDescriptor();
        registry.onAcceptRequested(listener);
        Thread group = new Thread(() -> registry.onAccepted(listener, new FileDescriptor(), CLIENT), "group-thread");
        group.start();
        group.join();
        assertEquals(Thread.currentThread().getName(), registry.openConnections(false).get(0).thread());
        registry.onAccepted(listener, new FileDescriptor(), CLIENT);
        Thread other = new Thread(() -> registry.onAccepted(listener, new FileDescriptor(), CLIENT), "plain-accept");
        other.start();
        other.join();
        assertTrue(registry.openConnections(false).stream().anyMatch(r -> r.thread().equals("plain-accept")),
                "the request is used once; a later accept without one keeps its own thread");
    }

    @Test
    void theLegacySetKeepAlivePathCountsAsSetByTheApplication() {
        FileDescriptor fd = new FileDescriptor();
        registry.onLegacyOption(fd, 0x0008, Boolean.TRUE);
        registry.onConnectStart(fd, SERVER);
        registry.onConnectEnd(fd, true, null);
        kernel.keepAlive = new KeepAliveSettings(true, 7200, 75, 9, KeepAliveSettings.Source.OS_DEFAULT);
        registry.onClose(fd);
        assertEquals("on idle=7200s intvl=75s cnt=9 (app)", finished.get(0).keepAlive().describe());
    }

    @Test
    void aCloseAsksTheKernelForOptionsOnlyWhenSomebodySetOne() {
        FileDescriptor plain = connected();
        registry.onClose(plain);
        assertEquals(0, kernel.keepAliveReads, "nothing set: the kernel's defaults, not five system calls");
        assertEquals(List.of(false), kernel.lingerReads);
        assertEquals("off idle=7200s intvl=75s cnt=9 (os_default)", finished.get(0).keepAlive().describe());

        FileDescriptor lingering = new FileDescriptor();
        registry.onLegacyOption(lingering, 0x0080, 0);
        registry.onConnectStart(lingering, SERVER);
        registry.onConnectEnd(lingering, true, null);
        registry.onClose(lingering);
        assertEquals(0, kernel.keepAliveReads);
        assertEquals(List.of(false, false), kernel.lingerReads, "Socket.setSoLinger: the value set, not read back");
        assertEquals(CloseInitiator.LOCAL_RESET, finished.get(1).closeInitiator(), "SO_LINGER 0");

        FileDescriptor idle = new FileDescriptor();
        registry.onOption(idle, jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, 30);
        registry.onConnectStart(idle, SERVER);
        registry.onConnectEnd(idle, true, null);
        kernel.keepAlive = new KeepAliveSettings(false, 30, 75, 9, KeepAliveSettings.Source.OS_DEFAULT);
        registry.onClose(idle);
        assertEquals(1, kernel.keepAliveReads, "TCP_KEEPIDLE set: read");
        assertEquals("off idle=30s intvl=75s cnt=9 (app)", finished.get(2).keepAlive().describe());

        registry.osKeepAliveDefaults(new KeepAliveSettings(false, 600, 10, 3, KeepAliveSettings.Source.OS_DEFAULT));
        registry.onClose(connected());
        assertEquals(1, kernel.keepAliveReads);
        assertEquals("off idle=600s intvl=10s cnt=3 (os_default)", finished.get(3).keepAlive().describe(),
                "the kernel's defaults as they are now (a sysctl changed)");

        registry.readOptionsAlways(true);
        registry.onClose(connected());
        assertEquals(2, kernel.keepAliveReads, "connscope.options.read=always");
        assertEquals(true, kernel.lingerReads.get(kernel.lingerReads.size() - 1));
    }

    @Test
    void aCloseAfterThePeersFinWasReadDoesNotLookAtTheSocket() {
        FileDescriptor read = connected();
        registry.onRead(read, 0L, 0, -1, null);
        kernel.probe = new CloseInitiator.CloseProbe(CloseInitiator.POLLIN, 5, -1);
        registry.onClose(read);
        assertEquals(List.of(), kernel.lingerReads, "the end-of-stream already told: no poll at close");
        assertEquals(CloseInitiator.REMOTE, finished.get(0).closeInitiator());
        assertEquals("peer FIN read as end-of-stream", finished.get(0).closeDetail());

        registry.onClose(connected());
        assertEquals(List.of(false), kernel.lingerReads, "nothing read to the end: the socket is looked at");
        assertEquals(CloseInitiator.LOCAL_RESET, finished.get(1).closeInitiator(), "5 unread bytes, so a reset");
    }

    @Test
    void aConnectionAcceptedAfterAnAttachHasItsOptionsRead() {
        registry.adoptPreexistingConnections();
        FileDescriptor accepted = new FileDescriptor();
        registry.onAccepted(new FileDescriptor(), accepted, CLIENT);
        registry.onClose(accepted);
        assertEquals(1, kernel.keepAliveReads, "its listener may have been given options before the attach");
        assertEquals(List.of(true), kernel.lingerReads);
    }

    @Test
    void otherOptionsDoNotCount() {
        FileDescriptor fd = new FileDescriptor();
        registry.onOption(fd, StandardSocketOptions.TCP_NODELAY, true);
        registry.onLegacyOption(fd, 0x1006, 1000);
        assertEquals(0, registry.trackedSockets(), "no entry for options that are not keep-alive");
    }

    @Test
    void halfCloseBeforeThePeersFinIsLocal() {
        FileDescriptor fd = connected();
        registry.onShutdownOutput(fd);
        registry.onShutdownOutputDone(fd);
        registry.onRead(fd, 0L, 0, -1, null);
        registry.onClose(fd);
        assertEquals(CloseInitiator.LOCAL, finished.get(0).closeInitiator());
        assertEquals("shutdownOutput sent FIN first", finished.get(0).closeDetail());
        assertFalse(finished.get(0).closeInitiatorForKernel());
    }

    @Test
    void aPeerFinFirstSeenRightAfterTheShutdownIsLeftForTheKernel() {
        FileDescriptor fd = connected();
        registry.onShutdownOutput(fd);
        kernel.finPending = true; // in between the look before the FIN went and the look after
        registry.onShutdownOutputDone(fd);
        registry.onRead(fd, 0L, 0, -1, null);
        registry.onClose(fd);
        ConnectionRecord r = finished.get(0);
        assertEquals(CloseInitiator.LOCAL, r.closeInitiator(), "this side's guess until the reporter asks the kernel");
        assertTrue(r.closeInitiatorForKernel(), r.closeDetail());
    }

    /** A non-blocking channel a selector holds: the JDK's close sends its FIN by a shutdown; the look is after. */
    @Test
    void aSelectorHeldChannelsCloseIsLookedAtOnceItsShutdownWent() {
        FileDescriptor quiet = connected();
        kernel.probe = new CloseInitiator.CloseProbe(CloseInitiator.POLLIN | CloseInitiator.POLLRDHUP, 0, -1);
        registry.onShuttingClose(quiet);
        assertTrue(finished.isEmpty(), "held until the FIN went");
        assertEquals(1, registry.trackedSockets());
        kernel.probe = new CloseInitiator.CloseProbe(0, -1, -1);
        registry.onShutClose(quiet, -1, true);
        assertEquals(1, finished.size());
        assertEquals(CloseInitiator.LOCAL, finished.get(0).closeInitiator());
        assertEquals("closed by application", finished.get(0).closeDetail(), "looked at after, not before");
        assertNull(finished.get(0).historyIfAny(), "a close with nothing before it to tell makes no history");
        assertEquals(0, registry.trackedSockets());

        FileDescriptor met = connected();
        registry.onShuttingClose(met);
        kernel.probe = new CloseInitiator.CloseProbe(CloseInitiator.POLLIN | CloseInitiator.POLLRDHUP, 0, -1);
        registry.onShutClose(met, -1, true);
        ConnectionRecord r = finished.get(1);
        assertTrue(r.closeInitiatorForKernel(), r.closeDetail());
        r.settleCloseInitiator(false, true);
        assertEquals(CloseInitiator.REMOTE, r.closeInitiator(), "the peer's FIN first, by the kernel's rows");

        FileDescriptor eof = connected();
        registry.onRead(eof, 0L, 0, -1, null);
        registry.onShuttingClose(eof);
        assertEquals(3, finished.size(), "the peer's FIN read before: nothing to wait for");
        assertEquals(CloseInitiator.REMOTE, finished.get(2).closeInitiator());
        registry.onShutClose(eof, -1, true);
        assertEquals(3, finished.size());

        FileDescriptor gone = connected();
        registry.onShuttingClose(gone);
        registry.onShutClose(gone, -1, false);
        assertEquals(CloseInitiator.LOCAL, finished.get(3).closeInitiator());
        assertTrue(finished.get(3).closeDetail().contains("before connscope looked"), finished.get(3).closeDetail());
        assertEquals(0, registry.trackedSockets());
    }

    /** SO_LINGER as the application set it is known at close: no system call to read it back. */
    @Test
    void lingerTheApplicationSetIsNotAskedAgainAtClose() {
        FileDescriptor off = connected();
        registry.onOption(off, StandardSocketOptions.SO_LINGER, -1);
        registry.onClose(off);
        assertEquals(List.of(false), kernel.lingerReads);
        assertEquals(CloseInitiator.LOCAL, finished.get(0).closeInitiator());

        FileDescriptor zero = connected();
        registry.onLegacyOption(zero, ConnectionRegistry.LEGACY_SO_LINGER, 0);
        registry.onClose(zero);
        assertEquals(List.of(false, false), kernel.lingerReads);
        assertEquals(CloseInitiator.LOCAL_RESET, finished.get(1).closeInitiator(), finished.get(1).closeDetail());

        // Linux copies a listener's SO_LINGER into the sockets it accepts.
        FileDescriptor listener = new FileDescriptor();
        registry.onOption(listener, StandardSocketOptions.SO_LINGER, 0);
        FileDescriptor accepted = new FileDescriptor();
        registry.onAccepted(listener, accepted, CLIENT);
        registry.onClose(accepted);
        assertEquals(List.of(false, false, false), kernel.lingerReads);
        assertEquals(CloseInitiator.LOCAL_RESET, finished.get(2).closeInitiator(), finished.get(2).closeDetail());
        assertEquals(-1, ConnectionRecord.lingerSeconds(Boolean.FALSE));
        assertEquals(65535, ConnectionRecord.lingerSeconds(100_000));
        assertEquals(ConnectionRecord.LINGER_UNKNOWN, ConnectionRecord.lingerSeconds(null));
    }

    @Test
    void aPeerFinReadBeforeTheShutdownIsNotAMeeting() {
        // HttpCore 4 closes with shutdownOutput after it read the server's end-of-stream: the FIN stays in poll's
        // answer, but it was read before the shutdown, and so was first.
        FileDescriptor fd = connected();
        registry.onRead(fd, 0L, 0, -1, null);
        kernel.finPending = true;
        registry.onShutdownOutput(fd);
        registry.onShutdownOutputDone(fd);
        registry.onClose(fd);
        ConnectionRecord r = finished.get(0);
        assertEquals(CloseInitiator.REMOTE, r.closeInitiator(), r.closeDetail());
        assertFalse(r.closeInitiatorForKernel());
    }

    @Test
    void aMeetingTheKernelSettlesForThePeerGivesTheReasonOfAPeerThatClosedFirst() {
        for (boolean thisSideFirst : new boolean[] {true, false}) {
            finished.clear();
            kernel.finPending = false;
            Memory m = new Memory();
            ConnectionRegistry http = withMemory(m);
            FileDescriptor fd = connected(http);
            String req = "GET /idle HTTP/1.1\r\nHost: x\r\n\r\n";
            String res = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
            http.onWrite(fd, m.put(req), 0, req.length(), null);
            http.onRead(fd, m.put(res), 0, res.length(), null);
            http.onShutdownOutput(fd);
            kernel.finPending = true;
            http.onShutdownOutputDone(fd);
            http.onClose(fd);
            ConnectionRecord r = finished.get(0);
            assertEquals("application_close", r.closeReason(), "the guess: this side closed an idle connection");
            r.settleCloseInitiator(thisSideFirst, !thisSideFirst);
            assertEquals(thisSideFirst ? CloseInitiator.LOCAL : CloseInitiator.REMOTE, r.closeInitiator());
            assertEquals(thisSideFirst ? "application_close" : "stale", r.closeReason(),
                    "a client whose server closed the idle connection first");
        }
    }

    @Test
    void aPeerFinPendingBeforeTheShutdownNeedsNoKernel() {
        FileDescriptor fd = connected();
        kernel.finPending = true;
        registry.onShutdownOutput(fd);
        registry.onShutdownOutputDone(fd);
        registry.onClose(fd);
        ConnectionRecord r = finished.get(0);
        assertEquals(CloseInitiator.REMOTE, r.closeInitiator());
        assertFalse(r.closeInitiatorForKernel());
    }

    @Test
    void theAgentsOwnThreadsAreNeverTraced() throws Exception {
        Thread own = new AgentThread(() -> {
            FileDescriptor fd = connected(registry);
            registry.onAccepted(null, new FileDescriptor(), CLIENT);
        }, "connscope-test");
        own.start();
        own.join();
        assertEquals(0, registry.trackedSockets());
    }

    @Test
    void threadsStartedFromTheAgentsThreadsAreNotTracedButTheApplicationsAre() throws Exception {
        // As the OpenTelemetry SDK and OkHttp start their workers: a plain Thread, created on an agent thread.
        Thread own = new AgentThread(() -> {
            Thread worker = new Thread(() -> registry.onAccepted(null, new FileDescriptor(), CLIENT), "sdk-worker");
            worker.start();
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "connscope-test");
        own.start();
        own.join();
        assertEquals(0, registry.trackedSockets());
        Thread app = new Thread(() -> registry.onAccepted(null, new FileDescriptor(), CLIENT), "app");
        app.start();
        app.join();
        assertEquals(1, registry.trackedSockets());
    }

    @Test
    void socketsBeyondCapacityAreCountedNotTraced() {
        ConnectionRegistry small = new ConnectionRegistry(16, kernel, OS, finished::add);
        List<FileDescriptor> fds = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            FileDescriptor fd = new FileDescriptor();
            fds.add(fd);
            small.onConnectStart(fd, SERVER);
            small.onConnectEnd(fd, true, null);
        }
        assertEquals(16, small.trackedSockets());
        assertEquals(4, small.untracked());
        fds.forEach(small::onClose);
        assertEquals(16, finished.size());
    }

    @Test
    void aSocketCollectedWithoutCloseIsReportedOnceAsUnknown() throws InterruptedException {
        connectedAndDropped();
        int reaped = 0;
        for (int i = 0; i < 50 && reaped == 0; i++) {
            System.gc();
            Thread.sleep(20);
            reaped = registry.expungeCollected();
        }
        assertEquals(1, reaped);
        assertEquals(1, finished.size());
        assertEquals(CloseInitiator.UNKNOWN, finished.get(0).closeInitiator());
        assertEquals("socket garbage-collected without close", finished.get(0).closeDetail());
        assertEquals(0, registry.trackedSockets());
    }

    private void connectedAndDropped() {
        FileDescriptor fd = connected(registry);
    }

    @Test
    void readsAndWritesDoNotAllocate() {
        FileDescriptor fd = connected();
        FileDescriptor untracked = new FileDescriptor();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 50_000; i++) {
            registry.onRead(fd, 0L, 0, 10, null);
            registry.onWrite(fd, 0L, 0, 10, null);
            registry.onRead(untracked, 0L, 0, 10, null);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000_000; i++) {
            registry.onRead(fd, 0L, 0, 10, null);
            registry.onWrite(fd, 0L, 0, 10, null);
            registry.onRead(untracked, 0L, 0, 10, null);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 10_000, "3 million hot-path events allocated " + allocated + " bytes");
        assertEquals(10L * 1_050_000, registry.openConnections(false).get(0).bytesSent());
    }

    /** A fake address space: bytes written at increasing addresses, as the kernel's buffers would hold them. */
    static final class Memory {
        final byte[] bytes = new byte[1 << 16];
        int top = 16;

        long put(String text) {
            byte[] b = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            long at = top;
            System.arraycopy(b, 0, bytes, top, b.length);
            top += b.length;
            return at;
        }

        /** An iovec array of (base, len) pairs, little-endian 64-bit, as readv/writev take. */
        long iovecs(long... baseAndLength) {
            long at = top;
            for (long v : baseAndLength) {
                for (int i = 0; i < 8; i++) {
                    bytes[top++] = (byte) (v >>> (8 * i));
                }
            }
            return at;
        }
    }

    @Test
    void httpRequestsAreCountedFromTheBytesOfReadsAndWrites() {
        Memory m = new Memory();
        ConnectionRegistry http = withMemory(m);
        FileDescriptor fd = connected(http);
        String req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        String res = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
        for (int i = 0; i < 3; i++) {
            http.onWrite(fd, m.put(req), 0, req.length(), null);
            http.onRead(fd, m.put(res), 0, res.length(), null);
        }
        // A gathering write (writev) whose first iovec holds the request line, then a scattering read (readv).
        long head = m.put("GET /gathered HTTP/1.1\r\n");
        long rest = m.put("Connection: close\r\n\r\n");
        http.onWrite(fd, m.iovecs(head, 24, rest, 21), 2, 45, null);
        long r1 = m.put("HTTP/1.1 200 OK\r\n");
        long r2 = m.put("Connection: close\r\n\r\n");
        http.onRead(fd, m.iovecs(r1, 17, r2, 100), 2, 17 + 21, null);
        http.onRead(fd, 0, 0, -1, null);
        http.onClose(fd);
        ConnectionRecord r = finished.get(0);
        assertEquals(4, r.requests());
        assertEquals("connection_close_by_client", r.closeReason());
        assertEquals(0, r.tlsHandshakes());
    }

    @Test
    void aFinishedConnectionAnswersItsCountsWithoutItsTrackers() {
        Memory m = new Memory();
        ConnectionRegistry http = withMemory(m);
        FileDescriptor fd = connected(http);
        String req = "GET / HTTP/1.1\r\nHost: x\r\ntraceparent: 00-not-a-trace-context\r\n\r\n";
        String res = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
        for (int i = 0; i < 2; i++) {
            http.onWrite(fd, m.put(req), 0, req.length(), null);
            http.onRead(fd, m.put(res), 0, res.length(), null);
        }
        ConnectionRecord open = http.openConnections(false).get(0);
        assertEquals(2, open.requests());
        http.onClose(fd);
        ConnectionRecord r = finished.get(0);
        assertEquals(2, r.requests());
        assertEquals(2, r.traceContextMalformed());
        // The reporter reads a finished record's counts after its tracker has left the cache: they are the record's.
        r.http = null;
        assertEquals(2, r.requests());
        assertEquals(2, r.traceContextMalformed());
    }

    @Test
    void tlsAndOtherProtocolsAreClassifiedByTheirFirstBytes() {
        Memory m = new Memory();
        ConnectionRegistry registry2 = withMemory(m);
        FileDescriptor tls = connected(registry2);
        long hello = m.put("\u0016\u0003\u0001\u0000\u00c8\u0001rest-of-client-hello");
        registry2.onWrite(tls, hello, 0, 26, null);
        registry2.onClose(tls);
        FileDescriptor serverFirst = connected(registry2);
        registry2.onRead(serverFirst, m.put("220 smtp ready\r\n"), 0, 16, null);
        registry2.onWrite(serverFirst, m.put("GET / HTTP/1.1\r\n\r\n"), 0, 18, null);
        registry2.onClose(serverFirst);
        assertNull(finished.get(0).requests(), "TLS hides its requests from the socket layer");
        assertEquals(1, finished.get(0).tlsHandshakes());
        assertEquals(0, finished.get(1).requests(), "a server that speaks first is not HTTP");
        assertNull(finished.get(1).closeReason());
    }

    @Test
    void httpInsideAJdkSslSocketIsCountedFromItsPlaintext() {
        Memory m = new Memory();
        ConnectionRegistry tlsRegistry = withMemory(m);
        FileDescriptor fd = connected(tlsRegistry);
        tlsRegistry.onWrite(fd, m.put("\u0016\u0003\u0001\u0000\u00c8\u0001hello"), 0, 11, null);
        // The scripted kernel maps a "TLS socket" that is the descriptor itself to that descriptor.
        byte[] req = "xxGET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] res = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        tlsRegistry.onTlsWrite(fd, req, 2, req.length - 2);
        tlsRegistry.onTlsRead(fd, res, 0, res.length);
        tlsRegistry.onTlsWrite(fd, req, 2, req.length - 2);
        tlsRegistry.onTlsRead(fd, res, 0, res.length);
        tlsRegistry.onRead(fd, 0, 0, -1, null);
        tlsRegistry.onClose(fd);
        ConnectionRecord r = finished.get(0);
        assertEquals(1, r.tlsHandshakes());
        assertEquals(2, r.requests());
        assertEquals("connection_close_by_server", r.closeReason());
    }

    @Test
    void anSslEngineFindsItsConnectionByTheClientHelloAndItsPlaintextIsCounted() {
        Memory m = new Memory();
        ConnectionRegistry tls = withMemory(m);
        FileDescriptor fd = connected(tls);
        byte[] hello = io.connscope.agent.core.tls.TlsRendezvousTest.clientHello(42);
        Object engine = new Object();
        // The client's engine wraps the ClientHello before the socket sends it.
        java.nio.ByteBuffer[] plainIn = {java.nio.ByteBuffer.allocate(0)};
        java.nio.ByteBuffer[] netOut = {java.nio.ByteBuffer.allocate(256)};
        tls.onEngineEnter(engine, true, plainIn, 0, 1, netOut, 0, 1);
        netOut[0].put(hello);
        tls.onEngineExit(engine, true, plainIn, 0, 1, netOut, 0, 1);
        long at = m.top;
        System.arraycopy(hello, 0, m.bytes, m.top, hello.length);
        m.top += hello.length;
        tls.onWrite(fd, at, 0, hello.length, null);
        // Then plaintext HTTP through the engine: a request wrapped, a response unwrapped.
        byte[] req = "GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] res = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        for (int i = 0; i < 2; i++) {
            java.nio.ByteBuffer[] src = {java.nio.ByteBuffer.wrap(req)};
            java.nio.ByteBuffer[] dst = {java.nio.ByteBuffer.allocate(256)};
            tls.onEngineEnter(engine, true, src, 0, 1, dst, 0, 1);
            src[0].position(req.length);
            tls.onEngineExit(engine, true, src, 0, 1, dst, 0, 1);
            java.nio.ByteBuffer[] net = {java.nio.ByteBuffer.allocate(256)};
            java.nio.ByteBuffer[] plain = {java.nio.ByteBuffer.allocate(256)};
            tls.onEngineEnter(engine, false, net, 0, 1, plain, 0, 1);
            plain[0].put(res);
            tls.onEngineExit(engine, false, net, 0, 1, plain, 0, 1);
        }
        tls.onClose(fd);
        assertEquals(2, finished.get(0).requests());
        assertEquals(1, finished.get(0).tlsHandshakes());
    }

    @Test
    void anOutboundTlsConnectionKnowsWhenItsClientHelloAndItsLastHandshakeFlightWentOut() {
        Memory m = new Memory();
        ConnectionRegistry tls = withMemory(m);
        FileDescriptor fd = connected(tls);
        byte[] hello = io.connscope.agent.core.tls.TlsRendezvousTest.clientHello(7);
        // ChangeCipherSpec, then an encrypted record: TLS 1.3's Finished as the JDK sends it.
        byte[] finished = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x17, 0x03, 0x03, 0x00, 0x01, 0x00};
        byte[] data = {0x17, 0x03, 0x03, 0x00, 0x01, 0x00};
        long[] before = writeEach(tls, fd, m, hello, hello, finished, data);
        ConnectionRecord r = tls.openConnections(false).get(0);
        assertTrue(r.tlsHelloNanos() >= before[0] && r.tlsHelloNanos() < before[1], "the first ClientHello");
        assertTrue(r.tlsHandshakeEndNanos() >= before[2] && r.tlsHandshakeEndNanos() < before[3],
                "the write after it that is no ClientHello again (one after a HelloRetryRequest is)");
        tls.onClose(fd);
    }

    /**
     * Another thread read the server's first flight before the ClientHello's write was reported (a busy machine):
     * the handshake's start is still the ClientHello, its end the client's Finished, and the ServerHello says
     * whether it resumed (it was read once, before anything was waiting for it).
     */
    @Test
    void aServerHelloReadBeforeTheClientHellosWriteIsReportedStillTellsResumptionAndTimes() {
        Memory m = new Memory();
        ConnectionRegistry tls = withMemory(m);
        FileDescriptor fd = connected(tls);
        byte[] serverFlight = io.connscope.agent.core.tls.ServerHelloScanTest.tls13ResumedFlight();
        long flightAt = m.top;
        System.arraycopy(serverFlight, 0, m.bytes, m.top, serverFlight.length);
        m.top += serverFlight.length;
        tls.onRead(fd, flightAt, 0, serverFlight.length, null);
        byte[] hello = io.connscope.agent.core.tls.TlsRendezvousTest.clientHello(7);
        byte[] finished = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x17, 0x03, 0x03, 0x00, 0x01, 0x00};
        byte[] data = {0x17, 0x03, 0x03, 0x00, 0x01, 0x00};
        long[] before = writeEach(tls, fd, m, hello, finished, data);
        ConnectionRecord r = tls.openConnections(false).get(0);
        assertEquals(Boolean.TRUE, r.tlsResumed(), "the ServerHello accepted a pre-shared key");
        assertTrue(r.tlsHelloNanos() >= before[0] && r.tlsHelloNanos() < before[1], "the ClientHello");
        assertTrue(r.tlsHandshakeEndNanos() >= before[1] && r.tlsHandshakeEndNanos() < before[2], "the Finished");
        tls.onClose(fd);
    }

    /** Writes each in turn through {@code registry}; returns nanoTime just before each write. */
    private static long[] writeEach(ConnectionRegistry registry, FileDescriptor fd, Memory m, byte[]... writes) {
        long[] before = new long[writes.length];
        for (int i = 0; i < writes.length; i++) {
            long address = m.top;
            System.arraycopy(writes[i], 0, m.bytes, m.top, writes[i].length);
            m.top += writes[i].length;
            before[i] = System.nanoTime();
            registry.onWrite(fd, address, 0, writes[i].length, null);
        }
        return before;
    }

    @Test
    void aServerThatReadsTheClientHellosHeaderFirstStillFindsItsEngine() {
        Memory m = new Memory();
        ConnectionRegistry tls = withMemory(m);
        FileDescriptor fd = new FileDescriptor();
        tls.onAccepted(null, fd, CLIENT);
        byte[] hello = io.connscope.agent.core.tls.TlsRendezvousTest.clientHello(9);
        long at = m.top;
        System.arraycopy(hello, 0, m.bytes, m.top, hello.length);
        m.top += hello.length;
        tls.onRead(fd, at, 0, 5, null);                       // the record header alone
        tls.onRead(fd, at + 5, 0, hello.length - 5, null);    // then the ClientHello itself
        Object engine = new Object();
        java.nio.ByteBuffer[] net = {java.nio.ByteBuffer.wrap(hello)};
        java.nio.ByteBuffer[] plain = {java.nio.ByteBuffer.allocate(256)};
        tls.onEngineEnter(engine, false, net, 0, 1, plain, 0, 1);
        net[0].position(hello.length);
        tls.onEngineExit(engine, false, net, 0, 1, plain, 0, 1);
        byte[] req = "GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        java.nio.ByteBuffer[] net2 = {java.nio.ByteBuffer.allocate(16)};
        java.nio.ByteBuffer[] plain2 = {java.nio.ByteBuffer.allocate(256)};
        tls.onEngineEnter(engine, false, net2, 0, 1, plain2, 0, 1);
        plain2[0].put(req);
        tls.onEngineExit(engine, false, net2, 0, 1, plain2, 0, 1);
        tls.onClose(fd);
        assertEquals(1, finished.get(0).requests(), "the engine's plaintext reached the connection it belongs to");
        assertEquals(1, finished.get(0).tlsHandshakes());
    }

    /**
     * Found by fuzzing (ClientHelloKeyFuzzTestInputs/hello/regression-message-read-in-pieces-after-its-header): only
     * the read right after a record header read alone starts the message; a later one starts inside it, and bytes
     * there that look like a message must not tie the connection to an engine.
     */
    @Test
    void onlyTheReadRightAfterTheRecordHeaderIsTakenForTheClientHelloMessage() {
        Memory m = new Memory();
        ConnectionRegistry tls = withMemory(m);
        FileDescriptor fd = new FileDescriptor();
        tls.onAccepted(null, fd, CLIENT);
        byte[] hello = io.connscope.agent.core.tls.TlsRendezvousTest.clientHello(9);
        byte[] other = io.connscope.agent.core.tls.TlsRendezvousTest.clientHello(10);
        long at = m.top;
        System.arraycopy(hello, 0, m.bytes, m.top, 25);
        m.top += 25;
        long forged = m.top;
        System.arraycopy(other, 5, m.bytes, m.top, other.length - 5);
        m.top += other.length - 5;
        tls.onRead(fd, at, 0, 5, null);                          // the record header alone
        tls.onRead(fd, at + 5, 0, 20, null);                     // the message, too short for its random
        tls.onRead(fd, forged, 0, other.length - 5, null);       // inside the message: looks like another one
        Object engine = new Object();
        java.nio.ByteBuffer[] net = {java.nio.ByteBuffer.wrap(other)};
        java.nio.ByteBuffer[] plain = {java.nio.ByteBuffer.allocate(256)};
        tls.onEngineEnter(engine, false, net, 0, 1, plain, 0, 1);
        net[0].position(other.length);
        tls.onEngineExit(engine, false, net, 0, 1, plain, 0, 1);
        byte[] req = "GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        java.nio.ByteBuffer[] net2 = {java.nio.ByteBuffer.allocate(16)};
        java.nio.ByteBuffer[] plain2 = {java.nio.ByteBuffer.allocate(256)};
        tls.onEngineEnter(engine, false, net2, 0, 1, plain2, 0, 1);
        plain2[0].put(req);
        tls.onEngineExit(engine, false, net2, 0, 1, plain2, 0, 1);
        tls.onClose(fd);
        assertNull(finished.get(0).requests(), "the other engine's plaintext did not reach this connection");
    }

    @Test
    void withBothEndsInOneJvmTheClientsEngineMeetsTheClientsConnection() {
        Memory m = new Memory();
        ConnectionRegistry tls = withMemory(m);
        byte[] hello = io.connscope.agent.core.tls.TlsRendezvousTest.clientHello(11);
        Object clientEngine = new Object();
        java.nio.ByteBuffer[] none = {java.nio.ByteBuffer.allocate(0)};
        java.nio.ByteBuffer[] netOut = {java.nio.ByteBuffer.allocate(256)};
        tls.onEngineEnter(clientEngine, true, none, 0, 1, netOut, 0, 1);
        netOut[0].put(hello);
        tls.onEngineExit(clientEngine, true, none, 0, 1, netOut, 0, 1);
        long at = m.top;
        System.arraycopy(hello, 0, m.bytes, m.top, hello.length);
        m.top += hello.length;
        // The server's side reads the ClientHello before the client's write is reported.
        FileDescriptor server = new FileDescriptor();
        tls.onAccepted(null, server, CLIENT);
        tls.onRead(server, at, 0, hello.length, null);
        FileDescriptor client = connected(tls);
        tls.onWrite(client, at, 0, hello.length, null);
        byte[] req = "GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        java.nio.ByteBuffer[] src = {java.nio.ByteBuffer.wrap(req)};
        java.nio.ByteBuffer[] dst = {java.nio.ByteBuffer.allocate(256)};
        tls.onEngineEnter(clientEngine, true, src, 0, 1, dst, 0, 1);
        src[0].position(req.length);
        tls.onEngineExit(clientEngine, true, src, 0, 1, dst, 0, 1);
        tls.onClose(client);
        tls.onClose(server);
        assertEquals(Direction.OUTBOUND, finished.get(0).direction());
        assertEquals(1, finished.get(0).requests(), "the client's plaintext counted on the client's connection");
        assertNull(finished.get(1).requests(), "nothing of the client's engine on the server's connection");
    }

    @Test
    void tlsBindingsOfCollectedSocketsAndEnginesAreExpunged() throws InterruptedException {
        Memory m = new Memory();
        ConnectionRegistry tls = withMemory(m);
        FileDescriptor fd = connected(tls);
        tls.onWrite(fd, m.put("\u0016\u0003\u0001\u0000\u00c8\u0001hello"), 0, 11, null);
        bindThrowawayTlsSocket(tls, fd);
        assertEquals(1, tls.tlsBindings());
        for (int i = 0; i < 50 && tls.tlsBindings() > 0; i++) {
            System.gc();
            Thread.sleep(20);
            tls.expungeCollected();
        }
        assertEquals(0, tls.tlsBindings(), "a TLS socket the application dropped leaves no binding behind");
    }

    /** Binds a TLS socket object that nothing keeps (the scripted kernel maps it to {@code fd}). */
    private void bindThrowawayTlsSocket(ConnectionRegistry tls, FileDescriptor fd) {
        kernel.tlsSocketTarget = fd;
        byte[] req = "EHLO x\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        tls.onTlsWrite(new Object(), req, 0, req.length);
    }

    @Test
    void tlsPlaintextThatIsNotHttpLeavesRequestsAtZero() {
        Memory m = new Memory();
        ConnectionRegistry tlsRegistry = withMemory(m);
        FileDescriptor fd = connected(tlsRegistry);
        tlsRegistry.onWrite(fd, m.put("\u0016\u0003\u0001\u0000\u00c8\u0001hello"), 0, 11, null);
        byte[] smtp = "EHLO x\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        tlsRegistry.onTlsWrite(fd, smtp, 0, smtp.length);
        tlsRegistry.onClose(fd);
        assertEquals(0, finished.get(0).requests());
        assertNull(finished.get(0).closeReason());
    }

    @Test
    void aPoolsScopeNamesItsConnectionsAndExplainsItsCloses() {
        Memory m = new Memory();
        ConnectionRegistry pooled = withMemory(m);
        FileDescriptor a = new FileDescriptor();
        FileDescriptor b = new FileDescriptor();
        pooled.onScope("TestPool", null);
        pooled.onConnectStart(a, SERVER);
        pooled.onConnectEnd(a, true, null);
        pooled.onScopeEnd();
        pooled.onConnectStart(b, SERVER);
        pooled.onConnectEnd(b, true, null);
        for (FileDescriptor fd : List.of(a, b)) {
            pooled.onWrite(fd, m.put("GET / HTTP/1.1\r\n\r\n"), 0, 18, null);
            pooled.onRead(fd, m.put("HTTP/1.1 200 OK\r\n\r\n"), 0, 19, null);
        }
        pooled.onPooled(a, null, true);
        assertTrue(pooled.openConnections(false).stream().anyMatch(r -> "TestPool".equals(r.pool()) && r.pooledIdle()));
        pooled.onScope(null, "pool_idle_timeout");
        pooled.onScope(null, null); // a nested scope keeps the outer reason
        pooled.onClose(a);
        pooled.onScopeEnd();
        pooled.onScopeEnd();
        pooled.onClose(b);
        assertEquals("TestPool", finished.get(0).pool());
        assertEquals("pool_idle_timeout", finished.get(0).closeReason());
        assertNull(finished.get(1).pool());
        assertEquals("application_close", finished.get(1).closeReason(), "outside the scope, no pool reason");
    }

    @Test
    void aPoolsReasonIsNeverAnAcceptedConnections() {
        // A client pool's scope on a server's worker thread (a request handler calling out) says nothing of the
        // inbound connections that thread closes.
        FileDescriptor listener = new FileDescriptor();
        FileDescriptor in = new FileDescriptor();
        registry.onAccepted(listener, in, CLIENT);
        registry.onScope(null, "pool_idle_timeout");
        registry.onClose(in);
        registry.onScopeEnd();
        assertEquals(Direction.INBOUND, finished.get(0).direction());
        assertNull(finished.get(0).closeReason(), "no pool's reason on an accepted connection");
    }

    @Test
    void aPoolSweepTellsAnIdleTimeoutFromAFullPoolByHowLongTheConnectionSatIdle() throws InterruptedException {
        Memory m = new Memory();
        ConnectionRegistry pooled = withMemory(m);
        FileDescriptor old = connected(pooled);
        FileDescriptor recent = connected(pooled);
        for (FileDescriptor fd : List.of(old, recent)) {
            pooled.onWrite(fd, m.put("GET / HTTP/1.1\r\n\r\n"), 0, 18, null);
            pooled.onRead(fd, m.put("HTTP/1.1 200 OK\r\n\r\n"), 0, 19, null);
            pooled.onPooled(fd, "SomePool", true);
        }
        Thread.sleep(60);
        pooled.onRead(recent, m.put("x"), 0, 1, null); // recent activity on the second one
        pooled.onSweepScope(50_000_000L);
        pooled.onClose(old);
        pooled.onClose(recent);
        pooled.onScopeEnd();
        assertEquals("SomePool", finished.get(0).pool(), "the pool named an existing connection");
        assertEquals("pool_idle_timeout", finished.get(0).closeReason());
        assertEquals("pool_full", finished.get(1).closeReason());
    }

    @Test
    void aPoolThatAnnouncedItselfNamesItsConnectionsAndSaysWhichLimitClosedOne() {
        Memory m = new Memory();
        ConnectionRegistry pooled = withMemory(m);
        Object pool = new Object();
        pooled.onPoolCreated(pool, "Reactor Netty (p)", new long[] {300, 500});
        List<FileDescriptor> fds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            FileDescriptor fd = connected(pooled);
            pooled.onPooledIn(fd, pool, false);
            pooled.onWrite(fd, m.put("GET / HTTP/1.1\r\n\r\n"), 0, 18, null);
            String response = i == 3 ? "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" : "HTTP/1.1 200 OK\r\n\r\n";
            pooled.onRead(fd, m.put(response), 0, response.length(), null);
            pooled.onPooledIn(fd, pool, true);
            fds.add(fd);
        }
        assertTrue(pooled.openConnections(false).stream().allMatch(r -> "Reactor Netty (p)".equals(r.pool()) && r.pooledIdle()));
        long[][] times = {{300, 400}, {10, 500}, {10, 20}, {400, 400}};
        for (int i = 0; i < 4; i++) {
            kernel.pooledTimes = times[i];
            pooled.onPoolDestroying(pool, fds.get(i));
        }
        kernel.poolShutDown = true;
        pooled.onPoolDestroying(pool, fds.get(4)); // past both limits, but the pool is being disposed
        kernel.poolShutDown = false;
        kernel.pooledTimes = null;
        // The pool's event loop closes them afterwards, on another thread.
        for (FileDescriptor fd : fds) {
            pooled.onClose(fd);
        }
        assertEquals("pool_idle_timeout", finished.get(0).closeReason());
        assertEquals("pool_max_lifetime", finished.get(1).closeReason());
        assertEquals("application_close", finished.get(2).closeReason(), "no limit reached: the pool was disposed");
        assertEquals("connection_close_by_server", finished.get(3).closeReason(), "the HTTP reason comes first");
        assertEquals("application_close", finished.get(4).closeReason(), "a disposed pool closes whatever it holds");
        assertEquals("Reactor Netty (p)", finished.get(0).pool());
    }

    @Test
    void withoutThePoolsClocksTheConnectionsOwnIdleTimeDecides() throws InterruptedException {
        Memory m = new Memory();
        ConnectionRegistry pooled = withMemory(m);
        Object pool = new Object();
        pooled.onPoolCreated(pool, "P", new long[] {40, PoolLimits.NONE});
        FileDescriptor fd = connected(pooled);
        pooled.onWrite(fd, m.put("GET / HTTP/1.1\r\n\r\n"), 0, 18, null);
        pooled.onRead(fd, m.put("HTTP/1.1 200 OK\r\n\r\n"), 0, 19, null);
        pooled.onPooledIn(fd, pool, true);
        Thread.sleep(60);
        pooled.onPoolDestroying(pool, fd);
        pooled.onPoolDestroying(new Object(), fd); // a pool that never announced itself changes nothing
        pooled.onClose(fd);
        assertEquals("pool_idle_timeout", finished.get(0).closeReason());
        assertEquals("P", finished.get(0).pool());
    }

    @Test
    void aNativeSocketIsTracedThroughTheDescriptorMadeForIt() {
        Memory m = new Memory();
        ConnectionRegistry reg = withMemory(m);
        Object socket = new Object();
        reg.onNativeConnectStart(socket, 7, SERVER);
        reg.onNativeConnectEnd(socket, false, null); // in progress
        reg.onNativeConnectEnd(socket, true, null); // finishConnect
        String req = "GET / HTTP/1.1\r\n\r\n";
        reg.onNativeWrite(socket, m.put(req), 0, req.length(), null);
        reg.onNativeRead(socket, m.put("HTTP/1.1 200 OK\r\n\r\n"), 0, 19, null);
        reg.onNativeRead(socket, 0, 0, 5, null); // a ByteBuffer read: counted, not looked at
        reg.onNativeRead(new Object(), m.put("x"), 0, 1, null); // a socket that never connected: nothing
        reg.onNativeClose(socket);
        reg.onNativeClose(socket); // Netty's second close does nothing
        assertEquals(1, finished.size());
        ConnectionRecord r = finished.get(0);
        assertEquals(Direction.OUTBOUND, r.direction());
        assertEquals(1, r.requests());
        assertEquals(req.length(), r.bytesSent());
        assertEquals(24, r.bytesReceived());
        assertEquals(CloseInitiator.LOCAL, r.closeInitiator());
    }

    @Test
    void aNativeAcceptBindsTheSocketNettyMakesForTheDescriptor() {
        Memory m = new Memory();
        ConnectionRegistry reg = withMemory(m);
        reg.onNativeAccepted(9);
        reg.onNativeSocket(new Object(), 8); // another descriptor's socket: not this one
        Object child = new Object();
        reg.onNativeSocket(child, 9);
        String req = "GET / HTTP/1.1\r\n\r\n";
        reg.onNativeRead(child, m.put(req), 0, req.length(), null);
        reg.onNativeWrite(child, m.put("HTTP/1.1 200 OK\r\n\r\n"), 0, 19, null);
        reg.onNativeRead(child, 0, 0, -1, null);
        reg.onNativeClose(child);
        assertEquals(1, finished.size());
        assertEquals(Direction.INBOUND, finished.get(0).direction());
        assertEquals(1, finished.get(0).requests());
        assertEquals(CloseInitiator.REMOTE, finished.get(0).closeInitiator());
    }

    @Test
    void aNativeConnectThatFailsIsAFailedConnect() {
        Object socket = new Object();
        registry.onNativeConnectStart(socket, 7, SERVER);
        registry.onNativeConnectEnd(socket, false, null);
        registry.onNativeConnectEnd(socket, false, new ConnectException("finishConnect(..) failed: Connection refused"));
        registry.onNativeClose(socket);
        assertEquals(1, finished.size());
        assertEquals(ConnectionState.FAILED, finished.get(0).state());
        assertTrue(finished.get(0).error().startsWith("refused"), finished.get(0).error());
    }

    @Test
    void aPooledConnectionCarryingANewRequestIsInUse() {
        Memory m = new Memory();
        ConnectionRegistry pooled = withMemory(m);
        FileDescriptor fd = connected(pooled);
        pooled.onWrite(fd, m.put("GET / HTTP/1.1\r\n\r\n"), 0, 18, null);
        pooled.onRead(fd, m.put("HTTP/1.1 200 OK\r\n\r\n"), 0, 19, null);
        pooled.onPooled(fd, "SomePool", true);
        assertTrue(pooled.openConnections(false).get(0).pooledIdle());
        pooled.onRead(fd, m.put("x"), 0, 1, null);
        assertTrue(pooled.openConnections(false).get(0).pooledIdle(), "a stray byte is no request");
        pooled.onWrite(fd, m.put("GET / HTTP/1.1\r\n\r\n"), 0, 18, null);
        assertTrue(!pooled.openConnections(false).get(0).pooledIdle(), "a new request takes it out of the pool");
    }

    @Test
    void aPoolEntryIsFollowedToItsConnectionOnceUntilThePoolDiscardsIt() {
        Object entry = new Object(); // as httpcore5's PoolEntry: reused by its pool for the next connection
        FileDescriptor first = connected();
        kernel.entries.put(entry, first);
        int before = kernel.ownerWalks;
        for (int i = 0; i < 5; i++) {
            registry.onPooled(entry, "SomePool", false);
            registry.onPooled(entry, "SomePool", true);
        }
        assertEquals(1, kernel.ownerWalks - before, "leases and returns after the first follow no fields");
        assertTrue(registry.openConnections(false).get(0).pooledIdle());

        // An asynchronous pool: the discarded connection closes later, after the entry has its next one.
        registry.onPoolDiscard(entry);
        FileDescriptor second = connected();
        kernel.entries.put(entry, second);
        registry.onPooled(entry, null, false);
        registry.onClose(first);
        List<ConnectionRecord> open = registry.openConnections(false);
        assertEquals(1, open.size());
        assertTrue(finished.get(0).pooledIdle(), "the discarded connection was not handed out again");
        assertFalse(open.get(0).pooledIdle(), "the entry's new connection was handed out");
    }

    @Test
    void anOwnerWhoseConnectionClosedIsFollowedAgain() {
        Object wrapper = new Object();
        FileDescriptor fd = connected();
        kernel.entries.put(wrapper, fd);
        registry.onPooled(wrapper, "SomePool", true);
        registry.onClose(fd);
        int before = kernel.ownerWalks;
        registry.onPooled(wrapper, "SomePool", false);
        assertEquals(1, kernel.ownerWalks - before, "a closed connection is not remembered");
        assertEquals(1, finished.size());
    }

    @Test
    void aPoolDiscardExplainsACloseThatAnotherThreadRunsLater() throws Exception {
        Memory m = new Memory();
        ConnectionRegistry pooled = withMemory(m);
        FileDescriptor idle = connected(pooled);
        FileDescriptor old = connected(pooled);
        FileDescriptor limited = connected(pooled);
        for (FileDescriptor fd : List.of(idle, old, limited)) {
            pooled.onWrite(fd, m.put("GET / HTTP/1.1\r\n\r\n"), 0, 18, null);
            pooled.onRead(fd, m.put("HTTP/1.1 200 OK\r\n\r\n"), 0, 19, null);
        }
        long now = System.currentTimeMillis();
        kernel.entryTimes = new PoolExpiry(now - 1000, now - 500, Long.MAX_VALUE, Long.MAX_VALUE);
        pooled.onScope(null, "pool_idle_timeout"); // an idle eviction, as an async pool's closeIdle
        pooled.onPoolDiscard(idle);
        pooled.onScopeEnd();
        kernel.entryTimes = new PoolExpiry(now - 1000, now - 500, now - 1, now + 60_000); // past its time to live
        pooled.onPoolDiscard(old);
        kernel.entryTimes = new PoolExpiry(now - 1000, now - 500, Long.MAX_VALUE, Long.MAX_VALUE);
        pooled.onPoolLimit("ttl", true); // the scripted kernel reads any limit as 800 ms
        pooled.onPoolDiscard(limited);
        Thread reactor = new Thread(() -> {
            pooled.onClose(idle);
            pooled.onClose(old);
            pooled.onClose(limited);
        });
        reactor.start();
        reactor.join();
        assertEquals("pool_idle_timeout", finished.get(0).closeReason());
        assertEquals("pool_max_lifetime", finished.get(1).closeReason());
        assertEquals("pool_max_lifetime", finished.get(2).closeReason(), "1000 ms old, over the 800 ms looked up");
    }

    @Test
    void poolEntryTimesTellTheTimeToLiveFromTheKeepAlive() {
        long now = 1_000_000;
        PoolExpiry fresh = new PoolExpiry(now - 100, now - 50, now + 1000, now + 500);
        assertNull(fresh.reason(now, -1, -1));
        assertEquals("pool_max_lifetime", fresh.reason(now, 100, -1));
        assertEquals("pool_idle_timeout", fresh.reason(now, -1, 50));
        assertNull(fresh.reason(now, 101, 51));
        assertEquals("pool_max_lifetime", new PoolExpiry(now - 100, now - 50, now, now).reason(now, -1, -1),
                "the keep-alive deadline is capped by the time to live: both passed is the lifetime");
        assertEquals("pool_idle_timeout", new PoolExpiry(now - 100, now - 50, now + 1, now).reason(now, -1, -1));
        assertNull(new PoolExpiry(0, 0, Long.MIN_VALUE, Long.MIN_VALUE).reason(now, 0, 0), "no connection on it");
    }

    @Test
    void anHttpReasonBeatsThePoolsReason() {
        Memory m = new Memory();
        ConnectionRegistry pooled = withMemory(m);
        FileDescriptor fd = connected(pooled);
        pooled.onWrite(fd, m.put("GET / HTTP/1.1\r\n\r\n"), 0, 18, null);
        pooled.onRead(fd, m.put("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"), 0, 38, null);
        pooled.onScope(null, "pool_full");
        pooled.onClose(fd);
        pooled.onScopeEnd();
        assertEquals("connection_close_by_server", finished.get(0).closeReason());
    }

    @Test
    void aRequestSentOnAConnectionThePeerHadClosedMakesItStaleNotAnError() {
        Memory m = new Memory();
        ConnectionRegistry http = withMemory(m);
        FileDescriptor fd = connected(http);
        String req = "GET / HTTP/1.1\r\n\r\n";
        http.onWrite(fd, m.put(req), 0, req.length(), null);
        http.onRead(fd, m.put("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 0, 38, null);
        kernel.finPending = true; // the server closed the idle connection
        sleepAtLeast(ConnectionProtocols.STALE_CHECK_MIN_IDLE_NANOS);
        http.onWrite(fd, m.put(req), 0, req.length(), null);
        http.onRead(fd, 0, 0, -1, null);
        http.onClose(fd);
        assertEquals("stale", finished.get(0).closeReason());
        assertEquals(CloseInitiator.REMOTE, finished.get(0).closeInitiator());
    }

    @Test
    void aConnectionHandedStraightOnIsNotPolledForAStaleFinAndOneThatSatIdleIsOncePerRequest() {
        Memory m = new Memory();
        ConnectionRegistry http = withMemory(m);
        FileDescriptor fd = connected(http);
        String req = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
        String body = "hello";
        String resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        long reqAt = m.put(req);
        long bodyAt = m.put(body);
        long respAt = m.put(resp);
        int requests = 200;
        for (int i = 0; i < requests; i++) {
            http.onWrite(fd, reqAt, 0, req.length(), null);
            http.onWrite(fd, bodyAt, 0, body.length(), null); // the same request's body: no second poll
            http.onRead(fd, respAt, 0, resp.length(), null);
        }
        // Back to back, each request follows its response within microseconds (a descheduled one may not).
        assertTrue(kernel.finPolls < requests / 4, kernel.finPolls + " polls for " + requests + " requests");
        int before = kernel.finPolls;
        for (int i = 0; i < 3; i++) {
            sleepAtLeast(ConnectionProtocols.STALE_CHECK_MIN_IDLE_NANOS);
            http.onWrite(fd, reqAt, 0, req.length(), null);
            http.onWrite(fd, bodyAt, 0, body.length(), null);
            http.onRead(fd, respAt, 0, resp.length(), null);
        }
        assertEquals(3, kernel.finPolls - before);
        assertEquals(requests + 3, http.openConnections(false).get(0).requests());
    }

    private static void sleepAtLeast(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(nanos);
        }
    }

    @Test
    void aServerThatClosesAfterReceivingTheRequestIsAnError() {
        Memory m = new Memory();
        ConnectionRegistry http = withMemory(m);
        FileDescriptor fd = connected(http);
        String req = "GET / HTTP/1.1\r\n\r\n";
        http.onWrite(fd, m.put(req), 0, req.length(), null);
        http.onRead(fd, m.put("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 0, 38, null);
        http.onWrite(fd, m.put(req), 0, req.length(), null);
        http.onRead(fd, 0, 0, -1, null);
        http.onClose(fd);
        assertEquals("error", finished.get(0).closeReason());
    }

    @Test
    void httpReadsAndWritesDoNotAllocate() {
        Memory m = new Memory();
        ConnectionRegistry http = withMemory(m);
        FileDescriptor fd = connected(http);
        String reqText = "GET /some/path HTTP/1.1\r\nHost: example\r\nConnection: keep-alive\r\nAccept: */*\r\n\r\n";
        String resText = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nKeep-Alive: timeout=5\r\n\r\nHello there!";
        long req = m.put(reqText);
        long res = m.put(resText);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) {
            http.onWrite(fd, req, 0, reqText.length(), null);
            http.onRead(fd, res, 0, resText.length(), null);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200_000; i++) {
            http.onWrite(fd, req, 0, reqText.length(), null);
            http.onRead(fd, res, 0, resText.length(), null);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 10_000, "200,000 HTTP exchanges allocated " + allocated + " bytes");
        assertEquals(220_000, http.openConnections(false).get(0).requests());
    }

    private FileDescriptor connected() {
        return connected(registry);
    }

    private static FileDescriptor connected(ConnectionRegistry r) {
        FileDescriptor fd = new FileDescriptor();
        r.onConnectStart(fd, SERVER);
        r.onConnectEnd(fd, true, null);
        return fd;
    }

    /** A registry that reads HTTP bytes from {@code m}. */
    private ConnectionRegistry withMemory(Memory m) {
        return new ConnectionRegistry(100, kernel, OS, finished::add, io.connscope.agent.core.http.ByteSource.of(m.bytes));
    }

    @Test
    void afterAnAttachAConnectionFirstSeenInUseIsAdoptedAsPreexisting() {
        registry.adoptPreexistingConnections();
        FileDescriptor fd = new FileDescriptor();
        registry.onWrite(fd, 0L, 0, 10, null);
        registry.onRead(fd, 0L, 0, 20, null);
        registry.onRead(fd, 0L, 0, -1, null);
        registry.onClose(fd);
        assertEquals(1, finished.size());
        ConnectionRecord r = finished.get(0);
        assertTrue(r.preexisting());
        assertEquals(ConnectionState.CLOSED, r.state());
        assertEquals(SERVER, r.remoteAddress());
        assertEquals(CLIENT, r.localAddress());
        assertEquals(10, r.bytesSent(), "counted from the first event seen");
        assertEquals(20, r.bytesReceived());
        assertEquals(-1, r.connectMillis(), "the connect was never seen");
        assertEquals(CloseInitiator.REMOTE, r.closeInitiator(), "the peer's FIN was read before the close");
    }

    @Test
    void withoutAnAttachUnknownSocketsStayUntraced() {
        FileDescriptor fd = new FileDescriptor();
        registry.onWrite(fd, 0L, 0, 10, null);
        registry.onClose(fd);
        assertEquals(0, finished.size());
    }

    @Test
    void connscopesOwnThreadsAdoptNothing() throws Exception {
        registry.adoptPreexistingConnections();
        FileDescriptor fd = new FileDescriptor();
        Thread own = new io.connscope.bootstrap.AgentThread(() -> {
            registry.onWrite(fd, 0L, 0, 10, null);
            registry.onClose(fd);
        }, "own");
        own.start();
        own.join();
        assertEquals(0, finished.size());
    }

    /** Answers like a kernel would for one loopback connection; tests change the answers. */
    static final class ScriptedKernel implements SocketInspector {
        /** What getsockname answers, and how often it was asked. */
        InetSocketAddress local = CLIENT;
        int localAddressReads;
        KeepAliveSettings keepAlive = new KeepAliveSettings(false, 7200, 75, 9, KeepAliveSettings.Source.OS_DEFAULT);
        CloseInitiator.CloseProbe probe = new CloseInitiator.CloseProbe(0, -1, -1);

        @Override
        public InetSocketAddress localAddress(FileDescriptor fd) {
            localAddressReads++;
            return local;
        }

        @Override
        public InetSocketAddress remoteAddress(FileDescriptor fd) {
            return SERVER;
        }

        @Override
        public FileDescriptor descriptorOf(Object socketImpl) {
            return null;
        }

        /** What any non-descriptor "TLS socket" maps to. */
        FileDescriptor tlsSocketTarget;

        @Override
        public FileDescriptor descriptorOfTlsSocket(Object tlsSocket) {
            return tlsSocket instanceof FileDescriptor ? (FileDescriptor) tlsSocket : tlsSocketTarget;
        }

        /** A pool's idle and life times, by its clock, as {@link #pooledTimes} reports them; null: unknown. */
        long[] pooledTimes;

        @Override
        public long[] poolLimits(Object settings) {
            return settings instanceof long[] ? (long[]) settings : null;
        }

        @Override
        public FileDescriptor descriptorOfNative(int fd) {
            return new FileDescriptor();
        }

        /** Whether pools are shut down, as {@link #poolShutDown} reports it. */
        boolean poolShutDown;

        @Override
        public boolean poolShutDown(Object pool) {
            return poolShutDown;
        }

        @Override
        public long[] pooledTimes(Object ref) {
            return pooledTimes;
        }

        /** Library objects (tests' pool entries) to the socket each holds now; how often an owner was followed. */
        final Map<Object, FileDescriptor> entries = new IdentityHashMap<>();
        int ownerWalks;

        @Override
        public FileDescriptor descriptorOfOwner(Object owner) {
            ownerWalks++;
            return owner instanceof FileDescriptor ? (FileDescriptor) owner : entries.get(owner);
        }

        int keepAliveReads;

        @Override
        public KeepAliveSettings keepAlive(FileDescriptor fd) {
            keepAliveReads++;
            return keepAlive;
        }

        boolean finPending;
        int finPolls;

        @Override
        public boolean peerFinPending(FileDescriptor fd) {
            finPolls++;
            return finPending;
        }

        /** Whether each close asked for SO_LINGER. */
        final List<Boolean> lingerReads = new ArrayList<>();

        @Override
        public CloseInitiator.CloseProbe probeBeforeClose(FileDescriptor fd, boolean readLinger) {
            lingerReads.add(readLinger);
            return probe;
        }

        PoolExpiry entryTimes;

        @Override
        public PoolExpiry poolEntryTimes(Object entry) {
            return entryTimes;
        }

        @Override
        public long durationMillis(Object duration) {
            return duration == null ? -1 : 800;
        }
    }
}
