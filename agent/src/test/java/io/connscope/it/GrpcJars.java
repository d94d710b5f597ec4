package io.connscope.it;

import java.io.File;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * gRPC (grpc-netty-shaded, the version agent/pom.xml names) and what it needs, for a forked JVM's class path: taken
 * from this test JVM's own class path, jar by jar, so that the fork gets none of the agent's unshaded classes.
 */
public final class GrpcJars {

    private GrpcJars() {
    }

    public static List<Path> classpath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<Path> jars = new ArrayList<>();
        for (String entry : cp.split(File.pathSeparator)) {
            String file = Paths.get(entry).getFileName().toString();
            if (file.startsWith("grpc-") || file.startsWith("guava-") || file.startsWith("failureaccess-")
                    || file.startsWith("perfmark-")) {
                jars.add(Paths.get(entry));
            }
        }
        return jars;
    }
}
