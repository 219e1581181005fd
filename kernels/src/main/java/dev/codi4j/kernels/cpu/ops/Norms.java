package dev.codi4j.kernels.cpu.ops;

import dev.codi4j.kernels.cpu.Lanes;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.F;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.L;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.ld;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.st;

import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Shapes;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Softmax, LayerNorm, RMSNorm over the last dimension and GroupNorm over (C/G, *spatial) blocks.
 * Mean and variance use shifted data (a rough mean first, then sums of x − mean, which stay
 * small) in float vectors over L1-sized stretches, merged in double with Chan's formula, so they
 * stay accurate on the 2.4-million-element groups of the SD VAE and on data whose mean dwarfs its
 * spread; the mean is then subtracted as a float pair.
 */
public final class Norms {
    private Norms() {}

    /** A kernel over one F32 row at byte offsets, source and destination (may be the same memory). */
    @FunctionalInterface
    interface RowKernel { void run(MemorySegment xs, long xb, MemorySegment os, long ob, int n); }

    /** Runs {@code k} over every last-dimension row of x into out, buffering rows that are not contiguous F32. */
    static void rows(Parallel pool, Tensor x, Tensor out, int costPerElement, RowKernel k) {
        Shapes.requireSameShape(x, "x", out, "out");
        if (x.rank() == 0) throw new ShapeException("needs at least one dimension, got a scalar");
        int n = x.dim(-1);
        if (n == 0 || x.numel() == 0) return;
        int[] lead = Arrays.copyOf(x.shape(), x.rank() - 1);
        long[] xl = Arrays.copyOf(x.strides(), x.rank() - 1), ol = Arrays.copyOf(out.strides(), out.rank() - 1);
        Strided it = Strided.coalesce(lead, new long[][] {xl, ol, ol}, new long[] {x.offset(), out.offset(), out.offset()});
        long sx = x.stride(-1), so = out.stride(-1);
        DType xt = x.dtype(), ot = out.dtype();
        boolean direct = xt == DType.F32 && ot == DType.F32 && (sx == 1 || n == 1) && (so == 1 || n == 1);
        MemorySegment xs = x.segment(), os = out.segment();
        long grain = Math.max(1, (Elementwise.GRAIN / costPerElement) / n);
        it.run(pool, grain, (xo, oo, unused, count) -> {
            long rx = it.innerStride(0), ro = it.innerStride(1);
            float[] buf = direct ? null : new float[n];
            MemorySegment bs = direct ? null : MemorySegment.ofArray(buf);
            for (int r = 0; r < count; r++) {
                long xr = xo + r * rx, or = oo + r * ro;
                if (direct) k.run(xs, xr * 4, os, or * 4, n);
                else {
                    RowIO.load(xt, xs, xr, sx, n, buf, 0);
                    k.run(bs, 0, bs, 0, n);
                    RowIO.store(buf, 0, ot, os, or, so, n);
                }
            }
        });
    }

    static float[] vector(Tensor t, int n, String name) {
        if (t == null) return null;
        Shapes.requireShape(t, name, n);
        float[] v = new float[n];
        RowIO.load(t.dtype(), t.segment(), t.offset(), t.stride(0), n, v, 0);
        return v;
    }

    /** A per-feature vector (weight or bias) as F32 memory: in place when it already is, else converted once. */
    record Vec(MemorySegment seg, long b) {}

    static Vec vec(Tensor t, int n, String name) {
        if (t == null) return null;
        Shapes.requireShape(t, name, n);
        if (t.dtype() == DType.F32 && (t.stride(0) == 1 || n == 1)) return new Vec(t.segment(), t.byteOffset());
        return new Vec(MemorySegment.ofArray(vector(t, n, name)), 0);
    }

    // ---- softmax -----------------------------------------------------------------------------

    public static void softmax(Parallel pool, Tensor x, Tensor out) {
        rows(pool, x, out, 4, Norms::softmaxRow);
    }

