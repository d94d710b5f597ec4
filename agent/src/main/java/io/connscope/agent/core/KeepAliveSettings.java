package io.connscope.agent.core;

/**
 * The TCP keep-alive settings in effect on a connection: whether the kernel probes an idle connection
 * (SO_KEEPALIVE), after how long (TCP_KEEPIDLE), how often (TCP_KEEPINTERVAL) and how many unanswered probes
 * declare it dead (TCP_KEEPCOUNT).
 *
 * <p>The three timings exist on every socket even while SO_KEEPALIVE is off; they are reported anyway, because
 * they are what the connection would use once keep-alive is turned on. A value the agent could not read is null.
 */
public final class KeepAliveSettings {

    /** Who decided the values. */
    public enum Source {
        /** The application set a keep-alive option on this socket or on the listening socket it was accepted from. */
        APP("app"),
        /** Nothing was set: the values are the operating system's defaults. */
        OS_DEFAULT("os_default");

        private final String wireName;

        Source(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    public final Boolean enabled;
    public final Integer idleSeconds;
    public final Integer intervalSeconds;
    public final Integer count;
    public final Source source;

    public KeepAliveSettings(Boolean enabled, Integer idleSeconds, Integer intervalSeconds, Integer count, Source source) {
        this.enabled = enabled;
        this.idleSeconds = idleSeconds;
        this.intervalSeconds = intervalSeconds;
        this.count = count;
        this.source = source;
    }

    /**
     * Combines the values read from the socket with what is known about who set them.
     *
     * @param effective   values read from the socket; any may be null when it could not be read
     * @param appSet      whether the application set any keep-alive option (here or on the listener)
     * @param osDefaults  the kernel's defaults; fills values that could not be read when the application set none
     */
    public static KeepAliveSettings resolve(KeepAliveSettings effective, boolean appSet, KeepAliveSettings osDefaults) {
        if (effective == null && !appSet && osDefaults.source == Source.OS_DEFAULT
                && Boolean.FALSE.equals(osDefaults.enabled)) {
            return osDefaults; // the common case, at most closes: nothing read, nothing set (shared, immutable)
        }
        Boolean enabled = effective == null ? null : effective.enabled;
        Integer idle = effective == null ? null : effective.idleSeconds;
        Integer interval = effective == null ? null : effective.intervalSeconds;
        Integer count = effective == null ? null : effective.count;
        boolean differs = enabled != null && enabled
                || differs(idle, osDefaults.idleSeconds)
                || differs(interval, osDefaults.intervalSeconds)
                || differs(count, osDefaults.count);
        Source source = appSet || differs ? Source.APP : Source.OS_DEFAULT;
        if (source == Source.OS_DEFAULT) {
            // Unreadable values that nobody set are the kernel's defaults.
            enabled = enabled == null ? Boolean.FALSE : enabled;
            idle = idle == null ? osDefaults.idleSeconds : idle;
            interval = interval == null ? osDefaults.intervalSeconds : interval;
            count = count == null ? osDefaults.count : count;
        }
        return new KeepAliveSettings(enabled, idle, interval, count, source);
    }

    private static boolean differs(Integer value, Integer osDefault) {
        return value != null && osDefault != null && !value.equals(osDefault);
    }

    public boolean isEnabled() {
        return Boolean.TRUE.equals(enabled);
    }

    /** Short form for the console: {@code on idle=10s intvl=5s cnt=3 (app)}. */
    public String describe() {
        return (enabled == null ? "?" : enabled ? "on" : "off")
                + " idle=" + orQuestion(idleSeconds) + "s intvl=" + orQuestion(intervalSeconds) + "s cnt="
                + orQuestion(count) + " (" + source.wireName + ")";
    }

    private static String orQuestion(Integer v) {
        return v == null ? "?" : v.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
