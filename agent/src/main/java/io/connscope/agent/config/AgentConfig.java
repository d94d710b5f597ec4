package io.connscope.agent.config;

import io.connscope.agent.core.AsciiCase;
import io.connscope.agent.core.PlainFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The options in force, resolved once at start from, highest precedence first: agent arguments
 * ({@code -javaagent:connscope-agent.jar=key=value,...}, and the options of {@code attach PID key=value...}, which
 * reach the agent the same way), system properties ({@code -Dconnscope.*}), environment variables
 * ({@code CONNSCOPE_*}), the properties file named by {@code connscope.config.file} (itself taken from the
 * sources above it), and the defaults of {@link Option}. This class is the one place that order is decided.
 *
 * <p>A bad value never stops the agent: it prints one line on stderr naming the option, the value, where it
 * came from and what is accepted, and the default applies. So do an unknown key (in every source), a piece of
 * the agent arguments that is not key=value, and a configuration file that cannot be read (its options then
 * do not apply).
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
        List<Source> sources = new ArrayList<>();
        Source args = new Source("agent argument ");
        for (Map.Entry<String, String> e : parseAgentArgs(agentArgs, err).entrySet()) {
            args.put(e.getKey(), e.getValue(), "unknown option '" + e.getKey() + "' in agent arguments", err);
        }
        sources.add(args);
        Source system = new Source("-D");
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith("connscope.") && !NOT_OPTIONS.contains(name)) {
                system.put(name, properties.getProperty(name), "unknown option '-D" + name + "'", err);
            }
        }
        sources.add(system);
        Source environment = new Source("environment variable ");
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().startsWith("CONNSCOPE_")) {
                Option o = byEnvName(e.getKey());
                if (o != null) {
                    environment.values.put(o, e.getValue());
                } else if (isOtelOverride(envToKey(e.getKey()))) {
                    environment.otel.put(envToKey(e.getKey()).substring(OTEL_OVERRIDE_PREFIX.length()), e.getValue());
                } else {
                    err.println("connscope: unknown environment variable '" + e.getKey() + "'; known: " + knownEnvNames());
                }
            }
        }
        sources.add(environment);
        // The file's own name comes from the sources above it; in the file it would mean nothing.
        Setting file = resolve(Option.CONFIG_FILE, sources);
        if (file != null && !file.raw.trim().isEmpty()) {
            sources.add(readFile(file.raw.trim(), file.from, err));
        }

        AgentConfig config = new AgentConfig();
        for (Option option : Option.values()) {
            Setting setting = resolve(option, sources);
            Object value = setting == null ? null : option.type().parse(setting.raw.trim());
            if (setting != null && value == null) {
                err.println("connscope: invalid value '" + setting.raw + "' for " + setting.from + ": expected "
                        + option.type().accepted() + "; using the default '" + option.defaultValue() + "'");
            }
            config.values.put(option, value != null ? value : option.type().parse(option.defaultValue()));
        }
        // Lowest precedence first, so that a higher source replaces what a lower one set.
        for (int i = sources.size() - 1; i >= 0; i--) {
            config.otelOverrides.putAll(sources.get(i).otel);
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
        return AsciiCase.lower(name).replace('_', '.');
    }

    /**
     * System properties that start with {@code connscope.} and are not options: set by the agent itself
     * ({@code connscope.agent.started}), or switches for connscope's own tests, left out of the table on purpose
     * ({@code FailingSink.PROPERTY}).
     */
    static final Set<String> NOT_OPTIONS = Set.of("connscope.agent.started", "connscope.test.failing.handlers");

    /** A value and where it came from, as messages name it ("-Dconnscope.console"). */
    private static final class Setting {
        final String raw;
        final String from;

        Setting(String raw, String from) {
            this.raw = raw;
            this.from = from;
        }
    }

    /** One place options are given, with the values it gives. */
    private static final class Source {
        final String prefix;
        final String suffix;
        final Map<Option, String> values = new EnumMap<>(Option.class);
        /** connscope.otel.* settings that are not options: otel.* for connscope's SDK only ({@link #isOtelOverride}). */
        final Map<String, String> otel = new LinkedHashMap<>();

        Source(String prefix) {
            this(prefix, "");
        }

        Source(String prefix, String suffix) {
            this.prefix = prefix;
            this.suffix = suffix;
        }

        /** Records {@code key} (with or without the connscope. prefix), or says once that it is unknown. */
        void put(String key, String raw, String unknownMessage, PrintStream err) {
            String full = key.startsWith("connscope.") ? key : "connscope." + key;
            Option o = Option.byKey(full);
            if (o != null) {
                values.put(o, raw);
            } else if (isOtelOverride(full)) {
                otel.put(full.substring(OTEL_OVERRIDE_PREFIX.length()), raw);
            } else {
                err.println("connscope: " + unknownMessage + "; known: " + knownKeys());
            }
        }

        String describe(Option o) {
            return prefix + (prefix.startsWith("environment") ? o.envName() : o.key()) + suffix;
        }
    }

    private static Setting resolve(Option option, List<Source> sources) {
        for (Source s : sources) {
            String raw = s.values.get(option);
            if (raw != null) {
                return new Setting(raw, s.describe(option));
            }
        }
        return null;
    }

    /**
     * The options of a properties file ({@link Properties#load(java.io.Reader)} syntax, UTF-8). A file that cannot
     * be read or parsed gives one line and no options.
     */
    private static Source readFile(String path, String from, PrintStream err) {
        Source source = new Source("", " in config file " + path);
        Properties file = new Properties();
        try (Reader in = PlainFiles.reader(Paths.get(path), StandardCharsets.UTF_8)) {
            file.load(in);
        } catch (IOException | RuntimeException e) {
            err.println("connscope: cannot read the config file '" + path + "' (" + from + "): " + e
                    + "; expected a readable UTF-8 properties file of key=value lines; its options are not applied");
            return source;
        }
        for (String key : new TreeSet<>(file.stringPropertyNames())) {
            String full = key.startsWith("connscope.") ? key : "connscope." + key;
            if (full.equals(Option.CONFIG_FILE.key())) {
                err.println("connscope: config file " + path + ": '" + key + "' is ignored there; name the file as "
                        + "an agent argument, -D" + Option.CONFIG_FILE.key() + " or " + Option.CONFIG_FILE.envName());
                continue;
            }
            source.put(key, file.getProperty(key), "unknown option '" + key + "' in config file " + path, err);
        }
        return source;
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
     * OpenTelemetry settings for connscope's SDK only ({@code otel.*} keys), from {@code connscope.otel.*} in any
     * source (agent arguments, system properties, {@code CONNSCOPE_OTEL_*} variables, the config file); empty when
     * none is set.
     */
    public Map<String, String> otelOverrides() {
        return java.util.Collections.unmodifiableMap(otelOverrides);
    }

    /** The options as {@code help} prints them and docs/options.md shows them: a Markdown table. */
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
