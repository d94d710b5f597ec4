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

    private static int number(Object o) {
        return o == null ? -1 : ((Double) o).intValue();
    }

    /** One line: what the demo prints under "connscope saw". */
    String describe() {
        return String.format("%-8s #%s :%d -> :%d %s closed_by=%s close_reason=%s requests=%d keepalive=%s dur=%.1fms",
                direction(), number(json.get("id")), localPort(), remotePort(), state(), closeInitiator(),
                closeReason(), requests(), keepaliveText(), durationMillis());
    }
}
