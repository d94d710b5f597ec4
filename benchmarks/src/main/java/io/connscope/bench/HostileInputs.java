package io.connscope.bench;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * {@link HostileInputBenchmark}'s cases: their bytes, their sizes and the published table. No class of the agent is
 * used here, so that the suite's driver (whose class path has none) can make the table from JMH's results.
 */
final class HostileInputs {

    private HostileInputs() {
    }

    /** Every case, ordinary first in each family; {@link #ordinaryOf} names each one's pair. */
    static final String[] INPUTS = {
        "h1-normal", "h1-1-byte-reads", "h1-10k-headers", "h1-1mb-header-line", "h1-garbage", "h1-unknown-method",
        "h1-pipelined-50",
        "h2-normal", "h2-ping-flood", "h2-settings-flood", "h2-rapid-reset", "h2-reset-1024-open",
        "h2-end-stream-1024-open", "h2-end-stream-1024-colliding", "h2-hpack-size-updates", "h2-continuation-1mb", "h2-goaway-1mb",
        "tls-hello", "tls-hello-1-byte-records"};

    /** The size each HTTP/1.x and HTTP/2 case's operation reaches (a little more, in whole messages). */
    static final int FAMILY_BYTES = 1 << 20;
    /** The size of the reads hostile bulk is fed in. */
    static final int READ = 64 * 1024;
    /** The ordinary case a case is compared with: the first of its family. */
    static String ordinaryOf(String input) {
        return input.startsWith("h1-") ? "h1-normal" : input.startsWith("h2-") ? "h2-normal" : "tls-hello";
    }

    /** Bytes one operation feeds. */
    static int bytesPerOp(String input) throws Exception {
        return Input.build(input).opBytes;
    }

    /** What bounds each case's work, for the published table (docs/security.md). */
    static final Map<String, String> BOUNDS = new LinkedHashMap<>();

    static {
        BOUNDS.put("h1-normal", "each byte scanned once");
        BOUNDS.put("h1-1-byte-reads", "a fixed cost per read (the tracker's lock and dispatch), not per byte; each read is also a system call of the application's");
        BOUNDS.put("h1-10k-headers", "each byte scanned once, nothing kept per header");
        BOUNDS.put("h1-1mb-header-line", "each byte scanned once, nothing buffered");
        BOUNDS.put("h1-garbage", "the first bytes of each read looked at, the rest not");
        BOUNDS.put("h1-unknown-method", "the first 2048 bytes of each read scanned once");
        BOUNDS.put("h1-pipelined-50", "each byte scanned once; one ~56-byte object per pipelined request, at most 1024 waiting");
        BOUNDS.put("h2-normal", "each frame header read once, header blocks decoded once, DATA skipped");
        BOUNDS.put("h2-ping-flood", "4 PINGs in flight per side, the rest counted");
        BOUNDS.put("h2-settings-flood", "each setting read once");
        BOUNDS.put("h2-rapid-reset", "resets kept: 8, the rest counted");
        BOUNDS.put("h2-reset-1024-open", "an index lookup per HEADERS and RST_STREAM; 1024 streams followed at most");
        BOUNDS.put("h2-end-stream-1024-open", "an index lookup per 9-byte frame; 1024 streams followed at most");
        BOUNDS.put("h2-end-stream-1024-colliding", "ids that collide in the index without its per-connection seed (what a peer knowing the code could pick), spread by the seed; forced to collide: 1024 probes per 9-byte frame");
        BOUNDS.put("h2-hpack-size-updates", "a size update evicts at most the entries added before it");
        BOUNDS.put("h2-continuation-1mb", "each byte decoded once, no name or value kept");
        BOUNDS.put("h2-goaway-1mb", "64 debug bytes kept, the rest passed over");
        BOUNDS.put("tls-hello", "32 bytes read at a fixed offset of a connection's first read");
        BOUNDS.put("tls-hello-1-byte-records", "a fixed cost per read, nothing parsed");
    }

