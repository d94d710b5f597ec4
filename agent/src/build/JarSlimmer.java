import net.bytebuddy.jar.asm.AnnotationVisitor;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Build step after the shade plugin (run by agent/pom.xml with Java's source launcher): drops from the relocated
 * libraries' classes what nothing reads at run time, so the agent jar stays under 8 MB.
 *
 * <ul>
 *   <li>local variable tables (debuggers only); line numbers and source file names stay, so stack traces are whole;
 *   <li>Kotlin's {@code @Metadata} and inline-function source maps: read only by kotlin-reflect, which is not
 *       shipped (OkHttp and Okio never call it).
 * </ul>
 * connscope's own classes (advice is inlined from them) and everything that is not a class are copied unchanged,
 * in the same order, so the manifest stays the first entry.
 *
 * <p>Usage: {@code java -cp byte-buddy.jar JarSlimmer.java <jar> <relocated-package-prefix>}.
 */
public class JarSlimmer {

    public static void main(String[] args) throws IOException {
        Path jar = Path.of(args[0]);
        String relocated = args[1].replace('.', '/') + "/";
        Path slim = jar.resolveSibling(jar.getFileName() + ".slim");
        long before = Files.size(jar);
        int rewritten = 0;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(slim))) {
            out.setLevel(Deflater.BEST_COMPRESSION);
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                byte[] bytes = in.readAllBytes();
                if (entry.getName().startsWith(relocated) && entry.getName().endsWith(".class")) {
                    bytes = slim(bytes);
                    rewritten++;
                }
                ZipEntry copy = new ZipEntry(entry.getName());
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        }
        Files.move(slim, jar, StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("JarSlimmer: %s: %,d -> %,d bytes (%d relocated classes without debugger-only attributes)%n",
                jar.getFileName(), before, Files.size(jar), rewritten);
    }

    static byte[] slim(byte[] bytes) {
        ClassReader reader = new ClassReader(bytes);
        // No COMPUTE_* flags: the code, its stack map frames and constant order are written back as they were read.
        ClassWriter writer = new ClassWriter(0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public void visitSource(String source, String debug) {
                super.visitSource(source, null);
            }

            @Override
            public AnnotationVisitor visitAnnotation(String descriptor, boolean visible) {
                return descriptor.endsWith("/kotlin/Metadata;") ? null : super.visitAnnotation(descriptor, visible);
            }

            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9, super.visitMethod(access, name, descriptor, signature, exceptions)) {
                    @Override
                    public void visitLocalVariable(String name, String descriptor, String signature, Label start,
                                                   Label end, int index) {
                    }
                };
            }
        }, 0);
        return writer.toByteArray();
    }
}
