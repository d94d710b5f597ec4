package io.connscope.agent.export;


import io.connscope.agent.core.ConnectionListener;
import io.connscope.agent.core.ConnectionRecord;
import io.connscope.agent.core.ConnectionRegistry;
import io.connscope.agent.core.OsKeepAliveDefaults;
import io.connscope.agent.core.PlainFiles;
import io.connscope.agent.core.http.HttpExchange;
import io.connscope.agent.kernel.KernelSampler;
import io.connscope.agent.kernel.KernelSnapshot;
import io.connscope.bootstrap.AgentThread;
import io.connscope.bootstrap.ConnectionFeed;
import io.connscope.bootstrap.SocketEvents;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Set;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes what the registry finds, off the application's threads.
 *
 * <p>Finished connections go into a bounded queue: {@link #onFinished} never blocks, and when the queue is full
 * the report is dropped and counted (the count is printed with every summary). One agent thread drains the
 * queue into the console and the JSON Lines file, reaps sockets that were garbage-collected without close, and
 * prints the per-peer summary every interval. At JVM exit (normal exit or SIGTERM) a shutdown hook stops the
 * worker, drains what is left, writes every still-open connection, prints the final summary and closes the
 * file, so it is complete. A connection that finishes while the hook runs is written directly; one that
 * finishes after the file is closed was either written as open or is counted as dropped.
 */
public final class Reporter implements ConnectionListener {

    public enum ConsoleLevel { OFF, SUMMARY, CONNECTIONS }

    /** Finished connections ({@link ConnectionRecord}) and, when asked for, HTTP exchanges ({@link RequestEvent}). */
    private final BlockingQueue<Object> queue;
    /** Put in the queue at exit to end the worker's wait; written as nothing. */
    private static final Object WAKE = new Object();
    /** Whether the JSON Lines file gets one object per HTTP exchange. */
    private final boolean requestEvents;
    /** Whether anything wants HTTP exchanges: the JSON Lines file, the HTML report or the exporter's span events. */
    private boolean wantsRequests;
    private final TelemetryExport.Factory exportFactory;
    /** Built by the worker thread when it starts; null when there is none or it failed to start. */
    private volatile TelemetryExport export;
    /** Counted down once the exporter is built (or failed to be): the exit report waits for it, bounded. */
    private final java.util.concurrent.CountDownLatch exportReady = new java.util.concurrent.CountDownLatch(1);
    /** How long the exit report waits for an exporter still being built, so its connections are exported too. */
    private static final long EXPORT_START_WAIT_MILLIS = 2000;
    /** Most reports written in one batch. */
    private static final int BATCH = 1024;
    /**
     * After a batch that emptied the queue, the worker sleeps this long before it looks again, instead of waiting
     * on the queue: a report queued meanwhile then wakes nobody. Waiting on the queue made every close on a busy
     * server wake the worker (a futex call and a context switch on the closing thread, about 3 per close).
     */
    static final long BATCH_WINDOW_MILLIS = 20;
    /** Seconds between reads of the kernel's keep-alive defaults (three small /proc/sys files). */
    private static final long OS_DEFAULTS_SECONDS = 10;
    /** How long the exit report waits, at most, for closes under way on application threads to be reported. */
    private static final long CLOSES_IN_FLIGHT_WAIT_MILLIS = 1000;
    /** Reports lost because the queue was full or they finished after the exit report; printed with every summary. */
    private final AtomicLong dropped = new AtomicLong();
    private final PeerSummary summary = new PeerSummary();
    private final ConsoleLevel console;
    private final long summaryIntervalNanos;
    private ConsoleLineBudget lineBudget = new ConsoleLineBudget(0, "");
    private final PrintStream out;
    private final Path eventsFile;
    private volatile ConnectionRegistry registry;
    /** Seconds between samples of /proc; 0 for none. */
    private final long kernelIntervalSeconds;
    /** Started with the reporter; null when off or not on Linux. */
    private volatile KernelSampler kernel;
    private BufferedWriter events;
    /** connscope.report.file's lines, and the page made of them at exit. */
    private final ReportSpool spool;
    private volatile boolean stopping;
    /** Set (under this object's lock) once the exit report is written and the file closed. */
    private volatile boolean exitWritten;
    /** Set by the first call of {@link #finish}: the shutdown hook, or a test before it. */
    private final AtomicBoolean finished = new AtomicBoolean();
    /** Connections the shutdown has written, open or closed: each once. Identity: records keep Object's equals. */
    private final Set<ConnectionRecord> claimedAtExit = ConcurrentHashMap.newKeySet();
    private Thread worker;
    private long reported;
    private long failed;
    /** Malformed trace-context headers of the finished connections' requests (each ignored). */
    private long traceContextMalformed;
    private long exportErrors;

    public Reporter(int queueSize, ConsoleLevel console, long summaryIntervalSeconds, Path eventsFile,
                    boolean requestEvents, PrintStream out) {
        this(queueSize, console, summaryIntervalSeconds, eventsFile, requestEvents, out, null, false, 0);
    }

    /**
     * @param exportFactory          builds the exporter (OpenTelemetry) on the worker thread; null for none
     * @param exportWantsRequests    whether that exporter wants each HTTP exchange
     * @param kernelIntervalSeconds  seconds between samples of the kernel's view (/proc); 0 for none
     */
    public Reporter(int queueSize, ConsoleLevel console, long summaryIntervalSeconds, Path eventsFile,
                    boolean requestEvents, PrintStream out, TelemetryExport.Factory exportFactory,
                    boolean exportWantsRequests, long kernelIntervalSeconds) {
        this.kernelIntervalSeconds = kernelIntervalSeconds;
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.requestEvents = requestEvents && eventsFile != null;
        this.exportFactory = exportFactory;
        this.wantsRequests = this.requestEvents || (exportFactory != null && exportWantsRequests);
        this.console = console;
        this.summaryIntervalNanos = TimeUnit.SECONDS.toNanos(summaryIntervalSeconds);
        this.eventsFile = eventsFile;
        this.out = out;
        this.spool = new ReportSpool(out);
    }

    /**
     * At most {@code perSecond} connection lines a second on the console (0: every line), the rest counted; set
     * before {@link #start}.
     */
    public void limitConsoleLines(long perSecond, String option) {
        lineBudget = new ConsoleLineBudget(perSecond, option);
    }

    /**
     * Writes the HTML report of every connection and its HTTP requests to {@code file} at exit; set before
     * {@link #start}. The requests are then followed whatever {@code connscope.events.requests} says: the report
     * draws them.
     */
    public void reportTo(Path file) {
        spool.reportTo(file);
        wantsRequests = true;
    }

    /** Opens the events file and starts the worker thread and the shutdown hook. */
    public void start(ConnectionRegistry registry) {
        this.registry = registry;
        spool.start();
        if (eventsFile != null) {
            try {
                Path parent = eventsFile.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                events = PlainFiles.writer(eventsFile, StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                out.println("connscope: cannot write connscope.events.file '" + eventsFile + "': " + e
                        + "; JSON Lines output is off");
            }
        }
        kernel = KernelSampler.start(kernelIntervalSeconds, () -> registry.openConnections(false), out);
        worker = new AgentThread(this::run, "connscope-reporter");
        worker.start();
        Runtime.getRuntime().addShutdownHook(new AgentThread(this::finish, "connscope-shutdown"));
    }

    @Override
    public void onFinished(ConnectionRecord record) {
        if (stopping) {
            finishedDuringShutdown(record);
        } else if (!queue.offer(record)) {
            dropped.incrementAndGet();
        }
    }

    @Override
    public boolean wantsRequests() {
        return wantsRequests || ConnectionFeed.reportFile() != null;
    }

    /** The kernel's view, or null when it is not sampled. */
    public KernelSampler kernel() {
        return kernel;
    }

    /** Reports lost because the queue was full or they finished after the exit report. */
    public long droppedReports() {
        return dropped.get();
    }

    @Override
    public void onRequest(ConnectionRecord connection, HttpExchange exchange) {
        RequestEvent event = new RequestEvent(connection, exchange);
        if (stopping) {
            finishedDuringShutdown(event);
        } else if (!queue.offer(event)) {
            dropped.incrementAndGet();
        }
    }

    /**
     * While the JVM shuts down: queued as before, so that the exit report (which drains the queue after the worker
     * stops) writes it after the request events queued before it. Written directly here had a connection's close
     * reach the exporter ahead of its last request, which then missed the connection's span. Once the exit report
     * is written, counted instead. A connection the exit report already wrote as open is not written again.
     */
    private void finishedDuringShutdown(Object item) {
        if (item instanceof ConnectionRecord && !claimedAtExit.add((ConnectionRecord) item)) {
            return;
        }
        if (queue.offer(item)) {
            // The exit report discards what is queued after it sets exitWritten; this catches what comes later.
            if (exitWritten && queue.remove(item)) {
                dropped.incrementAndGet();
            }
            return;
        }
        synchronized (this) {
            if (!exitWritten) {
                // The queue is full: what is in it first, then this.
                writeQueued();
                settle(List.of(item));
                write(item);
                flush();
            } else {
                dropped.incrementAndGet();
            }
        }
    }

    private void run() {
        if (exportFactory != null) {
            try {
                export = exportFactory.start(registry, this);
            } catch (Throwable t) {
                out.println("connscope: OpenTelemetry export not started: " + t + "; the console and JSON Lines "
                        + "reports go on");
            }
        }
        exportReady.countDown();
        long nextSummary = System.nanoTime() + summaryIntervalNanos;
        long nextReap = System.nanoTime();
        long nextOsDefaults = nextReap + TimeUnit.SECONDS.toNanos(OS_DEFAULTS_SECONDS);
        List<Object> batch = new ArrayList<>();
        while (!stopping) {
            try {
                Object first = queue.poll(200, TimeUnit.MILLISECONDS);
                int written = 0;
                synchronized (this) {
                    if (first != null) {
                        batch.add(first);
                        queue.drainTo(batch, BATCH - 1);
                        settle(batch);
                        for (Object item : batch) {
                            write(item);
                        }
                        written = batch.size();
                        batch.clear();
                        flush();
                    }
                    long now = System.nanoTime();
                    printNotice(lineBudget.noticeIfOver(now));
                    if (now - nextReap >= 0) {
                        registry.expungeCollected();
                        nextReap = now + TimeUnit.SECONDS.toNanos(1);
                        if (now - nextOsDefaults >= 0) {
                            // Closes report them for sockets nobody configured: kept as current as a sysctl.
                            registry.osKeepAliveDefaults(OsKeepAliveDefaults.read());
                            nextOsDefaults = now + TimeUnit.SECONDS.toNanos(OS_DEFAULTS_SECONDS);
                        }
                        TelemetryExport e = export;
                        if (e != null) {
                            e.onTick(now);
                        }
                    }
                    if (summaryIntervalNanos > 0 && now - nextSummary >= 0 && !stopping) {
                        printSummary("interval", registry.openConnections(true));
                        nextSummary = now + summaryIntervalNanos;
                    }
                }
                if (written > 0 && written < BATCH && !stopping) {
                    // The queue was emptied: let reports gather without waking this thread for each.
                    TimeUnit.MILLISECONDS.sleep(BATCH_WINDOW_MILLIS);
                }
            } catch (InterruptedException e) {
                break;
            } catch (Throwable t) {
                out.println("connscope: reporter error (continuing): " + t);
            }
        }
    }

    /** The shutdown hook: everything left, the open connections, the last summary. Once. */
    void finish() {
        if (finished.getAndSet(true)) {
            return;
        }
        try {
            // A JVM that exits right after start: its connections are exported once the exporter is up.
            exportReady.await(EXPORT_START_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopping = true;
        // Wakes the worker from its poll at once instead of at the poll's timeout: up to 200 ms of every exit.
        queue.offer(WAKE);
        try {
            // Not interrupted: an interrupt would close the events file's channel under the worker's feet.
            worker.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Each connection goes into the exit report once: open (still in the table when it is walked) or closed.
        // A close on an application thread takes its record out of the table before it reports it; such a close
        // in flight during the walk is waited for after it (written directly, see finishedDuringShutdown), and a
        // record both walked and closed meanwhile is claimed by whichever comes first.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSES_IN_FLIGHT_WAIT_MILLIS);
        registry.awaitClosesInFlight(CLOSES_IN_FLIGHT_WAIT_MILLIS);
        List<ConnectionRecord> openAtExit = new ArrayList<>();
        long exitNanos = System.nanoTime();
        synchronized (this) {
            try {
                writeQueued();
                registry.expungeCollected();
                writeQueued();
                exitNanos = System.nanoTime();
                for (ConnectionRecord r : registry.openConnections(true)) {
                    if (claimedAtExit.add(r)) {
                        openAtExit.add(r);
                        writeLine(ConnectionJson.toJsonOpen(r, exitNanos), true);
                    }
                }
            } catch (Throwable t) {
                out.println("connscope: error while writing the final report: " + t);
            }
        }
        registry.awaitClosesInFlight(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        long droppedBefore;
        synchronized (this) {
            droppedBefore = dropped.get();
            try {
                // Anything queued by a close that saw "not stopping" just before.
                writeQueued();
                printNotice(lineBudget.noticeNow(System.nanoTime()));
                printSummary("exit", openAtExit);
            } catch (Throwable t) {
                out.println("connscope: error while writing the final report: " + t);
            } finally {
                closeEvents();
                exitWritten = true;
                discardQueued();
            }
            spool.writeReport(registry, kernel, reported, failed, openAtExit.size(), droppedBefore);
        }
        // Outside the lock: application threads closing sockets during the exit take it, and must not wait for
        // the exporter's flush. Nothing else feeds the exporter once exitWritten is set.
        TelemetryExport e = export;
        if (e != null) {
            try {
                e.onExit(openAtExit, exitNanos);
            } catch (Throwable t) {
                out.println("connscope: error while flushing the OpenTelemetry export: " + t);
            }
        }
        long late = dropped.get() - droppedBefore;
        if (late > 0 && console != ConsoleLevel.OFF) {
            // Not hidden, though the summary is out: HTTP exchanges (or, after a long wait, closes) still running.
            out.println("connscope: " + late + " reports came after the exit report (connections or HTTP exchanges "
                    + "active while the JVM exited) and were not written");
        }
    }

    /** Whether the exit report has begun: for tests. */
    boolean stopping() {
        return stopping;
    }

    /** Counts what was queued too late for the exit report (see {@link #finishedDuringShutdown}). */
    private void discardQueued() {
        List<Object> items = new ArrayList<>();
        queue.drainTo(items);
        for (Object item : items) {
            if (item != WAKE) {
                dropped.incrementAndGet();
            }
        }
    }

    private void writeQueued() {
        List<Object> items = new ArrayList<>();
        queue.drainTo(items);
        settle(items);
        for (Object item : items) {
            write(item);
        }
    }

    /**
     * Asks the kernel, once for all of {@code items}, who sent the first FIN of the connections whose FINs met
     * (see {@code CloseInitiator.Verdict#kernelDecides}). Unsettled when /proc cannot be read: the guess stands.
     */
    private void settle(List<?> items) {
        KernelSampler k = kernel;
        if (k != null) {
            k.settleCloseInitiators(items);
        }
    }

    private void write(Object item) {
        if (item == WAKE) {
            return;
        }
        TelemetryExport export = this.export;
        if (item instanceof RequestEvent) {
            RequestEvent e = (RequestEvent) item;
            if (spool.wantsSpool() | requestEvents) {
                writeLine(ConnectionJson.toJson(e.connection, e.exchange), requestEvents);
            }
            if (export != null) {
                exportSafely(export, e);
            }
            return;
        }
        ConnectionRecord r = (ConnectionRecord) item;
        if (export != null) {
            exportSafely(export, r);
        }
        reported++;
        if (r.state() == io.connscope.agent.core.ConnectionState.FAILED) {
            failed++;
        }
        summary.addFinished(r);
        traceContextMalformed += r.traceContextMalformed();
        KernelSampler k = kernel;
        if (k != null) {
            k.onClosed(r);
        }
        // Not short-circuited: the report's file opens with the first line it wants, whatever else wants one.
        boolean json = spool.wantsSpool() | events != null | ConnectionFeed.active();
        // The clock only for the lines that print it (a churning JVM reports thousands of closes a second).
        long now = console == ConsoleLevel.CONNECTIONS || json ? System.nanoTime() : 0;
        if (console == ConsoleLevel.CONNECTIONS) {
            printNotice(lineBudget.noticeIfOver(now));
            if (lineBudget.admit(now)) {
                out.println(ConnectionLine.format(r, now));
            }
        }
        if (json) {
            String line = ConnectionJson.toJson(r, now);
            writeLine(line, true);
            ConnectionFeed.publish(line);
        }
    }

    /** An exporter's trouble never stops the console and file reports. */
    private void exportSafely(TelemetryExport export, Object item) {
        try {
            if (item instanceof RequestEvent) {
                export.onRequest(((RequestEvent) item).connection, ((RequestEvent) item).exchange);
            } else {
                export.onFinished((ConnectionRecord) item);
            }
        } catch (Throwable t) {
            exportErrors++;
            if (exportErrors == 1) {
                out.println("connscope: OpenTelemetry export error (reported once, export goes on): " + t);
            }
        }
    }

    /** To the HTML report's lines, and to the events file when {@code toEvents}. */
    private void writeLine(String json, boolean toEvents) {
        spool.write(json);
        if (events != null && toEvents) {
            try {
                events.write(json);
                events.write('\n');
            } catch (IOException e) {
                out.println("connscope: cannot write to " + eventsFile + ": " + e + "; JSON Lines output is off");
                closeEvents();
            }
        }
    }

    /** An HTTP exchange waiting to be written, with the connection it ran on. */
    private static final class RequestEvent {
        final ConnectionRecord connection;
        final HttpExchange exchange;

        RequestEvent(ConnectionRecord connection, HttpExchange exchange) {
            this.connection = connection;
            this.exchange = exchange;
        }
    }

    private void flush() {
        if (events != null) {
            try {
                events.flush();
            } catch (IOException e) {
                out.println("connscope: cannot write to " + eventsFile + ": " + e + "; JSON Lines output is off");
                closeEvents();
            }
        }
    }

    private void closeEvents() {
        if (events != null) {
            try {
                events.close();
            } catch (IOException ignored) {
                // Nothing more can be done about a file that will not close.
            }
            events = null;
        }
    }

    private void printNotice(String line) {
        if (line != null) {
            out.println(line);
        }
    }

    private void printSummary(String when, List<ConnectionRecord> open) {
        if (console == ConsoleLevel.OFF) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("connscope: summary (").append(when).append(") at ").append(Instant.now()).append(": ")
                .append(reported - failed).append(" closed, ").append(open.size()).append(" open, ")
                .append(failed).append(" failed connects; tracked sockets ").append(registry.trackedSockets())
                .append(", untracked sockets ").append(registry.untracked())
                .append(", dropped reports ").append(dropped.get());
        long malformed = traceContextMalformed;
        for (ConnectionRecord r : open) {
            malformed += r.traceContextMalformed();
        }
        if (malformed > 0) {
            // Only when there were some: the line stays as it was for everyone else.
            sb.append(", malformed trace context headers ").append(malformed);
        }
        sb.append(", internal errors ").append(SocketEvents.adviceFailures()).append('\n');
        Throwable firstError = SocketEvents.firstAdviceFailure();
        if (firstError != null && when.equals("exit")) {
            // Kept from the application, but not hidden: what to put in a bug report.
            StackTraceElement[] at = firstError.getStackTrace();
            sb.append("connscope: the first internal error (kept from the application): ").append(firstError)
                    .append(at.length > 0 ? " at " + at[0] : "").append('\n');
        }
        sb.append(summary.render(open));
        KernelSampler k = kernel;
        // At exit a fresh sample: the connections just closed have their TIME_WAIT sockets now.
        KernelSnapshot view = k == null ? null : when.equals("exit") ? k.sampleNow(open) : k.latest();
        if (view != null) {
            sb.append(view.render());
        }
        out.print(sb);
        out.flush();
    }
}
