package io.connscope.agent.config;

import io.connscope.agent.core.AsciiCase;

import java.util.Arrays;
import java.util.List;

/**
 * connscope's options: the one table that the agent reads, {@code help} prints and docs/options.md shows.
 *
 * <p>Each option has a key ({@code connscope.*}, also accepted as an agent argument and as a
 * {@code CONNSCOPE_*} environment variable), a type that says what is accepted, a default and a description.
 */
public enum Option {
    ENABLED("connscope.enabled", Type.BOOLEAN, "true",
            "Turns the agent on or off. With false nothing is instrumented."),
    CONFIG_FILE("connscope.config.file", Type.PATH, "",
            "A properties file of options (key=value lines, keys as in this table, the connscope. prefix optional), "
                    + "below agent arguments, -D and environment variables in precedence."),
    CONSOLE("connscope.console", Type.choice("off", "summary", "connections"), "connections",
            "What goes to stderr: nothing, the per-peer summary, or also one line per finished connection."),
    CONSOLE_LINES_PER_SECOND("connscope.console.lines.per.second", Type.range(0, 1_000_000), "100",
            "With console=connections, most connection lines printed a second; lines beyond are left out and "
                    + "their number is said in one line after that second (the summary and the events file have "
                    + "every connection). 0 prints every line."),
    SUMMARY_INTERVAL("connscope.summary.interval", Type.range(0, 86_400), "60",
            "Seconds between per-peer summaries on the console; 0 prints one only at JVM exit."),
    EVENTS_FILE("connscope.events.file", Type.PATH, "",
            "Write JSON Lines to this file: one object per finished connection and, at exit, one per open one."),
    EVENTS_REQUESTS("connscope.events.requests", Type.BOOLEAN, "false",
            "With connscope.events.file, also write one object per HTTP/1.x request (\"type\":\"request\")."),
    REPORT_FILE("connscope.report.file", Type.PATH, "",
            "At exit, write an HTML report of every connection and its HTTP requests to this file: one page "
                    + "with everything embedded (java -jar connscope-agent.jar report EVENTS.jsonl makes the same "
                    + "from an events file). Requests are then followed as with connscope.events.requests."),
    MAX_CONNECTIONS("connscope.max.connections", Type.range(16, 10_000_000), "100000",
            "Most sockets tracked at once; sockets beyond are not traced and are counted as untracked."),
    QUEUE_SIZE("connscope.queue.size", Type.range(16, 1_000_000), "65536",
            "Most finished connections waiting to be reported; beyond that reports are dropped and counted."),
    INSTRUMENTATION_DISABLED("connscope.instrumentation.disabled", Type.names(InstrumentationNames.ALL), "",
            "Instrumentations to leave out, by name, comma-separated (as an agent argument too: "
                    + "instrumentation.disabled=okhttp,netty-pool)."),
    OPTIONS_READ("connscope.options.read", Type.choice("when-set", "always"), "when-set",
            "When a connection closes, its keep-alive options and SO_LINGER are read from the socket (5 system "
                    + "calls) if the application set one through the JDK (SO_LINGER only when connscope did not "
                    + "see the value set), or the socket is one whose options "
                    + "connscope cannot see set (Netty's native transport, connections from before an attach); "
                    + "otherwise they are the kernel's defaults. always reads them at every close, to catch "
                    + "options set by native code."),
    KERNEL_INTERVAL("connscope.kernel.interval", Type.range(0, 3_600), "10",
            "Seconds between samples of the kernel's view from /proc (Linux): TIME_WAIT per peer, ephemeral port "
                    + "usage, unanswered keep-alive probes; 0 turns sampling off."),
    OTEL("connscope.otel", Type.choice("auto", "on", "off"), "auto",
            "OpenTelemetry export (spans and metrics, configured with the standard OTEL_* / -Dotel.* settings). "
                    + "Any otel.* setting prefixed with connscope. (CONNSCOPE_OTEL_* in the environment, otel.* as an "
                    + "agent argument) applies to connscope only and wins over the standard one, e.g. "
                    + "-Dconnscope.otel.exporter.otlp.endpoint beside the OpenTelemetry Java agent's -Dotel.*. "
                    + "auto: on when an exporter or OTLP endpoint is configured (otel.traces.exporter, "
                    + "otel.metrics.exporter, otel.exporter.otlp.endpoint or its traces and metrics variants, as -D or OTEL_*)."),
    OTEL_SPAN_MAX_DURATION("connscope.otel.span.max.duration", Type.range(1, 86_400), "60",
            "Seconds after which a connection's span is ended and continued by a new, linked span, so that "
                    + "long-lived connections show before they close."),
    OTEL_REQUEST_EVENTS("connscope.otel.request.events", Type.range(0, 10_000), "128",
            "Most span events per connection span, one per HTTP request; 0 for none. Requests beyond are "
                    + "counted on the span (connscope.http.request_events.dropped)."),
    OTEL_REUSED_SPANS("connscope.otel.reused.spans", Type.BOOLEAN, "false",
            "For each sampled request on a reused connection, a zero-length span \"connection reused\" in the "
                    + "request's own trace, under the span its traceparent or B3 header names: the request's index on "
                    + "the connection, the connection's age and its idle time before the request.");

