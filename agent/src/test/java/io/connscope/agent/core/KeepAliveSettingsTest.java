package io.connscope.agent.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static io.connscope.agent.core.KeepAliveSettings.Source.APP;
import static io.connscope.agent.core.KeepAliveSettings.Source.OS_DEFAULT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class KeepAliveSettingsTest {

    private static final KeepAliveSettings LINUX_DEFAULTS = new KeepAliveSettings(false, 7200, 75, 9, OS_DEFAULT);

    private static KeepAliveSettings effective(Boolean on, Integer idle, Integer interval, Integer count) {
        return new KeepAliveSettings(on, idle, interval, count, OS_DEFAULT);
    }

    @Test
    void untouchedSocketReportsOsDefaults() {
        KeepAliveSettings k = KeepAliveSettings.resolve(effective(false, 7200, 75, 9), false, LINUX_DEFAULTS);
        assertEquals(OS_DEFAULT, k.source);
        assertEquals("off idle=7200s intvl=75s cnt=9 (os_default)", k.describe());
    }

    @Test
    void anOptionTheApplicationSetMakesTheSourceApp() {
        KeepAliveSettings k = KeepAliveSettings.resolve(effective(true, 7200, 75, 9), true, LINUX_DEFAULTS);
        assertEquals(APP, k.source);
        assertEquals(Boolean.TRUE, k.enabled);
    }

    @Test
    void valuesThatDifferFromTheOsDefaultsWereSetByTheApplicationSomewhere() {
        // Inherited from a listening socket whose options were set through a path the agent did not see.
        KeepAliveSettings k = KeepAliveSettings.resolve(effective(false, 30, 75, 9), false, LINUX_DEFAULTS);
        assertEquals(APP, k.source);
        assertEquals(30, k.idleSeconds);
    }

    @Test
    void unreadableValuesFallBackToOsDefaultsOnlyWhenNothingWasSet() {
        KeepAliveSettings unknownUntouched = KeepAliveSettings.resolve(null, false, LINUX_DEFAULTS);
        assertEquals("off idle=7200s intvl=75s cnt=9 (os_default)", unknownUntouched.describe());
        KeepAliveSettings unknownButSet = KeepAliveSettings.resolve(null, true, LINUX_DEFAULTS);
        assertEquals(APP, unknownButSet.source);
        assertNull(unknownButSet.idleSeconds, "a value the app set but the agent could not read is unknown, not the default");
    }

    @Test
    void readsTheKernelDefaultsFromProc() throws IOException {
        Path proc = Paths.get("/proc/sys/net/ipv4/tcp_keepalive_time");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(proc), "Linux only");
        KeepAliveSettings os = OsKeepAliveDefaults.read();
        // Ground truth the way a person reads it: the first line of each file.
        assertEquals(Integer.valueOf(Files.readAllLines(proc).get(0).trim()), os.idleSeconds);
        assertEquals(Integer.valueOf(Files.readAllLines(proc.resolveSibling("tcp_keepalive_intvl")).get(0).trim()),
                os.intervalSeconds);
        assertEquals(Integer.valueOf(Files.readAllLines(proc.resolveSibling("tcp_keepalive_probes")).get(0).trim()),
                os.count);
    }

    @Test
    void missingProcFilesGiveUnknownDefaults(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.write(dir.resolve("tcp_keepalive_time"), "600\n".getBytes());
        KeepAliveSettings os = OsKeepAliveDefaults.read(dir);
        assertEquals(600, os.idleSeconds);
        assertNull(os.intervalSeconds);
        assertNull(os.count);
    }
}
