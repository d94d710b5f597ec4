package io.connscope.demo;

import java.util.Map;

/** One connection as connscope reported it: the fields of its JSON object that the scenarios compare. */
final class SeenConnection {

    final Map<String, Object> json;

    SeenConnection(Map<String, Object> json) {
        this.json = json;
    }

    String direction() {
        return (String) json.get("direction");
    }

    boolean outbound() {
        return "outbound".equals(direction());
    }

    int localPort() {
        return number(json.get("local_port"));
    }

    int remotePort() {
        return number(json.get("remote_port"));
    }

    /** The HTTP server's port: the remote one for outbound connections, ours for inbound ones. */
    int serverPort() {
        return outbound() ? remotePort() : localPort();
    }

    /** The client's port: ours for outbound connections, the remote one for inbound ones. */
    int clientPort() {
        return outbound() ? localPort() : remotePort();
    }

    int requests() {
        return number(json.get("requests"));
    }

    String closeInitiator() {
        return (String) json.get("close_initiator");
    }

    String closeReason() {
        return (String) json.get("close_reason");
    }

    String state() {
        return (String) json.get("state");
    }

    double durationMillis() {
        Object d = json.get("duration_ms");
        return d == null ? -1 : (Double) d;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> keepalive() {
        Object k = json.get("keepalive");
        return k instanceof Map ? (Map<String, Object>) k : Map.of();
    }

    boolean keepaliveEnabled() {
        return Boolean.TRUE.equals(keepalive().get("enabled"));
    }

    /** {@code on idle=1s intvl=1s cnt=3 (app)}, as the console line says it. */
    String keepaliveText() {
        Map<String, Object> k = keepalive();
        return (keepaliveEnabled() ? "on" : "off") + " idle=" + number(k.get("idle_s")) + "s intvl="
                + number(k.get("interval_s")) + "s cnt=" + number(k.get("count")) + " (" + k.get("source") + ")";
    }

    int keepaliveIdleSeconds() {
        return number(keepalive().get("idle_s"));
    }

    int keepaliveIntervalSeconds() {
        return number(keepalive().get("interval_s"));
    }

    private static int number(Object o) {
        return o == null ? -1 : ((Double) o).intValue();
    }

    /** One line: what the demo prints under "connscope saw". */
    @SuppressWarnings("unchecked")
    private Map<String, Object> object(Map<String, Object> in, String key) {
        Object o = in == null ? null : in.get(key);
        return o instanceof Map ? (Map<String, Object>) o : null;
    }

    /** Whether connscope followed HTTP/2 on it. */
    boolean http2() {
        return object(json, "http2") != null;
    }

    /** {@code http2.pings.SIDE.FIELD} ({@code sent}, {@code acked}), -1 when absent. */
    int http2Pings(String side, String field) {
        Map<String, Object> p = object(object(object(json, "http2"), "pings"), side);
        return p == null ? -1 : number(p.get(field));
    }

    /** {@code http2.pings.SIDE.interval_avg_ms}, -1 when absent. */
    double http2PingIntervalMillis(String side) {
        Map<String, Object> p = object(object(object(json, "http2"), "pings"), side);
        Object v = p == null ? null : p.get("interval_avg_ms");
        return v == null ? -1 : (Double) v;
    }

    /** How many round trips {@code http2.ping_rtt_ms} has, 0 when none. */
    int http2RoundTrips() {
        Map<String, Object> rtt = object(object(json, "http2"), "ping_rtt_ms");
        return rtt == null ? 0 : number(rtt.get("count"));
    }

    /** {@code http2.ping_rtt_ms} as {@code min/avg/max ms}, or {@code -}. */
    String http2RoundTripText() {
        Map<String, Object> rtt = object(object(json, "http2"), "ping_rtt_ms");
        return rtt == null ? "-" : String.format("%.2f/%.2f/%.2f ms", (Double) rtt.get("min"), (Double) rtt.get("avg"),
                (Double) rtt.get("max"));
    }

    String describe() {
        return String.format("%-8s #%s :%d -> :%d %s closed_by=%s close_reason=%s requests=%d keepalive=%s dur=%.1fms",
                direction(), number(json.get("id")), localPort(), remotePort(), state(), closeInitiator(),
                closeReason(), requests(), keepaliveText(), durationMillis())
                + (http2() ? String.format(" h2 pings client=%d/%d server=%d/%d ping_rtt=%s", http2Pings("client", "sent"),
                http2Pings("client", "acked"), http2Pings("server", "sent"), http2Pings("server", "acked"),
                http2RoundTripText()) : "");
    }
}
