package io.connscope.it.clients;

import java.nio.file.Path;
import java.util.List;

/** gRPC-java on grpc-netty-shaded at the oldest claimed version (agent/pom.xml: grpc.oldest.version). */
class GrpcShadedOldestIT extends AbstractGrpcShadedIT {

    @Override
    List<Path> grpcJars() throws Exception {
        return GrpcRuns.jars("grpc-shaded.oldest");
    }
}
