package io.connscope.it.http;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gRPC-java (grpc-netty-shaded, its native epoll) at the oldest claimed version (agent/pom.xml: grpc.oldest.version): the scenarios
 * that take seconds (calls, a cancelled call, the server's GOAWAYs for maximum age and idle time); the 30 s PING
 * ones run at the build's version only ({@link GrpcHttp2IT}).
 */
class GrpcHttp2OldestIT extends AbstractGrpcHttp2IT {

    @Override
    List<Path> grpcJars() throws Exception {
        Path dir = Paths.get(System.getProperty("connscope.clients.grpc-shaded.oldest", ""));
        assertTrue(Files.isDirectory(dir), "no directory for connscope.clients.grpc-shaded.oldest; run through Maven");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
    }

    @Override
    String scenarios() {
        return "calls,max_age,max_idle";
    }
}
