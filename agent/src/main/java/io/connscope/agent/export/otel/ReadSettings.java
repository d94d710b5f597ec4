package io.connscope.agent.export.otel;

import io.connscope.agent.core.AsciiCase;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenTelemetry settings as autoconfigure and its components see them, noting every name they ask for: a
 * {@code connscope.otel.*} setting that nothing asked for is misspelt, or belongs to an exporter that is not
 * configured, and had no effect. The SDK itself ignores unknown names without a word.
 */
final class ReadSettings implements ConfigProperties {

    private final ConfigProperties settings;
    private final Set<String> asked = ConcurrentHashMap.newKeySet();

    ReadSettings(ConfigProperties settings) {
        this.settings = settings;
    }

    /**
     * The names in {@code given} that were never asked for, as given. Names compare as autoconfigure compares them:
     * in lower case, with '-' as '.'.
     */
    List<String> unread(Iterable<String> given) {
        List<String> unread = new ArrayList<>();
        for (String name : given) {
            if (!asked.contains(normalized(name))) {
                unread.add(name);
            }
        }
        return unread;
    }

    private String ask(String name) {
        asked.add(normalized(name));
        return name;
    }

    static String normalized(String name) {
        return AsciiCase.lower(name).replace('-', '.');
    }

    @Override
    public String getString(String name) {
        return settings.getString(ask(name));
    }

    @Override
    public Boolean getBoolean(String name) {
        return settings.getBoolean(ask(name));
    }

    @Override
    public Integer getInt(String name) {
        return settings.getInt(ask(name));
    }

    @Override
    public Long getLong(String name) {
        return settings.getLong(ask(name));
    }

    @Override
    public Double getDouble(String name) {
        return settings.getDouble(ask(name));
    }

    @Override
    public Duration getDuration(String name) {
        return settings.getDuration(ask(name));
    }

    @Override
    public List<String> getList(String name) {
        return settings.getList(ask(name));
    }

    @Override
    public Map<String, String> getMap(String name) {
        return settings.getMap(ask(name));
    }

    @Override
    public ComponentLoader getComponentLoader() {
        return settings.getComponentLoader();
    }
}
