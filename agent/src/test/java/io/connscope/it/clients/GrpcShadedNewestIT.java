package io.connscope.it.clients;

import java.nio.file.Path;
import java.util.List;

/** gRPC-java on grpc-netty-shaded at the newest claimed version (agent/pom.xml: grpc.newest.version). */
class GrpcShadedNewestIT extends AbstractGrpcShadedIT {

    @Override
    List<Path> grpcJars() throws Exception {
        return GrpcRuns.jars("grpc-shaded.newest");
    }
}