    private final String key;
    private final Type type;
    private final String defaultValue;
    private final String description;

    Option(String key, Type type, String defaultValue, String description) {
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String key() {
        return key;
    }

    /** {@code connscope.events.file} is {@code CONNSCOPE_EVENTS_FILE}. */
    public String envName() {
        return AsciiCase.upper(key).replace('.', '_');
    }

    public Type type() {
        return type;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    public static Option byKey(String key) {
        for (Option o : values()) {
            if (o.key.equals(key)) {
                return o;
            }
        }
        return null;
    }

    /** What an option accepts, and how a raw string becomes a value. */
    public abstract static class Type {
        public static final Type BOOLEAN = new Type("true or false") {
            @Override
            Object parse(String raw) {
                if (AsciiCase.equalsIgnoreCase(raw, "true")) {
                    return Boolean.TRUE;
                }
                if (AsciiCase.equalsIgnoreCase(raw, "false")) {
                    return Boolean.FALSE;
                }
                return null;
            }
        };

        public static final Type PATH = new Type("a file path (empty for none)") {
            @Override
            Object parse(String raw) {
                return raw;
            }
        };

        static Type choice(String... choices) {
            List<String> accepted = Arrays.asList(choices);
            return new Type("one of " + String.join(", ", choices)) {
                @Override
                Object parse(String raw) {
                    String v = AsciiCase.lower(raw);
                    return accepted.contains(v) ? v : null;
                }
            };
        }

        /** Zero or more of {@code names}, comma-separated; the value is a {@code Set<String>}. */
        static Type names(String... names) {
            List<String> accepted = Arrays.asList(names);
            return new Type("names separated by commas, from: " + String.join(", ", names)) {
                @Override
                Object parse(String raw) {
                    java.util.Set<String> chosen = new java.util.TreeSet<>();
                    for (String name : raw.split(",")) {
                        String n = AsciiCase.lower(name.trim());
                        if (n.isEmpty()) {
                            continue;
                        }
                        if (!accepted.contains(n)) {
                            return null;
                        }
                        chosen.add(n);
                    }
                    return chosen;
                }

                @Override
                boolean isList() {
                    return true;
                }
            };
        }

        static Type range(long min, long max) {
            return new Type("a whole number from " + min + " to " + max) {
                @Override
                Object parse(String raw) {
                    try {
                        long v = Long.parseLong(raw.trim());
                        return v >= min && v <= max ? v : null;
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
            };
        }

        private final String accepted;

        private Type(String accepted) {
            this.accepted = accepted;
        }

        /** For people: what values are accepted. */
        public String accepted() {
            return accepted;
        }

        /** The value, or null when {@code raw} is not accepted. */
        abstract Object parse(String raw);

        /** Whether values are comma-separated lists (an agent argument's value then runs on past its commas). */
        boolean isList() {
            return false;
        }
    }
}
