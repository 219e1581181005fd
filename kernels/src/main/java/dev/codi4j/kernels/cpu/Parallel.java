package dev.codi4j.kernels.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of worker threads for the CPU kernels; the calling thread works too and waits for
 * the rest. Work is a range {@code [0, n)} cut into chunks that threads take in order from a shared
 * counter, so a thread slowed by a neighbour process simply takes fewer chunks.
 *
 * <p>Why not a {@code ForkJoinPool}: LLM decode issues about 200 small GEMVs per token, each a few
 * hundred microseconds, and waking parked FJP workers costs tens of microseconds per call. Here a
 * worker that finished a job spins (with {@link Thread#onSpinWait}) for {@link #SPIN_NANOS} before
 * parking, so back-to-back ops start in well under a microsecond; an idle pool still sleeps and
 * costs nothing. The spin time is a system property ({@code codi4j.spinMicros}, default 100) so a
 * crowded machine can turn it down.
 *
 * <p>Calls from a worker (nested parallelism) and concurrent calls from a second thread while a
 * job runs are executed inline on the calling thread, so nothing can deadlock.
 */
public final class Parallel implements AutoCloseable {
    static final long SPIN_NANOS = Long.getLong("codi4j.spinMicros", 100) * 1000;

    /**
     * A body run over a half-open range {@code [start, end)}; {@code chunk} is the index of that range
     * (0 .. chunks−1, distinct per call of the body, so it can index per-chunk partial results). A
     * thread may run several chunks, so per-thread scratch should be thread-local, not chunk-indexed.
     */
    @FunctionalInterface
    public interface RangeBody { void run(int chunk, int start, int end); }

    private final int threads;
    private final Worker[] workers;
    private final ReentrantLock submit = new ReentrantLock();

    private volatile Job current;
    private volatile boolean closed;

    /** One call of {@link #forRange}: immutable apart from its counters, so a late worker can never mix two jobs. */
    private static final class Job {
        final RangeBody body;
        final int n, chunks;
        final Thread caller = Thread.currentThread();
        final AtomicInteger next = new AtomicInteger(), pending;
        volatile Throwable failure;
        volatile boolean callerParked;

        Job(RangeBody body, int n, int chunks) { this.body = body; this.n = n; this.chunks = chunks; this.pending = new AtomicInteger(chunks); }

        void work() {
            for (int i; (i = next.getAndIncrement()) < chunks; ) {
                try {
                    if (failure == null) body.run(i, (int) ((long) n * i / chunks), (int) ((long) n * (i + 1) / chunks));
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                } finally {
                    if (pending.decrementAndGet() == 0 && callerParked) LockSupport.unpark(caller);
                }
            }
        }
    }

    public Parallel(int threads) {
        this.threads = threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads;
        this.workers = new Worker[this.threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    public int threads() { return threads; }

    /**
     * Runs {@code body} over {@code [0, n)} split into {@code chunks} near-equal contiguous ranges
     * (at least {@code minChunk} items each), in parallel, and waits. The first exception thrown by
     * any chunk is rethrown here (after all chunks have finished).
     */
    public void forRange(int n, int chunks, int minChunk, RangeBody body) {
        if (n <= 0) return;
        int c = Math.max(1, Math.min(chunks, (n + Math.max(1, minChunk) - 1) / Math.max(1, minChunk)));
        if (c == 1 || workers.length == 0 || Thread.currentThread() instanceof Worker || !submit.tryLock()) {
            for (int i = 0; i < c; i++) body.run(i, (int) ((long) n * i / c), (int) ((long) n * (i + 1) / c)); // same chunks, in order, here
            return;
        }
        try {
            Job job = new Job(body, n, c);
            current = job; // volatile write publishes the job
            for (Worker w : workers) if (w.sleeping) LockSupport.unpark(w);
            job.work();
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (job.pending.get() > 0) {
                if (System.nanoTime() < spinUntil) { Thread.onSpinWait(); continue; }
                job.callerParked = true; // a long chunk is still running on a worker: sleep until it ends
                if (job.pending.get() > 0) LockSupport.park(this);
            }
            current = null;
            Throwable f = job.failure;
            if (f != null) {
                if (f instanceof RuntimeException re) throw re;
                if (f instanceof Error e) throw e;
                throw new RuntimeException(f);
            }
        } finally {
            submit.unlock();
        }
    }

    /** One range per thread. */
    public void forRange(int n, RangeBody body) { forRange(n, threads, 1, body); }

    @Override public void close() {
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w);
    }

    private final class Worker extends Thread {
        volatile boolean sleeping;

        Worker(int index) {
            super("codi4j-cpu-" + index);
            setDaemon(true);
        }

        @Override public void run() {
            Job seen = null;
            while (!closed) {
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                Job job;
                while (((job = current) == null || job == seen) && !closed) {
                    if (System.nanoTime() < spinUntil) { Thread.onSpinWait(); continue; }
                    sleeping = true;
                    if (((job = current) == null || job == seen) && !closed) LockSupport.park(this); // re-check after announcing, so no wake-up is lost
                    sleeping = false;
                }
                if (closed) return;
                seen = job;
                job.work();
            }
        }
    }
}
