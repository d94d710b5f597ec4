package io.connscope.it;

import java.io.File;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Libraries of this test JVM's own class path (the versions agent/pom.xml names) for a forked JVM's class path,
 * jar by jar, so that the fork gets none of the agent's unshaded classes that the test class path also holds.
 */
public final class TestJars {

    private TestJars() {
    }

    /** gRPC (grpc-netty-shaded) and what it needs. */
    public static List<Path> grpc() {
        return matching("grpc-", "guava-", "failureaccess-", "perfmark-");
    }

    /** Brave, OpenZipkin's tracer (its core jar needs no other). */
    public static List<Path> brave() {
        return matching("brave-");
    }

    /** Jetty 12's server with HTTP/2 and ALPN, SLF4J's API, which Jetty logs through, and Conscrypt for a client. */
    public static List<Path> jetty() {
        return matching("jetty-", "slf4j-api-", "conscrypt-");
    }

    private static List<Path> matching(String... prefixes) {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<Path> jars = new ArrayList<>();
        for (String entry : cp.split(File.pathSeparator)) {
            String file = Paths.get(entry).getFileName().toString();
            for (String prefix : prefixes) {
                if (file.startsWith(prefix) && file.endsWith(".jar")) {
                    jars.add(Paths.get(entry));
                    break;
                }
            }
        }
        return jars;
    }
}
