package dev.codi4j.kernels.cpu.ops;

import dev.codi4j.kernels.cpu.Parallel;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Same-dtype copies whose source is contiguous along some dimension p while the destination is
 * contiguous along the last one (NCHW → NHWC and back, materialised transposes): done as 64×64
 * tiles, each read as 64 contiguous source runs and written as 64 contiguous destination runs,
 * instead of element by element with one side striding through memory.
 */
final class Transpose {
    private Transpose() {}

    private static final int T = 64;

    /** Returns false (doing nothing) when the layout has no such pair of dimensions. */
    static boolean copy(Parallel pool, Strided it, int es, MemorySegment ss, MemorySegment ds) {
        int r = it.rank(), q = r - 1, p = -1;
        for (int d = 0; d < q; d++) if (it.stride(0, d) == 1) p = d;
        if (p < 0 || it.size(p) < 8 || it.size(q) < 8) return false;
        int np = it.size(p), nq = it.size(q);
        long sq = it.stride(0, q), dp = it.stride(1, p);
        // every other dimension is a batch of independent np × nq transposes
        int[] bs = new int[r - 2];
        long[] bsS = new long[r - 2], bsD = new long[r - 2];
        for (int d = 0, k = 0; d < q; d++) if (d != p) { bs[k] = it.size(d); bsS[k] = it.stride(0, d); bsD[k] = it.stride(1, d); k++; }
        long batches = 1;
        for (int b : bs) batches *= b;
        int tp = (np + T - 1) / T, tq = (nq + T - 1) / T;
        long tiles = batches * tp * tq;
        int chunks = (int) Math.min(pool.threads(), Math.max(1, it.numel() / (1 << 16)));
        pool.forRange(Math.toIntExact(tiles), chunks, 1, (w, a, b) -> {
            int[] in = es == 4 ? new int[T * T] : null, out = es == 4 ? new int[T * T] : null;
            MemorySegment tm = es == 4 ? null : MemorySegment.ofArray(new byte[T * T * es]);
            for (int t = a; t < b; t++) {
                int iq = t % tq, ip = (t / tq) % tp;
                long batch = t / ((long) tq * tp);
                long so = it.base(0), dof = it.base(1);
                for (int k = bs.length - 1; k >= 0; k--) {
                    long ik = batch % bs[k];
                    batch /= bs[k];
                    so += ik * bsS[k];
                    dof += ik * bsD[k];
                }
                int p0 = ip * T, q0 = iq * T, mp = Math.min(T, np - p0), mq = Math.min(T, nq - q0);
                if (es == 4) {
                    for (int qq = 0; qq < mq; qq++) load(ss, (so + p0 + (q0 + qq) * sq) * 4, in, qq * T, mp);
                    for (int pp = 0; pp < mp; pp++) for (int qq = 0; qq < mq; qq++) out[pp * T + qq] = in[qq * T + pp];
                    for (int pp = 0; pp < mp; pp++) store(out, pp * T, ds, (dof + (p0 + pp) * dp + q0) * 4, mq);
                    continue;
                }
                for (int qq = 0; qq < mq; qq++) MemorySegment.copy(ss, (so + p0 + (q0 + qq) * sq) * es, tm, (long) qq * T * es, (long) mp * es);
                for (int pp = 0; pp < mp; pp++) {
                    long at = (dof + (p0 + pp) * dp + q0) * es;
                    for (int qq = 0; qq < mq; qq++) MemorySegment.copy(tm, ((long) qq * T + pp) * es, ds, at + (long) qq * es, es);
                }
            }
        });
        return true;
    }

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** n ints at byte offset b → a[at..]: vector loads (a bulk copy call costs more than 64 ints). */
    private static void load(MemorySegment s, long b, int[] a, int at, int n) {
        for (int i = 0; i < n; i += I.length()) {
            VectorMask<Integer> m = I.indexInRange(i, n);
            IntVector.fromMemorySegment(I, s, b + 4L * i, LE, m).intoArray(a, at + i, m);
        }
    }

    private static void store(int[] a, int at, MemorySegment s, long b, int n) {
        for (int i = 0; i < n; i += I.length()) {
            VectorMask<Integer> m = I.indexInRange(i, n);
            IntVector.fromArray(I, a, at + i, m).intoMemorySegment(s, b + 4L * i, LE, m);
        }
    }
}
