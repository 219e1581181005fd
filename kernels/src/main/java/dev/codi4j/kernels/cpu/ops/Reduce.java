package dev.codi4j.kernels.cpu.ops;

import static dev.codi4j.kernels.cpu.ops.UnaryKernels.F;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.L;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.ld;

import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Shapes;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Reductions along one dimension and argmax. Sums accumulate in double (per element for columns,
 * per stretch of float vectors for rows), so SUM/MEAN match the double reference closely.
 */
public final class Reduce {
    private Reduce() {}

    public static void reduce(Parallel pool, ReduceOp op, Tensor x, int dim, Tensor out) {
        int a = x.axis(dim);
        int[] os = x.shape();
        int len = os[a];
        os[a] = 1;
        if (!Arrays.equals(os, out.shape())) throw new ShapeException("reduce out " + out.describe() + " should be " + Arrays.toString(os));
        if (out.numel() == 0) return;
        // view as (rows, len): the reduced axis moved last
        Tensor xm = x.transpose(a, -1), om = out.transpose(a, -1);
        int[] lead = Arrays.copyOf(xm.shape(), xm.rank() - 1);
        long[] xl = Arrays.copyOf(xm.strides(), xm.rank() - 1), ol = Arrays.copyOf(om.strides(), om.rank() - 1);
        Strided it = Strided.coalesce(lead, new long[][] {xl, ol, ol}, new long[] {xm.offset(), om.offset(), om.offset()});
        long sr = xm.stride(-1);
        DType xt = x.dtype(), ot = out.dtype();
        MemorySegment xs = x.segment(), osg = out.segment();
        boolean rowsContiguous = xt == DType.F32 && (sr == 1 || len <= 1);
        long sx = it.innerStride(0), so = it.innerStride(1);
        if (!rowsContiguous && xt == DType.F32 && sx == 1 && len > 0) {
            // reducing across rows: vectorise along the contiguous kept dimension
            it.run(pool, Math.max(1, Elementwise.GRAIN / Math.max(1, len)), (xo, oo, unused, n) -> columns(op, xs, xo, sr, len, n, ot, osg, oo, so));
            return;
        }
        it.run(pool, Math.max(1, Elementwise.GRAIN / Math.max(1, len)), (xo, oo, unused, n) -> {
            float[] buf = rowsContiguous ? null : new float[len];
            MemorySegment bs = rowsContiguous ? null : MemorySegment.ofArray(buf);
            for (int r = 0; r < n; r++) {
                long xr = xo + r * sx;
                float v;
                if (rowsContiguous) v = row(op, xs, xr * 4, len);
                else {
                    RowIO.load(xt, xs, xr, sr, len, buf, 0);
                    v = row(op, bs, 0, len);
                }
                RowIO.set(ot, osg, oo + r * so, v);
            }
        });
    }

    static float row(ReduceOp op, MemorySegment s, long b, int n) {
        return switch (op) {
            case SUM -> (float) Norms.sum(s, b, n);
            case MEAN -> (float) (Norms.sum(s, b, n) / n);
            case MAX -> extreme(s, b, n, true);
            case MIN -> extreme(s, b, n, false);
        };
    }

    private static float extreme(MemorySegment s, long b, int n, boolean max) {
        VectorOperators.Associative opv = max ? VectorOperators.MAX : VectorOperators.MIN;
        FloatVector acc = FloatVector.broadcast(F, max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
        int i = 0;
        for (; i <= n - L; i += L) acc = acc.lanewise(opv, ld(s, b, i));
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); acc = acc.lanewise(opv, ld(s, b, i, m), m); }
        return acc.reduceLanes(opv);
    }

    /** n independent reductions of len values each, value k of reduction j at element xo + k·sr + j. */
    private static void columns(ReduceOp op, MemorySegment xs, long xo, long sr, int len, int n, DType ot, MemorySegment os, long oo, long so) {
        double[] acc = new double[n];
        float[] row = new float[n];
        if (op == ReduceOp.MAX || op == ReduceOp.MIN) {
            float[] best = new float[n];
            MemorySegment.copy(xs, Numerics.F32, xo * 4, best, 0, n);
            for (int k = 1; k < len; k++) {
                MemorySegment.copy(xs, Numerics.F32, (xo + k * sr) * 4, row, 0, n);
                if (op == ReduceOp.MAX) for (int j = 0; j < n; j++) best[j] = Math.max(best[j], row[j]);
                else for (int j = 0; j < n; j++) best[j] = Math.min(best[j], row[j]);
            }
            for (int j = 0; j < n; j++) RowIO.set(ot, os, oo + j * so, best[j]);
            return;
        }
        for (int k = 0; k < len; k++) {
            MemorySegment.copy(xs, Numerics.F32, (xo + k * sr) * 4, row, 0, n);
            for (int j = 0; j < n; j++) acc[j] += row[j];
        }
        for (int j = 0; j < n; j++) RowIO.set(ot, os, oo + j * so, (float) (op == ReduceOp.MEAN ? acc[j] / len : acc[j]));
    }

    public static void argmax(Parallel pool, Tensor x, Tensor out) {
        if (x.rank() == 0) throw new ShapeException("argmax needs at least one dimension, got a scalar");
        int n = x.dim(-1);
        int[] lead = Arrays.copyOf(x.shape(), x.rank() - 1);
        Shapes.requireShape(out, "argmax out", lead);
        if (out.numel() == 0) return;
        if (n == 0) throw new ShapeException("argmax over an empty dimension of " + x.describe());
        long[] xl = Arrays.copyOf(x.strides(), x.rank() - 1);
        long[] ol = out.strides();
        Strided it = Strided.coalesce(lead, new long[][] {xl, ol, ol}, new long[] {x.offset(), out.offset(), out.offset()});
        long sr = x.stride(-1);
        DType xt = x.dtype(), ot = out.dtype();
        MemorySegment xs = x.segment(), os = out.segment();
        boolean direct = xt == DType.F32 && (sr == 1 || n == 1);
        it.run(pool, Math.max(1, Elementwise.GRAIN / n), (xo, oo, unused, count) -> {
            float[] buf = new float[n];
            long rx = it.innerStride(0), ro = it.innerStride(1);
            for (int r = 0; r < count; r++) {
                long xr = xo + r * rx;
                int best;
                if (direct) best = argmaxRow(xs, xr * 4, n, buf);
                else {
                    RowIO.load(xt, xs, xr, sr, n, buf, 0);
                    best = argmaxScalar(buf, n);
                }
                RowIO.setLong(ot, os, oo + r * ro, best);
            }
        });
    }

    /** First index of the maximum (ties to the first), exactly the reference's strict-greater scan. */
    private static int argmaxRow(MemorySegment s, long b, int n, float[] buf) {
        float m = extreme(s, b, n, true);
        if (Float.isNaN(m)) { // NaN never compares greater: only the scalar scan gives the reference answer
            MemorySegment.copy(s, Numerics.F32, b, buf, 0, n);
            return argmaxScalar(buf, n);
        }
        FloatVector mv = FloatVector.broadcast(F, m);
        int i = 0;
        for (; i <= n - L; i += L) {
            VectorMask<Float> hit = ld(s, b, i).compare(VectorOperators.EQ, mv);
            if (hit.anyTrue()) return i + hit.firstTrue();
        }
        for (; i < n; i++) if (s.get(Numerics.F32, b + 4L * i) == m) return i;
        return 0;
    }

    private static int argmaxScalar(float[] v, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
