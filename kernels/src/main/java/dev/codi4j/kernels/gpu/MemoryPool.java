package dev.codi4j.kernels.gpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Device memory by size class, reused instead of freed: allocating GPU memory synchronises the
 * device on most drivers, and a UNet step allocates and drops hundreds of activations.
 *
 * <p>Buffers come back through {@link #release} from any thread (a {@link java.lang.ref.Cleaner}
 * included) and are only queued there; real frees happen on the backend's thread, inside {@link
 * #allocate} or {@link #trim}, because CUDA frees need the context current on the calling thread.
 * A buffer returned while kernels that use it are still queued is safe to hand out again: the next
 * user's work is enqueued behind them on the same in-order queue.
 */
public final class MemoryPool {
    private final GpuRuntime runtime;
    private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
    private final List<long[]> returned = new ArrayList<>(); // {handle, sizeClass} from release()
    private long live, cached, peak;
    private final long maxCached;
    private boolean closed;

    /**
     * @param maxCached bytes of free buffers kept for reuse; beyond that, returned buffers are freed
     */
    public MemoryPool(GpuRuntime runtime, long maxCached) {
        this.runtime = runtime;
        this.maxCached = maxCached;
    }

    /** Rounds up to a size class: powers of two up to 1 MiB, then sixteenths of the next power of two. */
    public static long sizeClass(long bytes) {
        if (bytes <= 256) return 256;
        long p = Long.highestOneBit(bytes - 1) << 1;
        if (p <= (1 << 20)) return p;
        long step = p / 16;
        return (bytes + step - 1) / step * step;
    }

    /** A buffer of at least {@code bytes}; returns {handle, sizeClass}. */
    public synchronized long[] allocate(long bytes) {
        if (closed) throw new IllegalStateException("the GPU backend was closed; its memory pool cannot allocate");
        drainReturned();
        long cls = sizeClass(Math.max(bytes, 1));
        ArrayDeque<Long> q = free.get(cls);
        Long h = q == null ? null : q.pollFirst();
        if (h != null) {
            cached -= cls;
        } else {
            try {
                h = runtime.allocate(cls);
            } catch (GpuOutOfMemoryException e) {
                trimLocked();
                try {
                    h = runtime.allocate(cls);
                } catch (GpuException e2) {
                    throw new GpuOutOfMemoryException("out of memory on " + runtime.device() + " allocating " + mib(bytes) + " MiB ("
                            + mib(live) + " MiB held by live tensors, device has " + mib(runtime.totalMemory())
                            + " MiB); use a smaller batch/resolution, a quantised weight dtype, or --device cpu", e2);
                }
            }
        }
        live += cls;
        peak = Math.max(peak, live);
        return new long[] {h, cls};
    }

    /** Gives a buffer back (any thread, at most once per allocation). */
    public void release(long handle, long sizeClass) {
        synchronized (returned) { returned.add(new long[] {handle, sizeClass}); }
    }

    private void drainReturned() {
        List<long[]> batch;
        synchronized (returned) {
            if (returned.isEmpty()) return;
            batch = new ArrayList<>(returned);
            returned.clear();
        }
        for (long[] r : batch) {
            live -= r[1];
            if (closed) continue;
            if (cached + r[1] > maxCached) { runtime.free(r[0]); continue; }
            cached += r[1];
            free.computeIfAbsent(r[1], k -> new ArrayDeque<>()).addFirst(r[0]);
        }
    }

    /** Frees every cached buffer. */
    public synchronized void trim() { trimLocked(); }

    private void trimLocked() {
        drainReturned();
        for (ArrayDeque<Long> q : free.values()) for (Long h : q) runtime.free(h);
        free.clear();
        cached = 0;
    }

    /** Bytes of allocated buffers not yet given back. */
    public synchronized long liveBytes() {
        long pending = 0;
        synchronized (returned) { for (long[] r : returned) pending += r[1]; }
        return live - pending;
    }

    public synchronized long peakBytes() { return peak; }

    public synchronized long cachedBytes() { return cached; }

    /** Frees cached buffers; later releases are dropped (the context that owned them is going away). */
    public synchronized void close() {
        trimLocked();
        closed = true;
    }

    private static long mib(long b) { return b >> 20; }
}
