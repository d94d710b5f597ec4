package io.connscope.bench;

import org.junit.jupiter.api.Test;

/**
 * Following a kept-alive HTTP/1.x exchange allocates nothing: {@link Http1ExchangeBenchmark}'s exchanges counted on
 * their thread with the JIT off ({@link InterpretedAllocations}); the suite's JMH run, with JMH's GC profiler, covers
 * compiled code. The benchmark also checks what it measures: a tracker that lost its exchanges fails the run.
 */
class Http1ExchangeBenchmarkTest {

    @Test
    void noExchangeAllocatesAByteInterpreted() throws Exception {
        InterpretedAllocations.assertNoneIn(InterpretedCount.class, 2 * 3);
    }

    /** {@link #noExchangeAllocatesAByteInterpreted}'s JVM: one connection, and 64 in turn. */
    static final class InterpretedCount {
        public static void main(String[] args) throws Exception {
            for (int connections : new int[] {1, 64}) {
                Http1ExchangeBenchmark b = new Http1ExchangeBenchmark();
                b.connections = connections;
                b.connect();
                InterpretedAllocations.print(connections + " connections", 2 * connections, 300, b::keptAliveExchange);
                b.check();
            }
        }
    }
}