    /**
     * The published table: per case, bytes per operation, ns per byte, the ratio to its ordinary pair's ns per byte,
     * bytes allocated per operation ({@code gc.alloc.rate.norm}, with JMH's own allocations) and what bounds it.
     */
    static String table(Collection<RunResult> results) throws Exception {
        Map<String, double[]> measured = new LinkedHashMap<>();
        for (RunResult r : results) {
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            String input = r.getParams().getParam("input");
            int bytes = bytesPerOp(input);
            measured.put(input, new double[] {bytes, r.getPrimaryResult().getScore() / bytes,
                alloc == null ? Double.NaN : alloc.getScore()});
        }
        StringBuilder sb = new StringBuilder("| Case | Bytes per op | ns/byte | Against its ordinary pair | B allocated per op"
                + " | What bounds it |\n|---|---|---|---|---|---|\n");
        for (String input : INPUTS) {
            double[] m = measured.get(input);
            if (m == null) {
                continue;
            }
            double[] ordinary = measured.get(ordinaryOf(input));
            String ratio = input.equals(ordinaryOf(input)) ? "(ordinary)" : ordinary == null ? "-"
                    : String.format(Locale.ROOT, "%.2fx", m[1] / ordinary[1]);
            sb.append(String.format(Locale.ROOT, "| `%s` | %,d | %s | %s | %,.0f | %s |%n", input, (long) m[0],
                    nsPerByte(m[1]), ratio, m[2], BOUNDS.get(input)));
        }
        return sb.toString();
    }

    private static String nsPerByte(double v) {
        return v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : v >= 0.1 ? String.format(Locale.ROOT, "%.2f", v)
                : String.format(Locale.ROOT, "%.4f", v);
    }

    /**
     * A case's bytes, one after the other: the connection's setup (fed once), then the operation's feeds, each fed
     * in reads of at most {@code chunk} bytes; where the operation's HTTP/2 streams' ids are, to be made new for
     * each operation.
     */
    static final class Input {
        static final int HTTP1 = 1;
        static final int HTTP2 = 2;
        static final int TLS = 3;

        int family;
        boolean localIsClient;
        byte[] bytes;
        int[] setupAt;
        int[] setupLength;
        boolean[] setupToServer;
        int setupChunk = Integer.MAX_VALUE;
        int[] at;
        int[] length;
        boolean[] toServer;
        boolean[] newConnection;
        int chunk = Integer.MAX_VALUE;
        int[] idAt = new int[0];
        int[] idStream = new int[0];
        int streamsPerOp;
        int firstOpStream;
        int opBytes;

        /** Counts the case's operation must show (checked by the unit test). */
        int requestsPerOp;
        int openStreamsHeld;

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final List<int[]> setup = new ArrayList<>();
        private final List<int[]> op = new ArrayList<>();
        private final List<Integer> ids = new ArrayList<>();
        private final List<Integer> idStreams = new ArrayList<>();

        private void setup(boolean toServer, byte[] b) {
            setup.add(new int[] {out.size(), b.length, toServer ? 1 : 0, 0});
            out.writeBytes(b);
        }

        private void op(boolean toServer, byte[] b) {
            op(toServer, b, false);
        }

        private void op(boolean toServer, byte[] b, boolean connectionStart) {
            op.add(new int[] {out.size(), b.length, toServer ? 1 : 0, connectionStart ? 1 : 0});
            out.writeBytes(b);
        }

        /** An operation's feed of frames whose stream ids are relative ({@link Frames#fresh}). */
        private void op(boolean toServer, Frames f) {
            for (int k = 0; k < f.idAt.size(); k++) {
                ids.add(out.size() + f.idAt.get(k));
                idStreams.add(f.idStream.get(k));
            }
            op(toServer, f.bytes());
        }

        private int opSize() {
            return op.stream().mapToInt(f -> f[1]).sum();
        }

        private Input done() {
            bytes = out.toByteArray();
            setupAt = setup.stream().mapToInt(f -> f[0]).toArray();
            setupLength = setup.stream().mapToInt(f -> f[1]).toArray();
            setupToServer = new boolean[setup.size()];
            for (int i = 0; i < setup.size(); i++) {
                setupToServer[i] = setup.get(i)[2] == 1;
            }
            at = op.stream().mapToInt(f -> f[0]).toArray();
            length = op.stream().mapToInt(f -> f[1]).toArray();
            toServer = new boolean[op.size()];
            newConnection = new boolean[op.size()];
            for (int i = 0; i < op.size(); i++) {
                toServer[i] = op.get(i)[2] == 1;
                newConnection[i] = op.get(i)[3] == 1;
            }
            idAt = ids.stream().mapToInt(Integer::intValue).toArray();
            idStream = idStreams.stream().mapToInt(Integer::intValue).toArray();
            streamsPerOp = idStream.length == 0 ? 0 : Arrays.stream(idStream).max().getAsInt() + 1;
            opBytes = opSize();
            return this;
        }

