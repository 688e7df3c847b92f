package io.kubejoin.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/** Runs one task per item on a bounded set of threads (the per-node fan-out of status and doctor). */
public final class Parallel {
    private Parallel() {
    }

    /**
     * {@code fn} applied to every item, at most {@code parallel} at once; results in the items' order. A task's
     * unchecked exception is rethrown as it is (the remaining tasks are cancelled).
     */
    public static <T, R> List<R> map(List<T> items, int parallel, String threadName, Function<T, R> fn)
            throws InterruptedException {
        if (items.isEmpty()) return List.of();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallel, items.size())), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<R>> futures = new ArrayList<>();
            for (T item : items) {
                Callable<R> task = () -> fn.apply(item);
                futures.add(pool.submit(task));
            }
            List<R> out = new ArrayList<>();
            for (Future<R> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    // the task's own unchecked exception, as a sequential loop would have thrown it
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    if (e.getCause() instanceof Error err) throw err;
                    throw new IllegalStateException(threadName + " task failed", e.getCause());
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
