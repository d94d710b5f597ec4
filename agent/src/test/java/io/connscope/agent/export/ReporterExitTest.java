package io.connscope.agent.export;

import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionRegistry;
import io.connscope.agent.core.Direction;
import io.connscope.agent.core.KeepAliveSettings;
import io.connscope.agent.core.SocketInspector;
import io.connscope.agent.core.TestRecords;
import io.connscope.agent.core.http.HttpExchange;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What reaches the exporter while the JVM exits: in the order it happened, and nothing lost without a count. */
class ReporterExitTest {

    private static final KeepAliveSettings OS = new KeepAliveSettings(false, 7200, 75, 9, KeepAliveSettings.Source.OS_DEFAULT);

    /** Records what it is given; its first request blocks until released, holding the reporter's worker there. */
    private static final class RecordingExport implements TelemetryExport {
        final List<String> seen = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch holding = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void onRequest(ConnectionRecord connection, HttpExchange exchange) {
            if (exchange.index == 1) {
                holding.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            seen.add("request " + exchange.index);
        }

        @Override
        public void onFinished(ConnectionRecord record) {
            seen.add("finished");
        }

        @Override
        public void onTick(long nowNanos) {
        }

        @Override
        public void onExit(List<ConnectionRecord> open, long nowNanos) {
        }
    }

    /** A reporter feeding {@code export}, started: its worker running, its exit report not yet written. */
    private static Reporter started(RecordingExport export) {
        Reporter reporter = new Reporter(64, Reporter.ConsoleLevel.OFF, 0, null, false,
                new PrintStream(OutputStream.nullOutputStream()), (registry, r) -> export, true, 0);
        reporter.start(new ConnectionRegistry(100, SocketInspector.NONE, OS, r -> { }));
        return reporter;
    }

    private static ConnectionRecord connection() {
        return TestRecords.open(new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 8080),
                Direction.OUTBOUND);
    }

    private static HttpExchange request(int index) {
        return HttpExchange.ofHttp2Stream(index, 200, -1, null, System.currentTimeMillis(), null, null, -1);
    }

    /**
     * The JDK HttpClient reads its connection's end of stream, and closes it, while the JVM exits; its last request
     * was still queued. The close used to be written at once, ahead of that request, which then missed the span.
     */
    @Test
    void aCloseDuringTheExitReachesTheExporterAfterTheRequestsQueuedBeforeIt() throws Exception {
        RecordingExport export = new RecordingExport();
        Reporter reporter = started(export);
        ConnectionRecord connection = connection();

        reporter.onRequest(connection, request(1));
        assertTrue(export.holding.await(10, TimeUnit.SECONDS), "the worker took the first request");
        reporter.onRequest(connection, request(2));
        Thread exit = new Thread(reporter::finish, "exit");
        exit.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!reporter.stopping() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(reporter.stopping(), "the exit report began");
        Thread close = new Thread(() -> reporter.onFinished(TestRecords.closed(connection)), "close");
        close.start();
        // Given the time to write ahead of request 2 (it waits for the worker's lock if it writes directly).
        close.join(200);
        export.release.countDown();
        close.join(10_000);
        exit.join(10_000);

        assertEquals(List.of("request 1", "request 2", "finished"), export.seen);
        assertEquals(0, reporter.droppedReports());
    }

    @Test
    void whatIsQueuedAfterTheExitReportIsCountedAsDropped() throws Exception {
        RecordingExport export = new RecordingExport();
        export.release.countDown();
        Reporter reporter = started(export);
        ConnectionRecord connection = connection();
        reporter.onRequest(connection, request(1));
        reporter.finish();

        reporter.onRequest(connection, request(2));
        reporter.onFinished(TestRecords.closed(connection));

        assertEquals(List.of("request 1"), export.seen);
        assertEquals(2, reporter.droppedReports());
    }
}
