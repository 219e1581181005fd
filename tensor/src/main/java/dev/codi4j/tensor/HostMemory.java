package dev.codi4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Off-heap host memory for tensors, pooled by size class.
 *
 * <p>Why a pool: a forward pass of a UNet allocates gigabytes of short-lived activations; shared
 * arenas are expensive to close (a handshake with every thread) and the garbage collector does not
 * see off-heap pressure. Blocks are 64-byte aligned, returned to the pool when their storage is
 * closed (explicitly, by a {@link Scope}, or by a {@link Cleaner} when it becomes unreachable) and
 * reused for the next request of the same size class. Memory stays inside live arenas, so a stale
 * view can read wrong values but can never touch unmapped memory.
 */
public final class HostMemory {
    private HostMemory() {}

    private static final Cleaner CLEANER = Cleaner.create();
    private static final Map<Long, ArrayDeque<Block>> FREE = new HashMap<>();
    private static final AtomicLong LIVE = new AtomicLong(), CACHED = new AtomicLong(), PEAK = new AtomicLong();
    private static volatile long maxCached = Math.max(256L << 20, Runtime.getRuntime().maxMemory());

    private record Block(Arena arena, MemorySegment segment, long sizeClass) {}

    /** Rounds up to a size class: powers of two below 64 KiB, then eighths of the next power of two (≤ 12.5 % slack). */
    static long sizeClass(long bytes) {
        if (bytes <= 64) return 64;
        long p = Long.highestOneBit(bytes - 1) << 1; // next power of two ≥ bytes
        if (p <= 65536) return p;
        long step = p / 16;
        return (bytes + step - 1) / step * step;
    }

    /** Allocates {@code bytes} of host memory; zero-filled when {@code zero}. */
    public static Storage allocate(long bytes, boolean zero) {
        if (bytes < 0) throw new IllegalArgumentException("negative size " + bytes);
        long cls = sizeClass(Math.max(bytes, 1));
        Block b;
        synchronized (FREE) {
            ArrayDeque<Block> q = FREE.get(cls);
            b = q == null ? null : q.pollFirst();
        }
        if (b != null) {
            CACHED.addAndGet(-cls);
            if (zero) b.segment.asSlice(0, bytes).fill((byte) 0);
        } else {
            Arena arena = Arena.ofShared();
            try {
                b = new Block(arena, arena.allocate(cls, 64), cls); // fresh memory is zeroed
            } catch (OutOfMemoryError e) {
                arena.close();
                trim();
                Arena retry = Arena.ofShared();
                try {
                    b = new Block(retry, retry.allocate(cls, 64), cls);
                } catch (OutOfMemoryError e2) {
                    retry.close();
                    throw new OutOfMemoryError("codi4j: cannot allocate " + bytes + " bytes of off-heap memory ("
                            + (LIVE.get() >> 20) + " MiB in live tensors); use a smaller batch/size or a quantised dtype");
                }
            }
        }
        long live = LIVE.addAndGet(cls);
        PEAK.accumulateAndGet(live, Math::max);
        PooledStorage s = new PooledStorage(b.segment.asSlice(0, bytes), new Release(b));
        s.cleanable = CLEANER.register(s, s.release);
        Scope.register(s);
        return s;
    }

    /** Closes every cached free block, returning its memory to the operating system. */
    public static void trim() {
        ArrayDeque<Block> all = new ArrayDeque<>();
        synchronized (FREE) {
            for (ArrayDeque<Block> q : FREE.values()) all.addAll(q);
            FREE.clear();
        }
        for (Block b : all) { CACHED.addAndGet(-b.sizeClass); b.arena.close(); }
    }

    /** Bytes held by tensors that are still open. */
    public static long liveBytes() { return LIVE.get(); }

    /** Highest {@link #liveBytes()} seen since start or the last {@link #resetPeak()}. */
    public static long peakBytes() { return PEAK.get(); }

    public static void resetPeak() { PEAK.set(LIVE.get()); }

    /** Bytes kept in the pool for reuse. */
    public static long cachedBytes() { return CACHED.get(); }

    /** Upper bound of pooled free bytes; blocks beyond it are returned to the system at once. */
    public static void setMaxCachedBytes(long bytes) { maxCached = bytes; }

    private static void recycle(Block b) {
        LIVE.addAndGet(-b.sizeClass);
        if (CACHED.get() + b.sizeClass > maxCached) { b.arena.close(); return; }
        CACHED.addAndGet(b.sizeClass);
        synchronized (FREE) { FREE.computeIfAbsent(b.sizeClass, k -> new ArrayDeque<>()).addFirst(b); }
    }

    /** Runs at most once, from close() or from the cleaner; must not reference the storage object. */
    private static final class Release implements Runnable {
        private final Block block;
        private boolean done;
        Release(Block block) { this.block = block; }
        @Override public void run() {
            synchronized (this) { if (done) return; done = true; }
            recycle(block);
        }
    }

    static final class PooledStorage implements Storage {
        private final MemorySegment segment;
        private final Release release;
        private Cleaner.Cleanable cleanable;
        private volatile boolean closed;

        PooledStorage(MemorySegment segment, Release release) { this.segment = segment; this.release = release; }

        @Override public Device device() { return Device.CPU; }
        @Override public long byteSize() { return segment.byteSize(); }
        @Override public MemorySegment segment() {
            if (closed) throw new IllegalStateException("tensor storage was already released (closed tensor or ended Scope)");
            return segment;
        }
        @Override public void close() { closed = true; cleanable.clean(); }
        @Override public String toString() { return "host(" + segment.byteSize() + " bytes)"; }
    }
}
