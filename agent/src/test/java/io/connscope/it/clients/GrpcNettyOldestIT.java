package io.connscope.it.clients;

/**
 * gRPC-java's grpc-netty (unshaded) server and client on plain Netty's NIO transport at the oldest claimed version
 * (agent/pom.xml: grpc.oldest.version, with the Netty its POM names).
 */
class GrpcNettyOldestIT extends AbstractGrpcTransportIT {

    @Override
    String clientsKey() {
        return "grpc-netty.oldest";
    }

    @Override
    String transport() {
        return "netty";
    }

    @Override
    String expectedTransports() {
        return "Nio";
    }

    @Override
    String expectedServerSession() {
        return "sun.security.ssl.";
    }
}
