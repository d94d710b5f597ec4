package io.connscope.agent.core.tls;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.connscope.agent.fuzz.FuzzBudget;
import io.connscope.agent.fuzz.Traffic;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The TLS ClientHello reader on fuzzed first bytes of a connection, as the registry reads them: the first read decides
 * whether it is a ClientHello record ({@link TlsRecords#looksLikeClientHello}); its random is read from
 * that read ({@link ClientHelloKey#ofRecord}), or, after a record header read alone
 * ({@link ClientHelloKey#isRecordHeaderAlone}), from the next read only
 * ({@link ClientHelloKey#ofMessage}). No read goes outside its bytes; a key found from split reads is the key of the
 * whole. Seeds: {@code ClientHelloKeyFuzzTestInputs/hello/}.
 */
class ClientHelloKeyFuzzTest {

    @FuzzTest(maxDuration = FuzzBudget.CI)
    void hello(byte[] input) {
        Traffic traffic = Traffic.oneWay(input);
        ClientHelloKey whole = key(traffic, false);
        ClientHelloKey split = key(traffic, true);
        if (split != null) {
            assertEquals(whole, split, "a key from split reads");
        }
    }

    private static ClientHelloKey key(Traffic traffic, boolean split) {
        List<ClientHelloKey> keys = new ArrayList<>();
        int[] reads = {0};
        boolean[] awaitingBody = {false};
        traffic.feed(split, (fromClient, bytes, address, length) -> {
            int read = reads[0]++;
            if (read == 0 && TlsRecords.looksLikeClientHello(bytes, address, Math.min(length, 16))) {
                ClientHelloKey key = ClientHelloKey.ofRecord(bytes, address, length);
                if (key != null) {
                    keys.add(key);
                } else if (ClientHelloKey.isRecordHeaderAlone(bytes, address, length)) {
                    awaitingBody[0] = true;
                }
            } else if (awaitingBody[0]) {
                awaitingBody[0] = false;
                ClientHelloKey key = ClientHelloKey.ofMessage(bytes, address, length);
                if (key != null) {
                    keys.add(key);
                }
            }
            // The server side's first bytes, as the other direction would classify them.
            TlsRecords.looksLikeServerHandshake(bytes, address, Math.min(length, 16));
        });
        return keys.isEmpty() ? null : keys.get(0);
    }
}
