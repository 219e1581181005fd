package dev.codi4j.kernels.cpu.matmul;

import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Shapes;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * {@code out = x · wᵀ + bias} (PyTorch's {@code nn.Linear}) with w (N, K) in F32, F16, BF16, Q8_0 or
 * Q4_0, read in place. Up to {@link #GEMV_MAX_ROWS} activation rows go to the streaming GEMV
 * kernels (decode); more rows go to the blocked GEMM, which dequantises weights into its packed
 * panels (prefill, encoders). A single row against Q4_0 weights is quantised to int8 blocks first
 * ({@link GemvQ}, llama.cpp's numerics: about 1e-3 relative difference from the F32-activation result
 * that the other paths compute); a single row against F16 weights converts the halves with shifts
 * ({@link GemvF16}, the same products exactly, summed in another order).
 */
public final class Linear {
    private Linear() {}

    /**
     * Rows of x at or below which streaming the weights (GEMV) beats packing them (GEMM). Measured on
     * Zen 4, 2 threads, 4096×4096 weights, ms GEMV/GEMM: F16 m=4 3.2/4.4, m=6 4.4/4.2, m=8 4.8/5.3;
     * Q8_0 m=8 3.5/5.1; Q4_0 m=8 3.7/5.1 (GEMM with m=8 pays for a second 6-row panel). The
     * {@code crossover} line of {@code codi4j bench kernels} re-measures it.
     */
    public static final int GEMV_MAX_ROWS = Integer.getInteger("codi4j.gemv.maxRows", 8);
    private static volatile int gemvMaxRows = GEMV_MAX_ROWS;

    /** Overrides the GEMV/GEMM crossover (benchmarks measure both sides with it); returns the previous value. */
    public static int gemvMaxRows(int rows) { int old = gemvMaxRows; gemvMaxRows = rows; return old; }

    /** Runs the op; returns false (doing nothing) when the inputs need the reference path (non-F32 x or out, non-host tensors). */
    public static boolean run(Tensor x, Tensor w, Tensor bias, Tensor out, Parallel pool) {
        int k = x.dim(-1), n = w.rank() == 2 ? w.dim(0) : -1;
        if (w.rank() != 2 || w.dim(1) != k) throw new ShapeException("linear: weight " + w.describe() + " does not fit input " + x.describe() + " (expected (N, " + k + "))");
        if (bias != null) Shapes.requireShape(bias, "linear bias", n);
        int[] os = x.shape();
        os[os.length - 1] = n;
        if (!Arrays.equals(os, out.shape())) throw new ShapeException("linear out " + out.describe() + " should be " + Arrays.toString(os));
        if (!w.dtype().isFloating()) throw new ShapeException("linear: weight dtype " + w.dtype() + " is not a floating type; expected F32, F16, BF16, Q8_0 or Q4_0");
        if (!Views.hostF32(x) || !Views.hostF32(out) || !w.device().isHost() || (bias != null && !bias.device().isHost())) return false;
        boolean rowsContiguous = w.stride(1) == 1 || k <= 1;
        if (!rowsContiguous && w.dtype() != DType.F32) return false; // strided half/quantised weights: rare, left to the reference
        if (out.stride(-1) != 1 && n > 1) {
            Tensor tmp = Tensor.allocate(DType.F32, out.shape());
            try { run(x, w, bias, tmp, pool); Views.copyInto(tmp, out); } finally { tmp.close(); }
            return true;
        }
        int m = Math.toIntExact(x.numel() / Math.max(1, k));
        if (k == 0) m = Math.toIntExact(out.numel() / Math.max(1, n));
        float[] b = bias == null ? null : bias.toFloatArray();
        long[] xRows = Views.rowOffsets(x), oRows = Views.rowOffsets(out);
        MemorySegment ws = w.segment();
        long wBase = w.byteOffset();
        if (rowsContiguous && m <= gemvMaxRows && k > 0) {
            gemv(x.segment(), xRows, 4L * x.stride(-1), m, k, n, ws, wBase, w.dtype().byteSize(w.stride(0)), w.dtype(), b, out.segment(), oRows, pool);
            return true;
        }
        Gemm.PackB pb = rowsContiguous
                ? new Packers.WeightRowsB(ws, wBase, w.dtype().byteSize(w.stride(0)), w.dtype())
                : new Packers.StridedB(ws, wBase, 4L * w.stride(1), 4L * w.stride(0));
        Gemm.run(m, n, k, new Packers.StridedA(x.segment(), xRows, 4L * x.stride(-1)), pb, new Gemm.Out(out.segment(), oRows, b, null), pool);
        return true;
    }

    /** y[r][j] = x_r · w_j + b[j], streaming w once (per group of 4 rows of x) split over output features. */
    static void gemv(MemorySegment xs, long[] xRows, long xColStride, int m, int k, int n,
                     MemorySegment ws, long wBase, long wRowStride, DType dt, float[] bias,
                     MemorySegment os, long[] oRows, Parallel pool) {
        int ldx = k;
        float[] x = new float[m * ldx];
        for (int r = 0; r < m; r++) {
            if (xColStride == 4) MemorySegment.copy(xs, Numerics.F32, xRows[r], x, r * ldx, k);
            else for (int i = 0; i < k; i++) x[r * ldx + i] = xs.get(Numerics.F32, xRows[r] + i * xColStride);
        }
        boolean q8act = m == 1 && dt == DType.Q4_0 && GemvQ.AVAILABLE;
        float[] sums = q8act ? null : Gemv.blockSums(dt, x, m, k, ldx);
        GemvQ.Act act = q8act ? GemvQ.quantise(x, 0, k) : null;
        float[][] split = m == 1 && dt == DType.F16 ? GemvF16.prepare(x, 0, k) : null;
        int nb = k / 32;
        Parallel.RangeBody body = split != null
                ? (worker, j0, j1) -> { // one F16 row, halves converted by shifts (see GemvF16)
                    float[] even = split[0], odd = split[1];
                    for (int j = j0; j < j1; j++) os.set(Numerics.F32, oRows[0] + 4L * j, GemvF16.dot(ws, wBase + j * wRowStride, even, odd, k) + (bias == null ? 0 : bias[j]));
                }
                : q8act
                ? (worker, j0, j1) -> { // one Q4_0 row against int8-quantised activations (see GemvQ)
                    for (int j = j0; j < j1; j++) os.set(Numerics.F32, oRows[0] + 4L * j, GemvQ.dotQ4(ws, wBase + j * wRowStride, act) + (bias == null ? 0 : bias[j]));
                }
                : m == 1
                ? (worker, j0, j1) -> { // x (16 KiB for K = 4096) stays in L1: one pass over each weight row
                    float[] res = new float[4];
                    for (int j = j0; j < j1; j++) {
                        Gemv.dot(ws, wBase + j * wRowStride, dt, x, 0, k, 1, k, sums, 0, nb, res);
                        os.set(Numerics.F32, oRows[0] + 4L * j, res[0] + (bias == null ? 0 : bias[j]));
                    }
                }
                : (worker, j0, j1) -> { // up to 4 rows of x share each converted weight vector
                    float[] res = new float[4];
                    for (int j = j0; j < j1; j++) {
                        long wo = wBase + j * wRowStride;
                        float bj = bias == null ? 0 : bias[j];
                        for (int r = 0; r < m; r += Gemv.GROUP) {
                            int g = Math.min(Gemv.GROUP, m - r);
                            Gemv.dot(ws, wo, dt, x, r * ldx, ldx, g, k, sums, r * nb, nb, res);
                            for (int q = 0; q < g; q++) os.set(Numerics.F32, oRows[r + q] + 4L * j, res[q] + bj);
                        }
                    }
                };
        long work = (long) n * k * m;
        if (pool == null || work < 200_000) body.run(0, 0, n);
        else pool.forRange(n, pool.threads() * 4, 16, body);
    }
}