        static Input build(String input) throws Exception {
            Input in = new Input();
            if (input.startsWith("h1-")) {
                in.family = HTTP1;
                http1(in, input);
            } else if (input.startsWith("h2-")) {
                in.family = HTTP2;
                http2(in, input);
            } else if (input.startsWith("tls-")) {
                in.family = TLS;
                tls(in, input);
            } else {
                throw new IllegalArgumentException("no such input: " + input);
            }
            return in.done();
        }

        // -- HTTP/1.x --

        static final byte[] REQUEST = ascii("GET /api/v1/orders/48213?include=items HTTP/1.1\r\n"
                + "Host: orders.internal.example.com:8080\r\n"
                + "User-Agent: curl/8.5.0\r\n"
                + "Accept: application/json\r\n"
                + "Accept-Encoding: gzip, deflate\r\n"
                + "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
                + "\r\n");
        static final byte[] RESPONSE = ascii("HTTP/1.1 200 \r\n"
                + "Vary: Origin\r\n"
                + "Vary: Access-Control-Request-Method\r\n"
                + "Vary: Access-Control-Request-Headers\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: 2\r\n"
                + "Date: Sun, 06 Dec 2026 12:00:00 GMT\r\n"
                + "Keep-Alive: timeout=60\r\n"
                + "Connection: keep-alive\r\n"
                + "\r\n{}");

        private static void http1(Input in, String input) {
            switch (input) {
                case "h1-normal":
                case "h1-1-byte-reads":
                    while (in.opSize() < FAMILY_BYTES) {
                        in.op(true, REQUEST);
                        in.op(false, RESPONSE);
                        in.requestsPerOp++;
                    }
                    if (input.equals("h1-1-byte-reads")) {
                        in.chunk = 1;
                    }
                    break;
                case "h1-10k-headers": {
                    StringBuilder head = new StringBuilder("GET /many HTTP/1.1\r\nHost: x\r\n");
                    for (int i = 0; i < 10_000; i++) {
                        head.append(String.format("X%04d: v\r\n", i));
                    }
                    byte[] request = ascii(head.append("\r\n").toString());
                    while (in.opSize() < FAMILY_BYTES) {
                        in.op(true, request);
                        in.op(false, RESPONSE);
                        in.requestsPerOp++;
                    }
                    break;
                }
                case "h1-1mb-header-line": {
                    byte[] start = ascii("GET /big HTTP/1.1\r\nHost: x\r\nCookie: ");
                    byte[] request = new byte[start.length + FAMILY_BYTES + 4];
                    System.arraycopy(start, 0, request, 0, start.length);
                    Arrays.fill(request, start.length, start.length + FAMILY_BYTES, (byte) 'a');
                    System.arraycopy(ascii("\r\n\r\n"), 0, request, request.length - 4, 4);
                    in.op(true, request);
                    in.op(false, RESPONSE);
                    in.requestsPerOp = 1;
                    in.chunk = READ;
                    break;
                }
                case "h1-garbage": {
                    in.setup(true, REQUEST);
                    in.setup(false, RESPONSE);
                    byte[] garbage = new byte[READ];
                    Random random = new Random(20261206);
                    while (in.opSize() < FAMILY_BYTES) {
                        random.nextBytes(garbage);
                        in.op(in.op.size() % 2 == 0, garbage.clone());
                    }
                    in.chunk = READ;
                    break;
                }
                case "h1-unknown-method": {
                    in.setup(true, REQUEST);
                    in.setup(false, RESPONSE);
                    byte[] read = new byte[2048];
                    Arrays.fill(read, (byte) 'x');
                    byte[] start = ascii("BREW /pot-of-coffee ");
                    System.arraycopy(start, 0, read, 0, start.length);
                    while (in.opSize() < FAMILY_BYTES) {
                        in.op(true, read);
                    }
                    break;
                }
                case "h1-pipelined-50": {
                    ByteArrayOutputStream requests = new ByteArrayOutputStream();
                    ByteArrayOutputStream responses = new ByteArrayOutputStream();
                    for (int i = 0; i < 50; i++) {
                        requests.writeBytes(REQUEST);
                        responses.writeBytes(RESPONSE);
                    }
                    while (in.opSize() < FAMILY_BYTES) {
                        in.op(true, requests.toByteArray());
                        in.op(false, responses.toByteArray());
                        in.requestsPerOp += 50;
                    }
                    break;
                }
                default:
                    throw new IllegalArgumentException("no such input: " + input);
            }
        }

