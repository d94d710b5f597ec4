package io.connscope.agent.config;

import java.io.PrintStream;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The options in force, resolved once at start from, highest precedence first: agent arguments
 * ({@code -javaagent:connscope-agent.jar=key=value,...}), system properties ({@code -Dconnscope.*}),
 * environment variables ({@code CONNSCOPE_*}), and the defaults of {@link Option}.
 *
 * <p>A bad value never stops the agent: it prints one line on stderr naming the option, the value, where it
 * came from and what is accepted, and the default applies.
 */
public final class AgentConfig {

    /** What an OpenTelemetry setting for connscope only is prefixed with: {@code connscope.otel.exporter.otlp.endpoint}. */
    public static final String OTEL_OVERRIDE_PREFIX = "connscope.";

    private final Map<Option, Object> values = new EnumMap<>(Option.class);
    private final Map<String, String> otelOverrides = new LinkedHashMap<>();

    private AgentConfig() {
    }

    public static AgentConfig fromEnvironment(String agentArgs) {
        return load(agentArgs, System.getProperties(), System.getenv(), System.err);
    }

    public static AgentConfig defaults() {
        return load(null, new Properties(), Map.of(), System.err);
    }

    public static AgentConfig load(String agentArgs, Properties properties, Map<String, String> env, PrintStream err) {
        AgentConfig config = new AgentConfig();
        Map<String, String> args = parseAgentArgs(agentArgs, err);
        for (String key : args.keySet()) {
            if (Option.byKey(key) == null && !isOtelOverride(key)) {
                err.println("connscope: unknown option '" + key + "' in agent arguments; known: " + knownKeys());
            }
        }
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith("connscope.") && Option.byKey(name) == null && !isOtelOverride(name)) {
                err.println("connscope: unknown option '-D" + name + "'; known: " + knownKeys());
            }
        }
        for (String name : env.keySet()) {
            if (name.startsWith("CONNSCOPE_") && byEnvName(name) == null && !isOtelOverride(envToKey(name))) {
                err.println("connscope: unknown environment variable '" + name + "'; known: " + knownEnvNames());
            }
        }
        for (Option option : Option.values()) {
            String raw;
            String from;
            if (args.containsKey(option.key())) {
                raw = args.get(option.key());
                from = "agent argument " + option.key();
            } else if (properties.getProperty(option.key()) != null) {
                raw = properties.getProperty(option.key());
                from = "-D" + option.key();
            } else if (env.get(option.envName()) != null) {
                raw = env.get(option.envName());
                from = "environment variable " + option.envName();
            } else {
                raw = null;
                from = null;
            }
            Object value = raw == null ? null : option.type().parse(raw.trim());
            if (raw != null && value == null) {
                err.println("connscope: invalid value '" + raw + "' for " + from + ": expected "
                        + option.type().accepted() + "; using the default '" + option.defaultValue() + "'");
            }
            config.values.put(option, value != null ? value : option.type().parse(option.defaultValue()));
        }
        // Lowest precedence first, so that a higher source replaces what a lower one set.
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().startsWith("CONNSCOPE_") && byEnvName(e.getKey()) == null && isOtelOverride(envToKey(e.getKey()))) {
                config.otelOverrides.put(envToKey(e.getKey()).substring(OTEL_OVERRIDE_PREFIX.length()), e.getValue());
            }
        }
        for (String name : properties.stringPropertyNames()) {
            if (Option.byKey(name) == null && isOtelOverride(name)) {
                config.otelOverrides.put(name.substring(OTEL_OVERRIDE_PREFIX.length()), properties.getProperty(name));
            }
        }
        for (Map.Entry<String, String> e : args.entrySet()) {
            if (Option.byKey(e.getKey()) == null && isOtelOverride(e.getKey())) {
                config.otelOverrides.put(e.getKey().substring(OTEL_OVERRIDE_PREFIX.length()), e.getValue());
            }
        }
        return config;
    }

    /**
     * {@code connscope.otel.<setting>} that is not one of connscope's own options: the OpenTelemetry setting
     * {@code otel.<setting>} for connscope's SDK only, over whatever {@code -Dotel.*} and {@code OTEL_*} say (which
     * the OpenTelemetry Java agent, or the application's SDK, read as well).
     */
    static boolean isOtelOverride(String key) {
        return key.startsWith(OTEL_OVERRIDE_PREFIX + "otel.") && key.length() > (OTEL_OVERRIDE_PREFIX + "otel.").length()
                && Option.byKey(key) == null;
    }

    /** {@code CONNSCOPE_OTEL_EXPORTER_OTLP_ENDPOINT} is {@code connscope.otel.exporter.otlp.endpoint}. */
    private static String envToKey(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
    }

    /**
     * {@code key=value,key=value}. A piece without '=' after a list option continues its value
     * ({@code instrumentation.disabled=okhttp,netty-pool}); anywhere else it is reported and skipped.
     */
    static Map<String, String> parseAgentArgs(String agentArgs, PrintStream err) {
        Map<String, String> args = new LinkedHashMap<>();
        if (agentArgs == null || agentArgs.trim().isEmpty()) {
            return args;
        }
        String last = null;
        for (String piece : agentArgs.split(",")) {
            int eq = piece.indexOf('=');
            if (eq <= 0) {
                Option previous = last == null ? null : Option.byKey(last);
                if (previous != null && previous.type().isList()) {
                    args.put(last, args.get(last) + "," + piece);
                } else {
                    err.println("connscope: agent argument '" + piece + "' is not key=value; ignored");
                }
                continue;
            }
            String key = piece.substring(0, eq).trim();
            last = key.startsWith("connscope.") ? key : "connscope." + key;
            args.put(last, piece.substring(eq + 1));
        }
        return args;
    }

    private static Option byEnvName(String name) {
        for (Option o : Option.values()) {
            if (o.envName().equals(name)) {
                return o;
            }
        }
        return null;
    }

    private static String knownKeys() {
        StringBuilder sb = new StringBuilder();
        for (Option o : Option.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(o.key());
        }
        return sb.toString();
    }

    private static String knownEnvNames() {
        StringBuilder sb = new StringBuilder();
        for (Option o : Option.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(o.envName());
        }
        return sb.toString();
    }

    public boolean bool(Option option) {
        return (Boolean) values.get(option);
    }

    public long number(Option option) {
        return (Long) values.get(option);
    }

    @SuppressWarnings("unchecked")
    public java.util.Set<String> names(Option option) {
        return (java.util.Set<String>) values.get(option);
    }

    public String string(Option option) {
        return (String) values.get(option);
    }

    /**
     * OpenTelemetry settings for connscope's SDK only ({@code otel.*} keys), from {@code connscope.otel.*} agent
     * arguments and system properties and {@code CONNSCOPE_OTEL_*} variables; empty when none is set.
     */
    public Map<String, String> otelOverrides() {
        return java.util.Collections.unmodifiableMap(otelOverrides);
    }

    /** The options as {@code help} prints them and the README shows them: a Markdown table. */
    public static String optionTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| Option (-D or agent argument) | Environment variable | Default | Accepts | What it does |\n");
        sb.append("|---|---|---|---|---|\n");
        for (Option o : Option.values()) {
            sb.append("| `").append(o.key()).append("` | `").append(o.envName()).append("` | ")
                    .append(o.defaultValue().isEmpty() ? "(none)" : "`" + o.defaultValue() + "`").append(" | ")
                    .append(o.type().accepted()).append(" | ").append(o.description()).append(" |\n");
        }
        return sb.toString();
    }
}
