package dev.codi4j.bench;

import dev.codi4j.kernels.cpu.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.DoubleAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two ceilings every kernel is measured against, taken on this machine in the same run:
 * memory read bandwidth and the FP32 FMA peak, both with the Vector API on the kernels' thread pool.
 */
public final class Rooflines {
    private Rooflines() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static volatile float sink;

    /**
     * Best read bandwidth (bytes/s) of a vectorised sum over {@code bytes} of off-heap memory, each
     * thread reading one contiguous share, best of {@code reps} passes (after a first-touch fill and a
     * warm-up that lets the JIT compile the loop).
     */
    public static double memoryReadBandwidth(Parallel pool, long bytes, int reps) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(bytes, 4096);
            int t = pool.threads();
            long share = bytes / t / 256 * 256;
            pool.forRange(t, t, 1, (w, s, e) -> { for (int i = s; i < e; i++) seg.asSlice(i * share, share).fill((byte) 1); });
            // Compile sum() fully before timing: a few 1 GiB passes only ever run it as on-stack-replaced
            // code, which reads markedly slower than the compiled loop and so overstated every
            // fraction of this ceiling.
            for (int i = 0; i < 20_000; i++) sink += sum(seg, 0, Math.min(share, 64 << 10));
            double best = 0;
            for (int r = 0; r < reps; r++) {
                DoubleAdder acc = new DoubleAdder();
                long t0 = System.nanoTime();
                pool.forRange(t, t, 1, (w, s, e) -> { for (int i = s; i < e; i++) acc.add(sum(seg, i * share, (i + 1) * share)); });
                long ns = System.nanoTime() - t0;
                sink += (float) acc.sum();
                best = Math.max(best, (double) share * t / ns * 1e9);
            }
            return best;
        }
    }

    private static float sum(MemorySegment s, long from, long to) {
        int vb = F.vectorByteSize();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (long o = from; o <= to - 4L * vb; o += 4L * vb) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, s, o, LE));
            a1 = a1.add(FloatVector.fromMemorySegment(F, s, o + vb, LE));
            a2 = a2.add(FloatVector.fromMemorySegment(F, s, o + 2L * vb, LE));
            a3 = a3.add(FloatVector.fromMemorySegment(F, s, o + 3L * vb, LE));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    /**
     * FP32 FMA peak (flop/s) of all pool threads running 12 independent vector FMA chains (enough to
     * cover FMA latency × issue width on current x86 and ARM cores), best of {@code reps}.
     */
    public static double fmaPeak(Parallel pool, long itersPerThread, int reps) {
        int t = pool.threads();
        double best = 0;
        fma(itersPerThread / 10); // warm-up (compiles the loop)
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            pool.forRange(t, t, 1, (w, s, e) -> { for (int i = s; i < e; i++) sink += fma(itersPerThread); });
            long ns = System.nanoTime() - t0;
            best = Math.max(best, (double) itersPerThread * t * 12 * F.length() * 2 / ns * 1e9);
        }
        return best;
    }

    private static float fma(long iters) {
        FloatVector a0 = FloatVector.broadcast(F, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        FloatVector x = FloatVector.broadcast(F, 0.999999f), y = FloatVector.broadcast(F, 1e-7f);
        for (long i = 0; i < iters; i++) {
            a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y);
            a4 = a4.fma(x, y); a5 = a5.fma(x, y); a6 = a6.fma(x, y); a7 = a7.fma(x, y);
            a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).reduceLanes(VectorOperators.ADD);
    }
}
