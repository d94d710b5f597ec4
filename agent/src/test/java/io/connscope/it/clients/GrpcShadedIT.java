package io.connscope.it.clients;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** gRPC-java on grpc-netty-shaded at the version the build compiles against (agent/pom.xml grpc.version). */
class GrpcShadedIT extends AbstractGrpcShadedIT {

    /** gRPC's jars on this test JVM's class path, found by a class of each. */
    @Override
    List<Path> grpcJars() throws Exception {
        List<Path> jars = new ArrayList<>();
        for (String c : List.of("io.grpc.ManagedChannel", "io.grpc.internal.GrpcUtil", "io.grpc.stub.ClientCalls",
                "io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder", "io.grpc.util.ForwardingLoadBalancer",
                "io.grpc.Context", "com.google.common.base.Preconditions",
                "com.google.common.util.concurrent.internal.InternalFutureFailureAccess", "io.perfmark.PerfMark",
                "com.google.gson.stream.JsonReader")) {
            Class<?> type;
            try {
                type = Class.forName(c, false, GrpcShadedIT.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                continue;
            }
            Path jar = Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!jars.contains(jar)) {
                jars.add(jar);
            }
        }
        return jars;
    }
}
