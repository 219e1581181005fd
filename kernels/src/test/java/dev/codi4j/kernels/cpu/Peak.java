package dev.codi4j.kernels.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The ceilings the timings are measured against: FMA throughput and memory read bandwidth, measured now. */
public final class Peak {
    private Peak() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();

    /** 12 independent FMA chains per thread; best of 5. */
    public static double fmaGflops(int threads) {
        int iters = 40_000_000 / LANES;
        double best = 0;
        for (int rep = 0; rep < 5; rep++) {
            Thread[] ts = new Thread[threads];
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) { ts[t] = new Thread(() -> sink(fmaLoop(iters))); ts[t].start(); }
            for (Thread t : ts) join(t);
            double s = (System.nanoTime() - t0) / 1e9;
            if (rep > 0) best = Math.max(best, 2.0 * 12 * LANES * (double) iters * threads / s / 1e9);
        }
        return best;
    }

    /** One thread's FMA rate by its own CPU time (robust to other processes on the cores); best of 5. */
    public static double fmaGflopsCpuTime() {
        var tm = java.lang.management.ManagementFactory.getThreadMXBean();
        int iters = 40_000_000 / LANES;
        double best = 0;
        for (int rep = 0; rep < 5; rep++) {
            long t0 = tm.getCurrentThreadCpuTime();
            sink(fmaLoop(iters));
            double s = (tm.getCurrentThreadCpuTime() - t0) / 1e9;
            if (rep > 0) best = Math.max(best, 2.0 * 12 * LANES * (double) iters / s / 1e9);
        }
        return best;
    }

    private static float fmaLoop(int iters) {
        FloatVector a0 = FloatVector.broadcast(F, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        FloatVector x = FloatVector.broadcast(F, 0.999999f), y = FloatVector.broadcast(F, 1e-7f);
        for (int i = 0; i < iters; i++) {
            a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y); a4 = a4.fma(x, y); a5 = a5.fma(x, y);
            a6 = a6.fma(x, y); a7 = a7.fma(x, y); a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).reduceLanes(VectorOperators.ADD);
    }

    /** Read bandwidth: threads each sum their half of a 1 GiB off-heap array with vectors; best of 5. */
    public static double readGBs(int threads) {
        long bytes = 1L << 30;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(bytes, 64);
            seg.fill((byte) 1);
            double best = 0;
            for (int rep = 0; rep < 5; rep++) {
                Thread[] ts = new Thread[threads];
                long t0 = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    long lo = bytes / threads * t, hi = bytes / threads * (t + 1);
                    ts[t] = new Thread(() -> sink(sum(seg, lo, hi)));
                    ts[t].start();
                }
                for (Thread t : ts) join(t);
                double s = (System.nanoTime() - t0) / 1e9;
                if (rep > 0) best = Math.max(best, bytes / s / 1e9);
            }
            return best;
        }
    }

    private static float sum(MemorySegment s, long lo, long hi) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long step = 4L * F.vectorByteSize();
        for (long o = lo; o < hi; o += step) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, s, o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(F, s, o + F.vectorByteSize(), ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(F, s, o + 2L * F.vectorByteSize(), ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(F, s, o + 3L * F.vectorByteSize(), ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    static volatile float sinkhole;

    private static void sink(float v) { sinkhole += v; }

    private static void join(Thread t) {
        try { t.join(); } catch (InterruptedException e) { Thread.currentThread().interrupt(); throw new IllegalStateException(e); }
    }
}
