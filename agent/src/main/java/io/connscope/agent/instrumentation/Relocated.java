package io.connscope.agent.instrumentation;

/**
 * Names of library classes that may be relocated: a library shaded into another keeps its package under a prefix of
 * the shader's ({@code io.grpc:grpc-netty-shaded} carries Netty as {@code io.grpc.netty.shaded.io.netty...}, with
 * its own native epoll library and BoringSSL). Such a copy is the same code under another name, so connscope
 * recognises a class by the end of its name, whatever prefix the shader chose.
 */
public final class Relocated {

    private Relocated() {
    }

    /** Whether {@code name} is {@code plainName} itself or a relocated copy of it ({@code <prefix>.<plainName>}). */
    public static boolean isCopyOf(String name, String plainName) {
        return name.endsWith(plainName)
                && (name.length() == plainName.length() || name.charAt(name.length() - plainName.length() - 1) == '.');
    }

    /** Whether {@code name} is in package {@code plainPackage} (given with its trailing dot) or a relocated copy of it. */
    public static boolean inPackage(String name, String plainPackage) {
        return name.startsWith(plainPackage) || name.contains("." + plainPackage);
    }

    /** What the name of every relocated copy of {@code plainName} ends with. */
    public static String suffix(String plainName) {
        return "." + plainName;
    }
}
