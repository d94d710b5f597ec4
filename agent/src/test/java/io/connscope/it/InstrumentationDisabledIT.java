package io.connscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.connscope.it.driver.OtelScenario;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code connscope.instrumentation.disabled}: an instrumentation left out traces nothing, the others go on. With
 * {@code socket} (java.net.Socket's implementation) left out, the scenario's client sockets are not seen, while the
 * JDK HttpServer's side (SocketChannel) still is.
 */
class InstrumentationDisabledIT {

    @Test
    void aDisabledInstrumentationTracesNothingAndTheOthersGoOn() throws Exception {
        Fork.Result run = Fork.run(List.of("-Dconnscope.instrumentation.disabled=socket"), OtelScenario.class.getName());
        int port = Integer.parseInt(run.stdout.replaceAll("(?s).*server_port=(\\d+).*", "$1"));
        List<JsonNode> records = run.records();
        String context = "\n" + run.describe();
        assertEquals(0, records.stream().filter(r -> r.path("direction").asText().equals("outbound")).count(),
                "no client Socket traced" + context);
        assertEquals(2, records.stream().filter(r -> r.path("direction").asText().equals("inbound")
                && r.path("local_port").asInt() == port).count(), "the server's side still is" + context);
    }
}
