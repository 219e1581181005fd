package dev.codi4j.kernels.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * A fixed pool of worker threads for the CPU kernels (the caller waits while they run). Work is
 * split statically into one contiguous range per thread (good for cache reuse in GEMM/GEMV) or into
 * more chunks for uneven work.
 */
public final class Parallel implements AutoCloseable {
    private final int threads;
    private final ForkJoinPool pool;

    public Parallel(int threads) {
        this.threads = threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads;
        this.pool = this.threads == 1 ? null : new ForkJoinPool(this.threads, p -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("codi4j-cpu-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    public int threads() { return threads; }

    /** A body run over a half-open range {@code [start, end)} by worker {@code worker}. */
    @FunctionalInterface
    public interface RangeBody { void run(int worker, int start, int end); }

    /**
     * Runs {@code body} over {@code [0, n)} split into {@code chunks} near-equal contiguous ranges
     * (at least {@code minChunk} items each), in parallel, and waits. Exceptions propagate.
     */
    public void forRange(int n, int chunks, int minChunk, RangeBody body) {
        if (n <= 0) return;
        int c = Math.max(1, Math.min(chunks, (n + Math.max(1, minChunk) - 1) / Math.max(1, minChunk)));
        if (c == 1 || pool == null) { body.run(0, 0, n); return; }
        if (ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == pool) { body.run(0, 0, n); return; } // nested: run inline
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[c];
        for (int i = 0; i < c; i++) {
            final int w = i;
            final int s = (int) ((long) n * i / c), e = (int) ((long) n * (i + 1) / c);
            tasks[i] = new RecursiveAction() { @Override protected void compute() { body.run(w, s, e); } };
        }
        pool.invoke(new RecursiveAction() {
            @Override protected void compute() { invokeAll(tasks); }
        });
    }

    /** One range per thread. */
    public void forRange(int n, RangeBody body) { forRange(n, threads, 1, body); }

    @Override public void close() { if (pool != null) pool.shutdownNow(); }
}
