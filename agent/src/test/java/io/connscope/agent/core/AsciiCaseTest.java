package io.connscope.agent.core;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AsciiCaseTest {

    @Test
    void lettersChangeCaseAndNothingElseDoes() {
        assertEquals("connscope_console", AsciiCase.lower("CONNSCOPE_Console"));
        assertEquals("CONNSCOPE.EVENTS_FILE", AsciiCase.upper("connscope.events_file"));
        assertEquals("linux", AsciiCase.lower("Linux"));
        assertEquals("débit @[`{", AsciiCase.lower("DéBIT @[`{"), "non-letters and non-ASCII stay as they are");
        assertEquals("ÉTÉ", AsciiCase.upper("ÉtÉ"));
        String lower = "already lower";
        assertSame(lower, AsciiCase.lower(lower), "nothing to lower: the same string");
        String upper = "ALREADY_UPPER";
        assertSame(upper, AsciiCase.upper(upper));
        assertEquals("", AsciiCase.lower(""));
    }

    @Test
    void comparisonIgnoresOnlyTheCaseOfAsciiLetters() {
        assertTrue(AsciiCase.equalsIgnoreCase("TRUE", "true"));
        assertTrue(AsciiCase.equalsIgnoreCase("FaLsE", "false"));
        assertFalse(AsciiCase.equalsIgnoreCase("true ", "true"));
        assertFalse(AsciiCase.equalsIgnoreCase("tru@", "tru`"), "@ and ` are not letters");
        assertFalse(AsciiCase.equalsIgnoreCase("yes", "no!"));
    }

    /**
     * The point of the class: connscope's own code calls none of String's case methods, which the JIT profiles for
     * the application (a Spring Boot service's header map lowers every header name). Read from the compiled classes.
     */
    @Test
    void connscopesClassesCallNoneOfStringsCaseMethods() throws IOException {
        Path classes = Paths.get(AsciiCase.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        Set<String> caseMethods = Set.of("toLowerCase", "toUpperCase", "equalsIgnoreCase");
        List<String> calls = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes.resolve("io/connscope/agent"))) {
            files = walk.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList());
        }
        for (Path file : files) {
            new ClassReader(Files.readAllBytes(file)).accept(new ClassVisitor(Opcodes.ASM9) {
                @Override
                public MethodVisitor visitMethod(int access, String method, String descriptor, String signature,
                                                 String[] exceptions) {
                    return new MethodVisitor(Opcodes.ASM9) {
                        @Override
                        public void visitMethodInsn(int opcode, String owner, String name, String desc, boolean itf) {
                            if (owner.equals("java/lang/String") && caseMethods.contains(name)) {
                                calls.add(classes.relativize(file) + " " + method + " calls String." + name);
                            }
                        }
                    };
                }
            }, ClassReader.SKIP_DEBUG);
        }
        assertTrue(files.size() > 100, "read connscope's classes from " + classes + ": " + files.size());
        assertEquals(List.of(), calls);
    }
}
