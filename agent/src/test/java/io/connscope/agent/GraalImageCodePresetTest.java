package io.connscope.agent;

import net.bytebuddy.utility.GraalImageCode;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Byte Buddy's own answer to "a GraalVM native image?" lowers {@code java.vm.vendor} with {@code String.toLowerCase}
 * in the application's start; the installer sets the answer first when it is certainly "none" (see
 * {@code AsciiCase}), and leaves the question to Byte Buddy otherwise.
 */
class GraalImageCodePresetTest {

    @Test
    void theAnswerIsNoneOnThisJvmAndSetBeforeByteBuddyAsks() throws Exception {
        Field current = GraalImageCode.class.getDeclaredField("current");
        current.setAccessible(true);
        Object before = current.get(null);
        try {
            current.set(null, null);
            Installer.presetGraalImageCode();
            assertEquals(GraalImageCode.NONE, current.get(null), "vendor " + System.getProperty("java.vm.vendor"));
            assertEquals(GraalImageCode.NONE, GraalImageCode.getCurrent());
        } finally {
            current.set(null, before);
        }
    }

    @Test
    void onAGraalVmByteBuddyIsLeftToAsk() throws Exception {
        Field current = GraalImageCode.class.getDeclaredField("current");
        current.setAccessible(true);
        Object before = current.get(null);
        String vendor = System.getProperty("java.vm.vendor");
        try {
            current.set(null, null);
            System.setProperty("java.vm.vendor", "Oracle GraalVM");
            Installer.presetGraalImageCode();
            assertNull(current.get(null));
        } finally {
            System.setProperty("java.vm.vendor", vendor);
            current.set(null, before);
        }
    }
}
