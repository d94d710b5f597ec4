package io.connscope.it;

import net.bytebuddy.jar.asm.AnnotationVisitor;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built agent jar: only connscope's own and relocated classes, the manifest, and the nested bootstrap jar. */
class JarContentsIT {

    private static final String BOOTSTRAP = "META-INF/connscope/connscope-bootstrap.jar";

    /**
     * The shade plugin also rewrites string literals that name a relocated package: connscope's own classes must
     * still name the application's libraries (OkHttp's pool is hooked in the application, while connscope ships
     * a relocated OkHttp for its exporters).
     */
    @Test
    void connscopesOwnClassesStillNameTheApplicationsLibraries() throws Exception {
        List<String> rewritten = new ArrayList<>();
        try (JarFile jar = new JarFile(Fork.agentJar().toFile())) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                if (entry.getName().startsWith("io/connscope/agent/") && entry.getName().endsWith(".class")) {
                    String bytes = new String(jar.getInputStream(entry).readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                    for (String library : List.of("okhttp3", "okio", "kotlin", "io.prometheus")) {
                        if (bytes.contains("io.connscope.shaded." + library)) {
                            rewritten.add(entry.getName() + ": " + library);
                        }
                    }
                }
            }
        }
        assertTrue(rewritten.isEmpty(), "string literals rewritten to connscope's relocated copies: " + rewritten);
    }

    /**
     * Byte Buddy's transformer factory is connscope's (agent/src/bytebuddy-patch): Byte Buddy's own would generate
     * and load a transformer class at every start, a third of the startup time. Two entries of that name, or Byte
     * Buddy's, would bring that back silently.
     */
    @Test
    void byteBuddysTransformerFactoryIsThePrecompiledOne() throws Exception {
        String name = "io/connscope/shaded/net/bytebuddy/agent/builder/"
                + "AgentBuilder$Default$ExecutingTransformer$Factory$CreationAction.class";
        int entries = 0;
        String bytes = "";
        try (JarFile jar = new JarFile(Fork.agentJar().toFile())) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                if (entry.getName().equals(name)) {
                    entries++;
                    bytes = new String(jar.getInputStream(entry).readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                }
            }
        }
        assertEquals(1, entries, "entries named " + name);
        assertTrue(bytes.contains("io.connscope.shaded.net.bytebuddy.agent.builder.PrecompiledModuleSupport"),
                "expected connscope's CreationAction, naming the relocated PrecompiledModuleSupport");
    }

    @Test
    void onlyOwnAndRelocatedClasses() throws Exception {
        List<String> foreign = new ArrayList<>();
        List<String> bootstrapInAgent = new ArrayList<>();
        List<String> unrelocated = new ArrayList<>();
        int shadedByteBuddy = 0;
        int shadedOtel = 0;
        try (JarFile jar = new JarFile(Fork.agentJar().toFile())) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (!name.endsWith(".class")) {
                    continue;
                }
                if (name.startsWith("io/connscope/bootstrap/")) {
                    bootstrapInAgent.add(name);
                }
                if (!name.startsWith("io/connscope/agent/") && !name.startsWith("io/connscope/shaded/")) {
                    foreign.add(name);
                }
                if (name.startsWith("net/bytebuddy/") || name.startsWith("io/opentelemetry/")) {
                    unrelocated.add(name);
                }
                if (name.startsWith("io/connscope/shaded/net/bytebuddy/")) {
                    shadedByteBuddy++;
                }
                if (name.startsWith("io/connscope/shaded/io/opentelemetry/")) {
                    shadedOtel++;
                }
            }
        }
        assertTrue(foreign.isEmpty(), "expected every class under io/connscope/agent/ or io/connscope/shaded/; others: " + foreign);
        assertTrue(bootstrapInAgent.isEmpty(), "expected no io/connscope/bootstrap/ classes directly in the agent jar: " + bootstrapInAgent);
        assertTrue(unrelocated.isEmpty(), "expected Byte Buddy and OpenTelemetry only relocated; unrelocated: " + unrelocated);
        assertTrue(shadedByteBuddy > 0, "expected relocated Byte Buddy classes under io/connscope/shaded/net/bytebuddy/");
        assertTrue(shadedOtel > 0, "expected relocated OpenTelemetry classes under io/connscope/shaded/io/opentelemetry/");
    }

    /**
     * docs/performance.md: the agent jar is at most 8 MB, read strictly as 8,000,000 bytes (Byte Buddy and the OTLP
     * exporters are most of it).
     */
    @Test
    void agentJarIsAtMost8MB() throws Exception {
        long size = java.nio.file.Files.size(Fork.agentJar());
        assertTrue(size <= 8_000_000L, "the agent jar has " + size + " bytes; the target is at most 8 MB (8,000,000)");
    }

    /** Relocated classes whose line numbers must survive the slimming (and be in the jar at all). */
    private static final List<String> WITH_LINES = List.of(
            "io/connscope/shaded/okhttp3/internal/http2/Http2Connection.class",
            "io/connscope/shaded/kotlin/collections/CollectionsKt___CollectionsKt.class",
            "io/connscope/shaded/net/bytebuddy/asm/Advice.class",
            "io/connscope/shaded/io/opentelemetry/sdk/trace/SdkSpan.class");

    /**
     * agent/src/build/JarSlimmer.java: the relocated libraries lose what only a debugger (local variable tables) or
     * kotlin-reflect (Kotlin's {@code @Metadata}) reads, but keep their line numbers, so stack traces stay whole;
     * connscope's own classes are left as compiled.
     */
    @Test
    void relocatedLibrariesAreSlimmedAndKeepTheirLineNumbers() throws Exception {
        List<String> notSlimmed = new ArrayList<>();
        List<String> withoutLines = new ArrayList<>(WITH_LINES);
        int relocated = 0;
        int ownWithLocals = 0;
        try (JarFile jar = new JarFile(Fork.agentJar().toFile())) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                String name = entry.getName();
                if (!name.endsWith(".class")) {
                    continue;
                }
                DebugAttributes found = DebugAttributes.of(jar.getInputStream(entry).readAllBytes());
                if (name.startsWith("io/connscope/shaded/")) {
                    relocated++;
                    if (found.localVariables || found.kotlinMetadata) {
                        notSlimmed.add(name);
                    }
                    if (found.lineNumbers) {
                        withoutLines.remove(name);
                    }
                } else if (name.startsWith("io/connscope/agent/") && found.localVariables) {
                    ownWithLocals++;
                }
            }
        }
        assertTrue(relocated > 1000, "expected the relocated libraries' classes, found " + relocated);
        assertTrue(notSlimmed.isEmpty(), "relocated classes still carrying local variable tables or Kotlin metadata: "
                + notSlimmed.subList(0, Math.min(20, notSlimmed.size())) + " (" + notSlimmed.size() + " in all)");
        assertTrue(withoutLines.isEmpty(), "relocated classes without line numbers (or missing): " + withoutLines);
        assertTrue(ownWithLocals > 0, "expected connscope's own classes left as compiled (with local variable tables)");
    }

    /** What a class file carries for debuggers and Kotlin, read with Byte Buddy's ASM. */
    private static final class DebugAttributes extends ClassVisitor {
        boolean localVariables;
        boolean lineNumbers;
        boolean kotlinMetadata;

        private DebugAttributes() {
            super(Opcodes.ASM9);
        }

        static DebugAttributes of(byte[] classFile) {
            DebugAttributes found = new DebugAttributes();
            new ClassReader(classFile).accept(found, 0);
            return found;
        }

        @Override
        public AnnotationVisitor visitAnnotation(String descriptor, boolean visible) {
            kotlinMetadata |= descriptor.endsWith("/kotlin/Metadata;");
            return null;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            return new MethodVisitor(api) {
                @Override
                public void visitLocalVariable(String name, String descriptor, String signature, Label start,
                                               Label end, int index) {
                    localVariables = true;
                }

                @Override
                public void visitLineNumber(int line, Label start) {
                    lineNumbers = true;
                }
            };
        }
    }

    @Test
    void manifestNamesTheAgent() throws Exception {
        try (JarFile jar = new JarFile(Fork.agentJar().toFile())) {
            Manifest m = jar.getManifest();
            assertNotNull(m, "expected a manifest");
            Attributes a = m.getMainAttributes();
            assertEquals("io.connscope.agent.ConnscopeAgent", a.getValue("Premain-Class"), "Premain-Class");
            assertEquals("io.connscope.agent.ConnscopeAgent", a.getValue("Agent-Class"), "Agent-Class");
            assertEquals("true", a.getValue("Can-Retransform-Classes"), "Can-Retransform-Classes");
        }
    }

    @Test
    void nestedBootstrapJarHoldsOnlyBootstrapClasses() throws Exception {
        List<String> classes = new ArrayList<>();
        List<String> other = new ArrayList<>();
        try (JarFile jar = new JarFile(Fork.agentJar().toFile())) {
            JarEntry entry = jar.getJarEntry(BOOTSTRAP);
            assertNotNull(entry, "expected " + BOOTSTRAP + " in the agent jar");
            try (InputStream in = jar.getInputStream(entry); JarInputStream nested = new JarInputStream(in)) {
                for (JarEntry e; (e = nested.getNextJarEntry()) != null; ) {
                    if (e.getName().endsWith(".class")) {
                        classes.add(e.getName());
                        if (!e.getName().startsWith("io/connscope/bootstrap/")) {
                            other.add(e.getName());
                        }
                    }
                }
            }
        }
        assertTrue(!classes.isEmpty(), "expected classes in " + BOOTSTRAP);
        assertTrue(other.isEmpty(), "expected only io/connscope/bootstrap/ classes in " + BOOTSTRAP + "; others: " + other);
    }
}