        // -- HTTP/2 --

        private static final int DATA = 0x0;
        private static final int HEADERS = 0x1;
        private static final int RST_STREAM = 0x3;
        private static final int SETTINGS = 0x4;
        private static final int PING = 0x6;
        private static final int GOAWAY = 0x7;
        private static final int CONTINUATION = 0x9;
        private static final int END_STREAM = 0x1;
        private static final int END_HEADERS = 0x4;
        /** :method POST, :scheme http, :path / (static table, one byte each). */
        private static final byte[] SMALL_REQUEST_BLOCK = {(byte) 0x83, (byte) 0x86, (byte) 0x84};
        /** :status 200. */
        private static final byte[] STATUS_200 = {(byte) 0x88};

        private static void http2(Input in, String input) throws Exception {
            Http2ExchangeBenchmark.Layout l = Http2ExchangeBenchmark.Layout.build(true);
            byte[] b = l.bytes;
            // The connection's setup and a first gRPC call on stream 1, as the grpc-java client and server send them.
            in.setup(true, Arrays.copyOfRange(b, l.clientSetupAt, l.clientSetupAt + l.clientSetupLength));
            in.setup(false, Arrays.copyOfRange(b, l.serverSetupAt, l.serverSetupAt + l.serverSetupLength));
            in.setup(true, Arrays.copyOfRange(b, l.firstRequestAt, l.firstRequestAt + l.firstRequestLength));
            in.setup(false, Arrays.copyOfRange(b, l.firstResponseAt, l.firstResponseAt + l.firstResponseLength));
            in.firstOpStream = 3;
            in.requestsPerOp = 0;
            in.chunk = READ;
            switch (input) {
                case "h2-normal": {
                    in.localIsClient = true;
                    byte[] request = Arrays.copyOfRange(b, l.requestAt, l.requestAt + l.requestLength);
                    byte[] response = Arrays.copyOfRange(b, l.responseAt, l.responseAt + l.responseLength);
                    byte[] ping = Arrays.copyOfRange(b, l.pingAt, l.pingAt + l.pingLength);
                    byte[] pingAck = Arrays.copyOfRange(b, l.pingAckAt, l.pingAckAt + l.pingLength);
                    int k = 0;
                    while (in.opSize() < FAMILY_BYTES) {
                        in.op(true, Frames.rewritten(request, l.streamIdAt, l.requestAt, k));
                        in.op(false, Frames.rewritten(response, l.streamIdAt, l.responseAt, k));
                        in.op(true, ping);
                        in.op(false, pingAck);
                        in.requestsPerOp++;
                        k++;
                    }
                    break;
                }
                case "h2-ping-flood": {
                    Frames f = new Frames();
                    while (f.size() < FAMILY_BYTES) {
                        f.frame(PING, 0, 0, ByteBuffer.allocate(8).putLong(0x1234_5678_9abc_def0L).array());
                    }
                    in.op(true, f);
                    break;
                }
                case "h2-settings-flood": {
                    Frames f = new Frames();
                    byte[] settings = ByteBuffer.allocate(36).putShort((short) 1).putInt(4096)
                            .putShort((short) 2).putInt(0).putShort((short) 3).putInt(100)
                            .putShort((short) 4).putInt(1 << 20).putShort((short) 5).putInt(16384)
                            .putShort((short) 6).putInt(8192).array();
                    while (f.size() < FAMILY_BYTES) {
                        f.frame(SETTINGS, 0, 0, settings);
                    }
                    in.op(true, f);
                    break;
                }
                case "h2-rapid-reset":
                case "h2-reset-1024-open":
                case "h2-end-stream-1024-open":
                case "h2-end-stream-1024-colliding": {
                    int last = 0;
                    if (!input.equals("h2-rapid-reset")) {
                        int[] ids = input.endsWith("-colliding") ? collidingStreamIds(1024) : new int[1024];
                        if (!input.endsWith("-colliding")) {
                            for (int i = 0; i < 1024; i++) {
                                ids[i] = 3 + 2 * i;
                            }
                        }
                        Frames open = new Frames();
                        for (int id : ids) {
                            open.frame(HEADERS, END_HEADERS, id, SMALL_REQUEST_BLOCK);
                        }
                        in.setup(true, open.bytes());
                        last = ids[1023];
                        in.firstOpStream = last + 2;
                        in.openStreamsHeld = 1024;
                    }
                    Frames f = new Frames();
                    if (input.startsWith("h2-end-stream-")) {
                        while (f.size() < FAMILY_BYTES) {
                            f.frame(DATA, END_STREAM, last, new byte[0]);
                        }
                    } else {
                        byte[] cancel = ByteBuffer.allocate(4).putInt(0x8).array();
                        for (int k = 0; f.size() < FAMILY_BYTES; k++) {
                            f.fresh(HEADERS, END_HEADERS, k, SMALL_REQUEST_BLOCK);
                            f.fresh(RST_STREAM, 0, k, cancel);
                            in.requestsPerOp++;
                        }
                    }
                    in.op(true, f);
                    break;
                }
                case "h2-hpack-size-updates": {
                    // Each block: size update to 0, then to 4096 (0x3fe11f), 4095 times, then a request's fields.
                    ByteArrayOutputStream block = new ByteArrayOutputStream();
                    for (int i = 0; i < 4095; i++) {
                        block.writeBytes(new byte[] {0x20, 0x3f, (byte) 0xe1, 0x1f});
                    }
                    block.writeBytes(SMALL_REQUEST_BLOCK);
                    Frames requests = new Frames();
                    Frames responses = new Frames();
                    for (int k = 0; requests.size() + responses.size() < FAMILY_BYTES; k++) {
                        requests.fresh(HEADERS, END_HEADERS | END_STREAM, k, block.toByteArray());
                        responses.fresh(HEADERS, END_HEADERS | END_STREAM, k, STATUS_200);
                        in.requestsPerOp++;
                    }
                    in.op(true, requests);
                    in.op(false, responses);
                    break;
                }
                case "h2-continuation-1mb": {
                    // Literal fields without indexing, new name "x-pad", 100-byte values: a 1 MiB block.
                    ByteArrayOutputStream block = new ByteArrayOutputStream();
                    block.writeBytes(SMALL_REQUEST_BLOCK);
                    byte[] field = new byte[1 + 1 + 5 + 1 + 100];
                    field[0] = 0x00;
                    field[1] = 5;
                    System.arraycopy(ascii("x-pad"), 0, field, 2, 5);
                    field[7] = 100;
                    Arrays.fill(field, 8, field.length, (byte) 'a');
                    while (block.size() < FAMILY_BYTES - 16 * 1024) {
                        block.writeBytes(field);
                    }
                    byte[] all = block.toByteArray();
                    Frames requests = new Frames();
                    int fragment = 16 * 1024;
                    for (int from = 0; from < all.length; from += fragment) {
                        int to = Math.min(all.length, from + fragment);
                        int flags = (to == all.length ? END_HEADERS : 0) | (from == 0 ? END_STREAM : 0);
                        requests.fresh(from == 0 ? HEADERS : CONTINUATION, flags, 0, Arrays.copyOfRange(all, from, to));
                    }
                    Frames response = new Frames();
                    response.fresh(HEADERS, END_HEADERS | END_STREAM, 0, STATUS_200);
                    in.op(true, requests);
                    in.op(false, response);
                    in.requestsPerOp = 1;
                    break;
                }
                case "h2-goaway-1mb": {
                    in.localIsClient = true;
                    byte[] payload = new byte[FAMILY_BYTES - 9];
                    ByteBuffer.wrap(payload).putInt(1).putInt(0); // last stream 1, NO_ERROR
                    Arrays.fill(payload, 8, payload.length, (byte) 'd');
                    Frames f = new Frames();
                    f.frame(GOAWAY, 0, 0, payload);
                    in.op(false, f);
                    break;
                }
                default:
                    throw new IllegalArgumentException("no such input: " + input);
            }
        }

