package io.connscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import io.connscope.agent.core.http2.Http2Summary;
import org.junit.jupiter.api.Test;

/**
 * Every {@link HostileInputBenchmark} case does what it says, so that the benchmark cannot silently measure nothing:
 * each run for a few operations through the benchmark's own code (bytes from the heap), then its parser's counts
 * checked. Times are not checked.
 */
class HostileInputBenchmarkTest {

    private static final int OPS = 3;

    private static HostileInputBenchmark run(String input) throws Exception {
        HostileInputBenchmark b = new HostileInputBenchmark();
        b.input = input;
        b.source = "heap";
        b.setUp();
        for (int i = 0; i < OPS; i++) {
            b.feed();
        }
        return b;
    }

    @Test
    void theParamsAreTheCases() throws Exception {
        String[] params = HostileInputBenchmark.class.getField("input")
                .getAnnotation(org.openjdk.jmh.annotations.Param.class).value();
        assertEquals(Arrays.asList(HostileInputs.INPUTS), Arrays.asList(params));
    }

    @Test
    void eachFamilySharesASize() throws Exception {
        for (String input : HostileInputs.INPUTS) {
            int bytes = HostileInputs.bytesPerOp(input);
            int ordinary = HostileInputs.bytesPerOp(HostileInputs.ordinaryOf(input));
            assertTrue(Math.abs(bytes - ordinary) <= ordinary / 10, input + ": " + bytes + " bytes against " + ordinary);
        }
        assertTrue(HostileInputs.bytesPerOp("h1-normal") >= HostileInputs.FAMILY_BYTES);
        assertTrue(HostileInputs.bytesPerOp("h2-normal") >= HostileInputs.FAMILY_BYTES);
    }

    @Test
    void http1CasesCountTheirRequests() throws Exception {
        for (String input : new String[] {"h1-normal", "h1-1-byte-reads", "h1-10k-headers", "h1-1mb-header-line",
            "h1-pipelined-50"}) {
            HostileInputBenchmark b = run(input);
            int perOp = HostileInputs.Input.build(input).requestsPerOp;
            assertTrue(perOp > 0, input);
            assertEquals(OPS * perOp, b.http().requests(), input);
            assertEquals(0, b.http().traceContextMalformed(), input);
        }
        assertEquals(50 * (HostileInputs.FAMILY_BYTES / (50 * (HostileInputs.Input.REQUEST.length
                + HostileInputs.Input.RESPONSE.length)) + 1),
                HostileInputs.Input.build("h1-pipelined-50").requestsPerOp);
    }

    @Test
    void garbageAndUnknownMethodsAreNoRequests() throws Exception {
        for (String input : new String[] {"h1-garbage", "h1-unknown-method"}) {
            HostileInputBenchmark b = run(input);
            assertEquals(1, b.http().requests(), input + ": only the setup's request");
        }
    }

    @Test
    void http2CasesDoWhatTheySay() throws Exception {
        HostileInputBenchmark normal = run("h2-normal");
        Http2Summary s = normal.http2().summary();
        int calls = HostileInputs.Input.build("h2-normal").requestsPerOp;
        assertEquals(1 + OPS * calls, normal.http2().requests());
        assertEquals(OPS * calls, s.clientPings.acked);
        assertClean(s);

        HostileInputBenchmark pings = run("h2-ping-flood");
        int perOp = HostileInputs.bytesPerOp("h2-ping-flood") / 17;
        assertEquals(OPS * perOp, pings.http2().summary().clientPings.sent);
        assertClean(pings.http2().summary());

        HostileInputBenchmark settings = run("h2-settings-flood");
        assertClean(settings.http2().summary());
        assertEquals(100, settings.http2().summary().clientMaxConcurrentStreams);

        for (String input : new String[] {"h2-rapid-reset", "h2-reset-1024-open"}) {
            HostileInputBenchmark b = run(input);
            Http2Summary r = b.http2().summary();
            int pairs = HostileInputs.Input.build(input).requestsPerOp;
            assertTrue(pairs > 40_000, input);
            int held = input.equals("h2-rapid-reset") ? 0 : 1024;
            assertEquals(1 + held + OPS * pairs, b.http2().requests(), input);
            assertEquals(OPS * pairs, r.resetCount(), input);
            assertEquals(held == 0 ? 0 : OPS * pairs, r.untrackedStreams, input + ": streams past the 1024 followed");
            assertClean(r);
        }

        for (String input : new String[] {"h2-end-stream-1024-open", "h2-end-stream-1024-colliding"}) {
            HostileInputBenchmark ends = run(input);
            assertEquals(1 + 1024, ends.http2().requests(), input);
            assertEquals(1024, ends.http2().summary().maxOpenStreams, input);
            assertEquals(0, ends.http2().summary().untrackedStreams, input);
            assertClean(ends.http2().summary());
        }
        int[] colliding = HostileInputs.Input.collidingStreamIds(1024);
        for (int i = 1; i < colliding.length; i++) {
            assertTrue(colliding[i] > colliding[i - 1] && (colliding[i] & 1) == 1, "client stream ids, rising");
        }

        HostileInputBenchmark updates = run("h2-hpack-size-updates");
        int blocks = HostileInputs.Input.build("h2-hpack-size-updates").requestsPerOp;
        assertEquals(1 + OPS * blocks, updates.http2().requests());
        assertClean(updates.http2().summary());

        HostileInputBenchmark continuation = run("h2-continuation-1mb");
        assertEquals(1 + OPS, continuation.http2().requests());
        assertClean(continuation.http2().summary());

        HostileInputBenchmark goAway = run("h2-goaway-1mb");
        Http2Summary g = goAway.http2().summary();
        assertEquals(OPS, g.goAwayCount);
        assertEquals("d".repeat(64), g.goAways.get(0).debug);
        assertClean(g);
    }

    private static void assertClean(Http2Summary s) {
        assertNull(s.unparsed);
        assertFalse(s.headersUndecoded);
    }

    @Test
    void tlsCasesReadTheirRandoms() throws Exception {
        assertEquals(OPS * 6, run("tls-hello").keys, "a key from each whole ClientHello");
        // A handshake message in one-byte records: no read holds its random, so no key, and nothing thrown.
        assertEquals(0, run("tls-hello-1-byte-records").keys);
    }
}
