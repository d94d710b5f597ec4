package io.connscope.agent.report;

import io.connscope.agent.export.ConnectionJson;
import io.connscope.agent.kernel.KernelPeer;
import io.connscope.agent.kernel.KernelSnapshot;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * The report's own objects, beside the connections and requests of the JSON Lines: {@code "type":"report"} (where
 * the data came from) and, in a report written at exit ({@code connscope.report.file}), {@code "type":"summary"}:
 * what only the running agent knows and the events file does not say (the JVM, dropped and untracked counts, the
 * kernel's view per peer).
 */
public final class RunSummary {

    private RunSummary() {
    }

    /** {@code {"type":"report","source":...,"generated_at":...}}. */
    public static String reportLine(String source, String generatedAt) {
        StringBuilder sb = new StringBuilder(160).append('{');
        ConnectionJson.field(sb, "type", "report").append(',');
        ConnectionJson.field(sb, "source", source).append(',');
        return ConnectionJson.field(sb, "generated_at", generatedAt).append('}').toString();
    }

    /**
     * The exit summary: the counts of the console's summary line, the JVM, and the kernel's last view (null when
     * not sampled).
     */
    public static String summaryLine(String jvm, long pid, String atIso, long closed, long open, long failed,
                                     long tracked, long untracked, long dropped, long internalErrors,
                                     KernelSnapshot kernel) {
        StringBuilder sb = new StringBuilder(512).append('{');
        ConnectionJson.field(sb, "type", "summary").append(',');
        ConnectionJson.field(sb, "jvm", jvm).append(',');
        sb.append("\"pid\":").append(pid).append(',');
        ConnectionJson.field(sb, "at", atIso).append(',');
        sb.append("\"closed\":").append(closed)
                .append(",\"open\":").append(open)
                .append(",\"failed\":").append(failed)
                .append(",\"tracked_sockets\":").append(tracked)
                .append(",\"untracked_sockets\":").append(untracked)
                .append(",\"dropped_reports\":").append(dropped)
                .append(",\"internal_errors\":").append(internalErrors)
                .append(",\"kernel\":");
        if (kernel == null) {
            return sb.append("null}").toString();
        }
        sb.append('{');
        ConnectionJson.field(sb, "sampled_at", Instant.ofEpochMilli(kernel.sampledAtMillis).toString()).append(',');
        sb.append("\"ephemeral_ports\":").append(kernel.ephemeralPorts())
                .append(",\"tcp_tw_reuse\":").append(kernel.twReuse)
                .append(",\"peers\":[");
        boolean first = true;
        for (Map.Entry<KernelPeer, KernelSnapshot.PeerCounts> e : kernel.peers.entrySet()) {
            KernelPeer p = e.getKey();
            KernelSnapshot.PeerCounts c = e.getValue();
            sb.append(first ? "{" : ",{");
            first = false;
            ConnectionJson.field(sb, "direction", p.direction.wireName()).append(',');
            ConnectionJson.field(sb, "server_address", p.serverAddress).append(',');
            sb.append("\"server_port\":").append(p.serverPort)
                    .append(",\"open\":").append(c.open)
                    .append(",\"time_wait\":").append(c.timeWait)
                    .append(",\"ports_in_use\":").append(c.portsInUse())
                    .append(",\"unanswered_keepalive_max\":").append(c.maxUnansweredProbes)
                    .append(",\"port_usage\":");
            double usage = kernel.portUsage(p, c);
            sb.append(usage < 0 ? "null" : String.format(Locale.ROOT, "%.6f", usage)).append('}');
        }
        return sb.append("]}}").toString();
    }
}
