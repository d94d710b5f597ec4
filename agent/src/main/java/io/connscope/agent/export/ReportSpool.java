package io.connscope.agent.export;

import io.connscope.agent.core.ConnectionRegistry;
import io.connscope.agent.core.PlainFiles;
import io.connscope.agent.kernel.KernelSampler;
import io.connscope.bootstrap.ConnectionFeed;
import io.connscope.bootstrap.SocketEvents;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.List;

/**
 * The HTML report's lines, kept in a temporary file until the {@link Reporter}'s exit report makes the page of
 * them. Used under the reporter's lock, as its other outputs are.
 */
final class ReportSpool {

    private final PrintStream out;
    /** connscope.report.file: the HTML report written at exit; null for none. */
    private Path reportFile;
    /** Every connection and request line, for the HTML report at exit: a temporary file, not the heap. */
    private Path spool;
    private BufferedWriter spoolOut;
    /** Set once the spool could not be made or written: not tried again. */
    private boolean spoolFailed;
    /**
     * Most bytes the report's lines take on disk: a long-running JVM (the demo's --loop, a service) would otherwise
     * fill the disk, and a browser does not open a page much larger anyway (100,000 connections are some 70 MB).
     */
    static final long SPOOL_LIMIT_BYTES = 256L << 20;
    private long spoolBytes;
    /** Connection and request lines past {@link #SPOOL_LIMIT_BYTES}, left out of the report and said at exit. */
    private long spoolLeftOut;

    ReportSpool(PrintStream out) {
        this.out = out;
    }

    /** connscope.report.file; set before {@link #start}. */
    void reportTo(Path file) {
        reportFile = file;
    }

    /**
     * With connscope.report.file: it wins over any file an application asks for
     * ({@link ConnectionFeed#configureReport}), and the spool opens now, not with the first line.
     */
    void start() {
        if (reportFile != null) {
            ConnectionFeed.configureReport(reportFile.toString());
            openSpool(reportFile);
        }
    }

    /**
     * The HTML report's file: connscope.report.file, or the one an application asked for through
     * {@link ConnectionFeed#requestReport} (the demo); null for none.
     */
    private Path reportTarget() {
        if (reportFile != null) {
            return reportFile;
        }
        String requested = ConnectionFeed.reportFile();
        return requested == null ? null : Paths.get(requested);
    }

    /** A temporary file for the report's lines; false (and one line on the console) when there can be none. */
    private boolean openSpool(Path target) {
        try {
            spool = Files.createTempFile("connscope-report-", ".jsonl");
            spool.toFile().deleteOnExit();
            spoolOut = PlainFiles.writer(spool, StandardCharsets.UTF_8);
            return true;
        } catch (IOException | RuntimeException e) {
            out.println("connscope: cannot keep the lines for the HTML report '" + target + "': " + e + "; no report");
            spool = null;
            spoolFailed = true;
            return false;
        }
    }

    /** Whether the HTML report's lines are kept; opens their file once a report is asked for. */
    boolean wantsSpool() {
        if (spoolOut != null) {
            return true;
        }
        if (spoolFailed || spool != null) {
            return false;
        }
        Path target = reportTarget();
        return target != null && openSpool(target);
    }

    /** To the HTML report's lines, when they are kept; past {@link #SPOOL_LIMIT_BYTES} counted instead. */
    void write(String json) {
        if (wantsSpool() && spoolBytes + json.length() + 1 > SPOOL_LIMIT_BYTES) {
            spoolLeftOut++;
        } else if (spoolOut != null) {
            try {
                spoolBytes += json.length() + 1;
                spoolOut.write(json);
                spoolOut.write('\n');
            } catch (IOException e) {
                out.println("connscope: cannot keep the lines for the HTML report: " + e + "; no report");
                closeSpool();
                spool = null;
                spoolFailed = true;
            }
        }
    }

    private void closeSpool() {
        if (spoolOut != null) {
            try {
                spoolOut.close();
            } catch (IOException ignored) {
                // Then the report is written from what reached the file.
            }
            spoolOut = null;
        }
    }

    /**
     * connscope.report.file: the page from the lines kept, plus what only this JVM knows (the summary's counts and
     * the kernel's last view). One line on the console says where it is, or why there is none. {@code reported}
     * counts every finished connection, {@code failed} the failed connects among them; {@code kernel} is null when
     * the kernel's view is not sampled.
     */
    void writeReport(ConnectionRegistry registry, KernelSampler kernel, long reported, long failed, long openAtExit,
                     long droppedAtExit) {
        Path lines = spool;
        Path reportFile = reportTarget();
        if (reportFile == null || lines == null) {
            return;
        }
        closeSpool();
        try {
            String summaryLine = io.connscope.agent.report.RunSummary.summaryLine(
                    System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                            + " (" + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")",
                    ProcessHandle.current().pid(), Instant.now().toString(), reported - failed, openAtExit, failed,
                    registry.trackedSockets(), registry.untracked(), droppedAtExit, SocketEvents.adviceFailures(),
                    kernel == null ? null : kernel.latest());
            Path parent = reportFile.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            io.connscope.agent.report.HtmlReport.Written w;
            try (java.io.BufferedReader in = PlainFiles.reader(lines, StandardCharsets.UTF_8);
                 BufferedWriter page = PlainFiles.writer(reportFile, StandardCharsets.UTF_8)) {
                w = io.connscope.agent.report.HtmlReport.write(in, List.of(
                        io.connscope.agent.report.RunSummary.reportLine("this JVM, at exit", Instant.now().toString()),
                        summaryLine), page);
            }
            out.println("connscope: HTML report of " + w.connections + " connections written to "
                    + reportFile.toAbsolutePath() + (spoolLeftOut == 0 ? "" : "; " + spoolLeftOut
                    + " later connection and request lines left out (the report keeps at most "
                    + (SPOOL_LIMIT_BYTES >> 20) + " MB of them)"));
        } catch (IOException | RuntimeException e) {
            out.println("connscope: cannot write the HTML report '" + reportFile + "': " + e);
        } finally {
            try {
                Files.deleteIfExists(lines);
            } catch (IOException ignored) {
                // deleteOnExit is still set.
            }
        }
    }
}
