package io.connscope.it.http;

import io.connscope.it.FailingHandlersIT;
import io.connscope.it.Fork;
import io.connscope.it.TestJars;
import io.connscope.it.driver.Http2Results;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No byte connscope reads changes what the application gets: gRPC over HTTP/2 in the clear and inside BoringSSL
 * ({@link Http2Results}) gives the same responses, digest for digest, without the agent, with it, and with every
 * one of its event handlers throwing (the switch {@code FailingHandlersIT} uses), while connscope follows the frames.
 */
class Http2ResultsUnchangedIT {

    @Test
    void theResponsesAreThoseOfARunWithoutTheAgent() throws Exception {
        Path keystore = FailingHandlersIT.keystore(Fork.newScratchDirectory("connscope-h2-results-"));
        StringBuilder cp = new StringBuilder(Fork.testClasses().toString());
        for (Path p : TestJars.grpc()) {
            cp.append(File.pathSeparator).append(p);
        }
        Fork.Result without = Fork.exec(List.of(Fork.java(), "-cp", cp.toString(), Http2Results.class.getName(),
                keystore.toString()));
        assertEquals(0, without.exit, "without the agent\n" + without.describe());
        List<String> expected = results(without);
        assertEquals(2, expected.size(), without.describe());
        Fork.Result with = Fork.run(List.of(), TestJars.grpc(), Http2Results.class.getName(), keystore.toString());
        assertEquals(expected, results(with), "with the agent\n" + with.describe());
        long followed = with.records().stream().filter(r -> "outbound".equals(r.path("direction").asText())
                && r.path("http2").path("streams_client").asInt() == 10).count();
        assertEquals(2, followed, "connscope followed both connections' streams\n" + with.describe());
        Fork.Result failing = Fork.run(List.of("-Dconnscope.test.failing.handlers=true"), TestJars.grpc(),
                Http2Results.class.getName(), keystore.toString());
        assertEquals(expected, results(failing), "with every handler throwing\n" + failing.describe());
        assertTrue(failing.stderr.contains("internal errors"), failing.describe());
    }

    private static List<String> results(Fork.Result r) {
        return r.stdout.lines().filter(l -> l.startsWith("RESULT ")).collect(Collectors.toCollection(ArrayList::new));
    }
}
