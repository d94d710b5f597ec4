package io.connscope.it.driver.clients;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A blocking (classic) client: each GET runs on a thread of its own, so 6 of them run at once. */
abstract class ThreadedClient implements ClientScenarios.Client {

    interface Call {
        void run() throws Exception;
    }

    private final ExecutorService threads = Executors.newFixedThreadPool(6, r -> {
        Thread t = new Thread(r, "client-call");
        t.setDaemon(true);
        return t;
    });

    /** A blocking GET whose body is read to the end. */
    abstract void blockingGet(String url) throws Exception;

    /** Closes the library's client and its pool. */
    abstract void closeClient() throws Exception;

    @Override
    public final CompletableFuture<Void> get(String url) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        threads.execute(() -> {
            try {
                blockingGet(url);
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }

    @Override
    public final void close() throws Exception {
        threads.shutdown();
        threads.awaitTermination(20, TimeUnit.SECONDS);
        closeClient();
    }
}