    static void softmaxRow(MemorySegment xs, long xb, MemorySegment os, long ob, int n) {
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i <= n - L; i += L) mx = mx.max(ld(xs, xb, i));
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); mx = mx.lanewise(VectorOperators.MAX, ld(xs, xb, i, m), m); }
        float max = mx.reduceLanes(VectorOperators.MAX);
        float s = expShifted(xs, xb, os, ob, n, max == Float.NEGATIVE_INFINITY ? 0f : max);
        FloatVector inv = FloatVector.broadcast(F, s == 0 ? 0f : 1f / s);
        for (i = 0; i <= n - L; i += L) st(ld(os, ob, i).mul(inv), os, ob, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(ld(os, ob, i, m).mul(inv), os, ob, i, m); }
    }

    /** out = e^(x − shift), returning Σ out; one masked loop so exp is inlined once. */
    private static float expShifted(MemorySegment xs, long xb, MemorySegment os, long ob, int n, float max) {
        FloatVector shift = FloatVector.broadcast(F, max);
        FloatVector sum = FloatVector.zero(F);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector e = VMath.expNonPositive(ld(xs, xb, i, m).sub(shift));
            st(e, os, ob, i, m);
            sum = sum.add(e, m);
        }
        return VMath.sum(sum);
    }

    // ---- layer norm / rms norm -------------------------------------------------------------

    public static void layerNorm(Parallel pool, Tensor x, Tensor weight, Tensor bias, float eps, Tensor out) {
        int d = x.rank() == 0 ? 0 : x.dim(-1);
        Vec w = vec(weight, d, "layerNorm weight"), b = vec(bias, d, "layerNorm bias");
        rows(pool, x, out, 3, (xs, xb, os, ob, n) -> layerNormRow(xs, xb, os, ob, n, w, b, eps));
    }

    /** Sum of a row in float vectors, folded into double every 64 vectors. */
    static double sum(MemorySegment s, long b, int n) {
        double total = 0;
        int i = 0;
        while (i < n) {
            int end = Math.min(n, i + 64 * L);
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            for (; i <= end - 2 * L; i += 2 * L) { a0 = a0.add(ld(s, b, i)); a1 = a1.add(ld(s, b, i + L)); }
            for (; i < end; i += L) { VectorMask<Float> m = F.indexInRange(i, end); a0 = a0.add(ld(s, b, i, m)); }
            total += VMath.sum(a0.add(a1));
        }
        return total;
    }

    /** {Σ (x − c), Σ (x − c)²} of a row, float vectors folded into double every 64 vectors. */
    static double[] centredSums(MemorySegment s, long b, int n, float c) {
        FloatVector cv = FloatVector.broadcast(F, c);
        double s1 = 0, s2 = 0;
        int i = 0;
        while (i < n) {
            int end = Math.min(n, i + 64 * L);
            FloatVector a0 = FloatVector.zero(F), a1 = a0, q0 = a0, q1 = a0;
            for (; i <= end - 2 * L; i += 2 * L) {
                FloatVector d0 = ld(s, b, i).sub(cv), d1 = ld(s, b, i + L).sub(cv);
                a0 = a0.add(d0);
                a1 = a1.add(d1);
                q0 = d0.fma(d0, q0);
                q1 = d1.fma(d1, q1);
            }
            for (; i < end; i += L) {
                VectorMask<Float> m = F.indexInRange(i, end);
                FloatVector d0 = ld(s, b, i, m).sub(cv);
                a0 = a0.add(d0, m);
                q0 = q0.add(d0.mul(d0), m);
            }
            s1 += VMath.sum(a0.add(a1));
            s2 += VMath.sum(q0.add(q1));
        }
        return new double[] {s1, s2};
    }

    /**
     * Mean and population variance of a row by the shifted-data method: a first pass for a rough
     * mean c, then exact-ish sums of x − c (which are small however large the mean is).
     */
    static double[] meanVar(MemorySegment s, long b, int n) {
        float c = (float) (sum(s, b, n) / n);
        double[] cs = centredSums(s, b, n, c);
        double d = cs[0] / n;
        return new double[] {c + d, Math.max(0, cs[1] / n - d * d)};
    }

    static void layerNormRow(MemorySegment xs, long xb, MemorySegment os, long ob, int n, Vec w, Vec b, float eps) {
        double[] mv2 = meanVar(xs, xb, n);
        FloatVector inv = FloatVector.broadcast(F, (float) (1 / Math.sqrt(mv2[1] + eps)));
        // the mean as a float pair: x − hi is exact for x near the mean, so a large mean costs no accuracy
        float hi = (float) mv2[0];
        FloatVector mh = FloatVector.broadcast(F, hi), ml = FloatVector.broadcast(F, (float) (mv2[0] - hi));
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector y = ld(xs, xb, i).sub(mh).sub(ml).mul(inv);
            if (w != null) y = y.mul(ld(w.seg, w.b, i));
            if (b != null) y = y.add(ld(b.seg, b.b, i));
            st(y, os, ob, i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector y = ld(xs, xb, i, m).sub(mh).sub(ml).mul(inv);
            if (w != null) y = y.mul(ld(w.seg, w.b, i, m));
            if (b != null) y = y.add(ld(b.seg, b.b, i, m));
            st(y, os, ob, i, m);
        }
    }

    public static void rmsNorm(Parallel pool, Tensor x, Tensor weight, float eps, Tensor out) {
        int d = x.rank() == 0 ? 0 : x.dim(-1);
        Vec w = vec(weight, d, "rmsNorm weight");
        rows(pool, x, out, 2, (xs, xb, os, ob, n) -> rmsNormRow(xs, xb, os, ob, n, w, eps));
    }

    static void rmsNormRow(MemorySegment xs, long xb, MemorySegment os, long ob, int n, Vec w, float eps) {
        double ss = centredSums(xs, xb, n, 0f)[1];
        FloatVector inv = FloatVector.broadcast(F, (float) (1 / Math.sqrt(ss / n + eps)));
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector y = ld(xs, xb, i).mul(inv);
            if (w != null) y = y.mul(ld(w.seg, w.b, i));
            st(y, os, ob, i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector y = ld(xs, xb, i, m).mul(inv);
            if (w != null) y = y.mul(ld(w.seg, w.b, i, m));
            st(y, os, ob, i, m);
        }
    }

    // ---- group norm -------------------------------------------------------------------------

    /** Elements per stretch whose mean and centred squares are taken in float before merging in double. */
    private static final int STRETCH = 4096;

    public static void groupNorm(Parallel pool, Tensor x, int groups, Tensor weight, Tensor bias, float eps, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        if (x.rank() < 2) throw new ShapeException("groupNorm needs x (N, C, ...), got " + x.describe());
        int nb = x.dim(0), c = x.dim(1);
        if (groups <= 0 || c % groups != 0) throw new ShapeException("groupNorm: " + c + " channels do not split into " + groups + " groups; use a group count that divides C");
        float[] w = vector(weight, c, "groupNorm weight"), b = vector(bias, c, "groupNorm bias");
        if (x.numel() == 0) return;
        boolean direct = x.dtype() == DType.F32 && out.dtype() == DType.F32 && x.isContiguous() && out.isContiguous();
        if (!direct) {
            // rare layouts: normalise a contiguous F32 copy, then copy back in the caller's layout
            Tensor xc = Tensor.allocate(DType.F32, x.shape()), oc = Tensor.allocate(DType.F32, x.shape());
            try {
                Copy.copy(pool, x, xc);
                groupNorm(pool, xc, groups, weight, bias, eps, oc);
                Copy.copy(pool, oc, out);
            } finally {
                xc.close();
                oc.close();
            }
            return;
        }
        int spatial = Math.toIntExact(x.numel() / ((long) nb * c));
        int cg = c / groups;
        long len = (long) cg * spatial;
        MemorySegment xs = x.segment(), os = out.segment();
        long xb0 = x.byteOffset(), ob0 = out.byteOffset();
        int tasks = nb * groups;
        long work = x.numel();
        int chunks = work < 2 * Elementwise.GRAIN ? 1 : Math.min(pool.threads(), tasks);
        pool.forRange(tasks, chunks, 1, (wk, s, e) -> {
            for (int t = s; t < e; t++) {
                int g = t % groups;
                long base = (long) t * len; // element offset of this (n, g) block
                double[] ms = stats(xs, xb0 + base * 4, len);
                float meanHi = (float) ms[0], meanLo = (float) (ms[0] - meanHi);
                double inv = 1 / Math.sqrt(ms[1] + eps);
                for (int ch = 0; ch < cg; ch++) {
                    int cc = g * cg + ch;
                    float a = (float) (inv * (w == null ? 1 : w[cc]));
                    float bb = b == null ? 0f : b[cc];
                    long off = (base + (long) ch * spatial) * 4;
                    scaleShift(xs, xb0 + off, os, ob0 + off, spatial, meanHi, meanLo, a, bb);
                }
            }
        });
    }

    /** Mean and (population) variance of n contiguous floats: exact-ish two-pass per stretch, Chan's merge in double. */
    static double[] stats(MemorySegment s, long b, long n) {
        double count = 0, mean = 0, m2 = 0;
        for (long i = 0; i < n; i += STRETCH) {
            int k = (int) Math.min(STRETCH, n - i);
            long at = b + i * 4;
            double[] mv = meanVar(s, at, k);
            double mk = mv[0], m2k = mv[1] * k;
            double delta = mk - mean, total = count + k;
            mean += delta * k / total;
            m2 += m2k + delta * delta * count * k / total;
            count = total;
        }
        return new double[] {mean, Math.max(0, m2 / n)};
    }

    /** out = (x − (meanHi + meanLo))·a + b over n floats. */
    private static void scaleShift(MemorySegment xs, long xb, MemorySegment os, long ob, int n, float meanHi, float meanLo, float a, float b) {
        FloatVector mh = FloatVector.broadcast(F, meanHi), ml = FloatVector.broadcast(F, meanLo), av = FloatVector.broadcast(F, a), bv = FloatVector.broadcast(F, b);
        int i = 0;
        for (; i <= n - L; i += L) st(ld(xs, xb, i).sub(mh).sub(ml).fma(av, bv), os, ob, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(ld(xs, xb, i, m).sub(mh).sub(ml).fma(av, bv), os, ob, i, m); }
    }
}
