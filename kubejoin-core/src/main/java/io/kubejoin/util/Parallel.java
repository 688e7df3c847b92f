package io.kubejoin.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;

/** Work beside the caller's thread: one task per item on a bounded set of threads (status, doctor, render, tokens), or one task in the background. */
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
            for (Future<R> f : futures) out.add(await(f, threadName + " task"));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code task} on a daemon thread of its own (one piece of work beside the caller's). */
    public static <T> CompletableFuture<T> background(String threadName, Supplier<T> task) {
        return CompletableFuture.supplyAsync(task, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            t.start();
        });
    }

    /**
     * The result of {@code f}; the task's own unchecked exception rethrown as it is, as a call on this thread would
     * have thrown it (a checked one wrapped, naming {@code what}).
     */
    public static <T> T await(Future<T> f, String what) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(what + " failed", e.getCause());
        }
    }
}