        /**
         * {@code n} client stream ids (odd, rising, from 3) that would all start at the same place of the agent's
         * open-stream index, at its largest (2048 places) and so at every smaller size, were its seed 0: the place
         * Http2Streams.home gives, copied here (this class uses no agent class). What a peer that knows the code but
         * not the connection's seed could pick.
         */
        static int[] collidingStreamIds(int n) {
            int[] ids = new int[n];
            int found = 0;
            int want = home(3);
            for (int id = 3; found < n; id += 2) {
                if (home(id) == want) {
                    ids[found++] = id;
                }
            }
            return ids;
        }

        private static int home(int streamId) {
            int h = streamId * 0x9e3779b9;
            return (h ^ (h >>> 16)) & 2047;
        }

        // -- TLS --

        /** A 517-byte ClientHello record, as curl's and the JDK's are (padded): what a connection's first write carries. */
        static byte[] clientHello(int seed) {
            ByteBuffer body = ByteBuffer.allocate(508);
            body.putShort((short) 0x0303);
            byte[] random = new byte[32];
            new Random(seed).nextBytes(random);
            body.put(random);
            body.put((byte) 32).put(new byte[32]); // legacy session id
            body.putShort((short) 8).putShort((short) 0x1301).putShort((short) 0x1302).putShort((short) 0x1303)
                    .putShort((short) 0xc02f);
            body.put((byte) 1).put((byte) 0); // compression: null
            int extensionsLength = body.remaining() - 2;
            body.putShort((short) extensionsLength);
            // server_name, then padding (RFC 7685) to the end.
            byte[] host = ascii("api.example.com");
            body.putShort((short) 0).putShort((short) (host.length + 5)).putShort((short) (host.length + 3))
                    .put((byte) 0).putShort((short) host.length).put(host);
            body.putShort((short) 21).putShort((short) (body.remaining() - 2));
            ByteBuffer record = ByteBuffer.allocate(5 + 4 + 508);
            record.put((byte) 0x16).putShort((short) 0x0301).putShort((short) (4 + 508));
            record.put((byte) 0x01).put((byte) 0).putShort((short) 508);
            record.put(body.array());
            return record.array();
        }

