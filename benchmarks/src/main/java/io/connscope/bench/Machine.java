package io.connscope.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;

/** One line on the machine a run measured, for the results table. */
final class Machine {
    private Machine() {
    }

    static String describe(String java) {
        String cpu = firstValue("/proc/cpuinfo", "model name");
        String memory = firstValue("/proc/meminfo", "MemTotal");
        String kernel = read("/proc/sys/kernel/osrelease");
        String os = firstValue("/etc/os-release", "PRETTY_NAME").replace("\"", "");
        long memoryKb = memory.isEmpty() ? 0 : Long.parseLong(memory.replaceAll("[^0-9]", ""));
        return String.format(Locale.ROOT, "%s, %d CPUs, %.1f GiB RAM, %s, Linux %s, Java %s (%s)", cpu,
                Runtime.getRuntime().availableProcessors(), memoryKb / (1024.0 * 1024.0), os, kernel,
                System.getProperty("java.runtime.version"), System.getProperty("java.vm.vendor"));
    }

    private static String firstValue(String file, String key) {
        try {
            List<String> lines = Files.readAllLines(Paths.get(file));
            for (String line : lines) {
                if (line.startsWith(key)) {
                    int sep = line.indexOf(line.contains(":") ? ':' : '=');
                    return line.substring(sep + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown on this system
        }
        return "";
    }

    private static String read(String file) {
        try {
            return Files.readString(Paths.get(file)).trim();
        } catch (IOException e) {
            return "";
        }
    }
}
