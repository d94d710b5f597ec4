package io.connscope.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;

/** The driver's ground-truth lines: {@code TYPE key=value key=value ...}. */
public final class Truth {

    public final String type;
    public final Map<String, String> values;
    public final String line;

    private Truth(String type, Map<String, String> values, String line) {
        this.type = type;
        this.values = values;
        this.line = line;
    }

    public static List<Truth> parse(String stdout) {
        List<Truth> list = new ArrayList<>();
        for (String line : stdout.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 2 || !f[1].startsWith("name=") && !f[0].equals("PAIR")) {
                continue;
            }
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 1; i < f.length; i++) {
                int eq = f[i].indexOf('=');
                if (eq > 0) {
                    m.put(f[i].substring(0, eq), f[i].substring(eq + 1));
                }
            }
            list.add(new Truth(f[0], m, line.trim()));
        }
        return list;
    }

    public String get(String key) {
        String v = values.get(key);
        if (v == null) {
            fail("driver line has no '" + key + "': " + line);
        }
        return v;
    }

    public int port(String key) {
        return Integer.parseInt(get(key));
    }

    public long num(String key) {
        return Long.parseLong(get(key));
    }

    public String name() {
        return values.get("name");
    }

    @Override
    public String toString() {
        return line;
    }
}