        private static void tls(Input in, String input) {
            switch (input) {
                case "tls-hello": {
                    for (int c = 0; c < 6; c++) {
                        in.op(true, clientHello(c), true);
                        in.requestsPerOp++; // here: keys found
                    }
                    break;
                }
                case "tls-hello-1-byte-records": {
                    byte[] hello = clientHello(0);
                    // The handshake message (after the 5-byte record header), one byte per record, one record per read.
                    for (int i = 5; i < hello.length; i++) {
                        in.op(true, new byte[] {0x16, 0x03, 0x01, 0x00, 0x01, hello[i]}, i == 5);
                    }
                    break;
                }
                default:
                    throw new IllegalArgumentException("no such input: " + input);
            }
        }

        static byte[] ascii(String s) {
            return s.getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** HTTP/2 frames (RFC 9113, 4.1), some on streams numbered from each operation's first new stream. */
    static final class Frames {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final List<Integer> idAt = new ArrayList<>();
        final List<Integer> idStream = new ArrayList<>();

        int size() {
            return out.size();
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        void frame(int type, int flags, int stream, byte[] payload) {
            write(out, type, flags, stream, payload);
        }

        /** One frame: its 9-byte header (length, type, flags, stream id), then its payload. */
        static void write(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
            out.write(payload.length >>> 16);
            out.write(payload.length >>> 8);
            out.write(payload.length);
            out.write(type);
            out.write(flags);
            out.writeBytes(ByteBuffer.allocate(4).putInt(stream).array());
            out.writeBytes(payload);
        }

        /** A frame on the operation's {@code k}th new stream (its id written before each operation). */
        void fresh(int type, int flags, int k, byte[] payload) {
            idAt.add(out.size() + 5);
            idStream.add(k);
            frame(type, flags, 0, payload);
        }

        /** {@link Http2ExchangeBenchmark.Layout}'s frames at {@code from}, their stream ids made relative ({@code k}). */
        static Frames rewritten(byte[] frames, int[] streamIdAt, int from, int k) {
            Frames f = new Frames();
            f.out.writeBytes(frames);
            for (int at : streamIdAt) {
                if (at >= from && at < from + frames.length) {
                    f.idAt.add(at - from);
                    f.idStream.add(k);
                }
            }
            return f;
        }
    }
}
