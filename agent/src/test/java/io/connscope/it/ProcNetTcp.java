package io.connscope.it;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Kernel ground truth from {@code /proc/net/tcp} and {@code /proc/net/tcp6}. Addresses there are hex in the
 * kernel's (little-endian) word order, ports are hex; state {@code 06} is TIME_WAIT. The side that sent the
 * first FIN holds TIME_WAIT, so its row has that side's port as the local port. After a reset there is none.
 */
public final class ProcNetTcp {

    public static final String TIME_WAIT = "06";

    private ProcNetTcp() {
    }

    /** One row: local and remote as {@code HEXADDR:HEXPORT}, and the state in hex. */
    public static final class Row {
        public final String local;
        public final String remote;
        public final String state;
        public final String line;

        Row(String local, String remote, String state, String line) {
            this.local = local;
            this.remote = remote;
            this.state = state;
            this.line = line;
        }

        @Override
        public String toString() {
            return line.trim();
        }
    }

    public static List<Row> rows() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String file : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path p = Paths.get(file);
            if (!Files.exists(p)) {
                continue;
            }
            rows.addAll(parse(new String(Files.readAllBytes(p), StandardCharsets.US_ASCII)));
        }
        return rows;
    }

    /** The rows of /proc/net/tcp or tcp6 text (several files' one after the other too: their heading lines skipped). */
    public static List<Row> parse(String text) {
        List<Row> rows = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 3 && !f[0].equals("sl")) {
                rows.add(new Row(f[1], f[2], f[3], line));
            }
        }
        return rows;
    }

    /** {@code ADDR:PORT} as the kernel prints it: each 32-bit word of the address byte-reversed, in upper-case hex. */
    public static String endpoint(String address, int port) throws IOException {
        byte[] a = InetAddress.getByName(address).getAddress();
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < a.length; w += 4) {
            for (int b = 3; b >= 0; b--) {
                sb.append(String.format(Locale.ROOT, "%02X", a[w + b] & 0xff));
            }
        }
        return sb.append(':').append(String.format(Locale.ROOT, "%04X", port)).toString();
    }

    /**
     * The kernel's spellings of an endpoint. Java opens IPv6 sockets by default, so a connection to 127.0.0.1 is
     * usually listed in /proc/net/tcp6 with the IPv4-mapped address ::ffff:127.0.0.1; an IPv4-only socket is
     * listed in /proc/net/tcp. Both spellings are accepted for IPv4 addresses.
     */
    public static List<String> endpoints(String address, int port) throws IOException {
        List<String> list = new ArrayList<>();
        list.add(endpoint(address, port));
        byte[] a = InetAddress.getByName(address).getAddress();
        if (a.length == 4) {
            String v4 = endpoint(address, port);
            list.add("0000000000000000FFFF0000" + v4);
        }
        return list;
    }

    /** TIME_WAIT rows for the connection between the two endpoints, in either orientation. */
    public static List<Row> timeWait(String address, int portA, int portB) throws IOException {
        List<Row> found = new ArrayList<>();
        for (Row r : all(address, portA, portB)) {
            if (r.state.equals(TIME_WAIT)) {
                found.add(r);
            }
        }
        return found;
    }

    /** Every row for the tuple, any state. */
    public static List<Row> all(String address, int portA, int portB) throws IOException {
        List<String> a = endpoints(address, portA);
        List<String> b = endpoints(address, portB);
        List<Row> found = new ArrayList<>();
        for (Row r : rows()) {
            if ((a.contains(r.local) && b.contains(r.remote)) || (b.contains(r.local) && a.contains(r.remote))) {
                found.add(r);
            }
        }
        return found;
    }

    /** Whether the row's local endpoint is the given one (in either spelling). */
    public static boolean localIs(Row r, String address, int port) throws IOException {
        return endpoints(address, port).contains(r.local);
    }

    /** The OS keep-alive defaults: tcp_keepalive_time, _intvl, _probes. */
    public static int[] keepAliveDefaults() throws IOException {
        return new int[] {
            readInt("/proc/sys/net/ipv4/tcp_keepalive_time"),
            readInt("/proc/sys/net/ipv4/tcp_keepalive_intvl"),
            readInt("/proc/sys/net/ipv4/tcp_keepalive_probes")
        };
    }

    /**
     * Reads the first line. (Not Files.readAllBytes: on a zero-size /proc file it reads one byte first, and a sysctl
     * read at a non-zero offset returns nothing, so "7200" would come back as "7".)
     */
    private static int readInt(String file) throws IOException {
        try (java.io.BufferedReader r = Files.newBufferedReader(Paths.get(file), StandardCharsets.US_ASCII)) {
            return Integer.parseInt(r.readLine().trim());
        }
    }
}
