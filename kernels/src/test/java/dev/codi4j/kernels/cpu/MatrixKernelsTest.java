package dev.codi4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.kernels.cpu.matmul.Gemm;
import dev.codi4j.kernels.cpu.matmul.Linear;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.ref.ReferenceBackend;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * linear, matmul and conv of {@link CpuBackend} against {@link ReferenceBackend} (double
 * accumulation) on random inputs: awkward sizes on each of M, N, K, strided/transposed/broadcast
 * views, bias or not, every weight dtype (the reference computing with the same quantised weights),
 * one, two and three threads.
 *
 * <p>Tolerance: float accumulation of K products has an error of order sqrt(K)·eps·‖x‖·‖w‖ (row
 * norms); we allow 8× that, plus 1e-6 absolute. A wrong index or a dropped block is off by
 * about ‖x‖·‖w‖/sqrt(K), orders of magnitude more.
 */
class MatrixKernelsTest {
    static final ReferenceBackend REF = new ReferenceBackend();
    static final CpuBackend ONE = new CpuBackend(1), TWO = new CpuBackend(2), THREE = new CpuBackend(3);
    static final float EPS = 0x1p-23f;

    @AfterAll static void close() { ONE.close(); TWO.close(); THREE.close(); }

    static Tensor rand(Random r, int... shape) {
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
        return Tensor.fromFloats(v, shape);
    }

    /** Max over rows of the L2 norm of the last dimension (of a float copy). */
    static double maxRowNorm(Tensor t) {
        float[] v = t.toFloatArray();
        int k = Math.max(1, t.dim(-1));
        double best = 0;
        for (int r = 0; r + k <= v.length; r += k) {
            double s = 0;
            for (int i = 0; i < k; i++) s += (double) v[r + i] * v[r + i];
            best = Math.max(best, Math.sqrt(s));
        }
        return best;
    }

    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertEquals(Arrays.toString(expected.shape()), Arrays.toString(actual.shape()), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs((double) a[i] - e[i]);
            if (!(err <= worst)) { worst = err; at = i; }
        }
        final int where = at;
        final double w = worst;
        assertTrue(worst <= tol, () -> what + ": element " + where + " is " + a[where] + ", expected " + e[where] + " (error " + w + " > tolerance " + tol + ")");
    }

    static double tol(int k, double xNorm, double wNorm) { return 8 * Math.sqrt(Math.max(1, k)) * EPS * xNorm * wNorm + 1e-6; }

    /**
     * Extra tolerance where the kernel rounds the activations to int8 (one row against Q4_0 weights:
     * {@code GemvQ}, llama.cpp's q4_0·q8_0 numerics), 0 elsewhere. Each x_i becomes dx_b·q_i with
     * dx_b = max|x_b|/127 over its block of 32 and q_i = round(x_i/dx_b), so |x_i − dx_b·q_i| ≤ dx_b/2
     * ≤ max|x|/254, and the dot product with a weight row w moves by at most max|x|/254 · ‖w‖₁.
     * 1.001 covers the float rounding of dx and of x_i/dx_b (a few eps of dx_b·|q_i|).
     */
    static double activationRounding(Tensor x, Tensor w) {
        if (w.dtype() != DType.Q4_0 || x.numel() / Math.max(1, x.dim(-1)) != 1) return 0;
        float[] xv = x.toFloatArray(), wv = w.toFloatArray();
        double xMax = 0, wL1 = 0;
        for (float v : xv) xMax = Math.max(xMax, Math.abs(v));
        int k = w.dim(-1);
        for (int r = 0; r + k <= wv.length; r += k) {
            double s = 0;
            for (int i = 0; i < k; i++) s += Math.abs(wv[r + i]);
            wL1 = Math.max(wL1, s);
        }
        return 1.001 * xMax / 254 * wL1;
    }

    static Tensor quantised(Tensor w, DType dt) { return dt == DType.F32 ? w : REF.copyOf(w, dt); }

    // ---- linear ---------------------------------------------------------------------------------

    void checkLinear(CpuBackend cpu, Tensor x, Tensor w, Tensor bias, String what) {
        checkLinear(new CpuBackend[] {cpu}, x, w, bias, what);
    }

    /** One reference result (the slow part) checked against several backends. */
    void checkLinear(CpuBackend[] cpus, Tensor x, Tensor w, Tensor bias, String what) {
        Tensor expected = REF.linear(x, w, bias);
        double tol = tol(x.dim(-1), maxRowNorm(x), maxRowNorm(w)) + activationRounding(x, w);
        for (CpuBackend cpu : cpus) assertClose(expected, cpu.linear(x, w, bias), tol, what + " threads=" + cpu.threads());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void linearAllDtypesAwkwardSizes(DType dt) {
        Random r = new Random(dt.ordinal());
        boolean q = dt.isQuantized();
        int[] ks = q ? new int[] {32, 96, 288} : new int[] {1, 3, 17, 33, 300};
        int[] ms = {1, 2, 3, 4, 5, 8, 9, 17, 33};
        int[] ns = {1, 3, 17, 65, 130};
        for (int k : ks) {
            for (int m : ms) {
                int n = ns[(k + m) % ns.length];
                Tensor x = rand(r, m, k), w = quantised(rand(r, n, k), dt), bias = (m + k) % 2 == 0 ? rand(r, n) : null;
                checkLinear(new CpuBackend[] {ONE, TWO, THREE}, x, w, bias, dt + " m=" + m + " n=" + n + " k=" + k);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "Q8_0", "Q4_0"})
    void linearLargeAlongEachAxis(DType dt) {
        Random r = new Random(7);
        int bigK = dt.isQuantized() ? 4096 : 4097;
        // 4097 along N (GEMV path and GEMM path), then along K, then along M against a plain loop
        Tensor x1 = rand(r, 1, 64), x9 = rand(r, 9, 64), w = quantised(rand(r, 4097, 64), dt);
        checkLinear(TWO, x1, w, null, dt + " n=4097 gemv");
        checkLinear(TWO, x9, w, rand(r, 4097), dt + " n=4097 gemm");
        Tensor xk = rand(r, 3, bigK), wk = quantised(rand(r, 17, bigK), dt);
        checkLinear(TWO, xk, wk, null, dt + " k=" + bigK + " gemv");
        checkLinear(TWO, rand(r, 10, bigK), wk, null, dt + " k=" + bigK + " gemm");
        Tensor xm = rand(r, 4097, 32), wm = quantised(rand(r, 3, 32), dt);
        checkLinear(TWO, xm, wm, rand(r, 3), dt + " m=4097");
    }

    /** Several KC and NC blocks and both thread splits, against a plain double loop (the reference is too slow here). */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void gemmManyBlocks(int threads) {
        Random r = new Random(11);
        int m = 70, k = 600, n = 1100;
        Tensor x = rand(r, m, k), w = quantised(rand(r, n, k), DType.F16), bias = rand(r, n);
        float[] xv = x.toFloatArray(), wv = w.toFloatArray(), bv = bias.toFloatArray();
        float[] ev = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = bv[j];
                for (int p = 0; p < k; p++) s += (double) xv[i * k + p] * wv[j * k + p];
                ev[i * n + j] = (float) s;
            }
        }
        try (CpuBackend cpu = new CpuBackend(threads)) {
            assertClose(Tensor.fromFloats(ev, m, n), cpu.linear(x, w, bias), tol(k, maxRowNorm(x), maxRowNorm(w)), "gemm 70x1100x600 threads=" + threads);
            // few columns, many rows: the row split
            Tensor w2 = rand(r, 7, k);
            checkLinear(cpu, rand(r, 200, k), w2, null, "row split threads=" + threads);
        }
    }

    @Test
    void linearStridedViews() {
        Random r = new Random(3);
        // x given transposed: (K, M) storage viewed as (M, K); 3-D x with permuted batch dims; narrowed w and out
        Tensor xt = rand(r, 40, 12).transpose(0, 1);
        Tensor w = rand(r, 9, 40);
        checkLinear(TWO, xt, w, rand(r, 9), "transposed x (gemm)");
        checkLinear(TWO, rand(r, 40, 3).transpose(0, 1), w, null, "transposed x (gemv)");
        Tensor x3 = rand(r, 5, 2, 40).permute(1, 0, 2);
        checkLinear(TWO, x3, w, null, "permuted 3-D x");
        Tensor wBig = rand(r, 20, 80);
        Tensor wNarrow = wBig.narrow(0, 3, 9).narrow(1, 40, 40); // row stride 80
        checkLinear(TWO, rand(r, 7, 40), wNarrow, null, "narrowed w rows");
        checkLinear(TWO, rand(r, 2, 40), wNarrow, null, "narrowed w rows (gemv)");
        Tensor wT = rand(r, 40, 9).transpose(0, 1); // columns contiguous: strided F32 weights
        checkLinear(TWO, rand(r, 7, 40), wT, null, "transposed w");
        Tensor wq = REF.copyOf(rand(r, 12, 64), DType.Q8_0).narrow(0, 2, 9);
        checkLinear(TWO, rand(r, 2, 64), wq, null, "narrowed Q8_0 rows");
        // output into a strided view
        Tensor x = rand(r, 6, 40);
        Tensor big = Tensor.zeros(DType.F32, 6, 20);
        Tensor out = big.narrow(1, 5, 9);
        TWO.linear(x, w, null, out);
        assertClose(REF.linear(x, w, null), out, tol(40, maxRowNorm(x), maxRowNorm(w)), "strided out");
        assertEquals(0f, big.getFloat(0, 0));
        assertEquals(0f, big.getFloat(5, 19));
    }

    @Test
    void linearRejectsBadShapesWithMessages() {
        Random r = new Random(1);
        ShapeException e = assertThrows(ShapeException.class, () -> TWO.linear(rand(r, 2, 8), rand(r, 3, 9), null));
        assertTrue(e.getMessage().contains("(N, 8)"), e.getMessage());
        assertThrows(ShapeException.class, () -> TWO.linear(rand(r, 2, 8), rand(r, 3, 8), rand(r, 4)));
        assertThrows(ShapeException.class, () -> TWO.linear(rand(r, 2, 8), rand(r, 3, 8), null, Tensor.zeros(DType.F32, 2, 4)));
    }

    @Test
    void gemvAndGemmPathsAgreeAtTheCrossover() {
        Random r = new Random(5);
        Tensor w = quantised(rand(r, 64, 128), DType.Q4_0);
        int m = Linear.GEMV_MAX_ROWS;
        Tensor x = rand(r, m + 1, 128);
        Tensor both = TWO.linear(x, w, null);                        // m+1 rows: GEMM
        Tensor head = TWO.linear(x.narrow(0, 0, m), w, null);        // m rows: GEMV
        assertClose(head, both.narrow(0, 0, m), tol(128, maxRowNorm(x), maxRowNorm(w)), "gemv vs gemm");
    }

    // ---- matmul ---------------------------------------------------------------------------------

    void checkMatmul(CpuBackend cpu, Tensor a, Tensor b, String what) {
        Tensor expected = REF.matmul(a, b), actual = cpu.matmul(a, b);
        assertClose(expected, actual, tol(a.dim(-1), maxRowNorm(a), maxRowNorm(b.transpose(-1, -2))), what);
    }

    @Test
    void matmulSizesStridesBroadcast() {
        Random r = new Random(9);
        int[][] mkn = {{1, 1, 1}, {3, 17, 33}, {17, 3, 1}, {33, 65, 17}, {7, 300, 70}, {1, 64, 4097}};
        for (int[] s : mkn) {
            for (CpuBackend cpu : new CpuBackend[] {ONE, TWO, THREE}) {
                checkMatmul(cpu, rand(r, s[0], s[1]), rand(r, s[1], s[2]), "plain " + Arrays.toString(s) + " threads=" + cpu.threads());
                checkMatmul(cpu, rand(r, s[1], s[0]).transpose(0, 1), rand(r, s[2], s[1]).transpose(0, 1), "both transposed " + Arrays.toString(s));
            }
        }
        // batch broadcast (2,1,M,K)·(3,K,N), and an expanded (stride 0) operand
        checkMatmul(TWO, rand(r, 2, 1, 5, 7), rand(r, 3, 7, 6), "broadcast batch");
        checkMatmul(TWO, rand(r, 5, 7).expand(4, 5, 7), rand(r, 4, 6, 7).transpose(-1, -2), "expanded a, transposed b");
        checkMatmul(ONE, rand(r, 8, 9, 16), rand(r, 8, 16, 9), "many small (per-thread batches)");
        checkMatmul(TWO, rand(r, 8, 9, 16), rand(r, 8, 16, 9), "many small (per-thread batches)");
        // neither rows nor columns contiguous
        Tensor a = rand(r, 6, 10, 4).permute(2, 0, 1).select(0, 1); // (6, 10) with strides (40, 4)
        Tensor b = rand(r, 10, 3, 5).select(1, 2);                  // (10, 5) with strides (15, 1)
        checkMatmul(TWO, a, b.transpose(0, 1).contiguous().transpose(0, 1), "strided a");
        checkMatmul(TWO, a, rand(r, 5, 4, 10).select(1, 3).transpose(0, 1), "strided a, strided transposed b");
    }

    @Test
    void matmulIntoStridedOut() {
        Random r = new Random(2);
        Tensor a = rand(r, 4, 6), b = rand(r, 6, 5);
        Tensor big = Tensor.zeros(DType.F32, 5, 4);
        Tensor out = big.transpose(0, 1); // (4, 5) with column stride 4
        TWO.matmul(a, b, out);
        assertClose(REF.matmul(a, b), out, tol(6, maxRowNorm(a), 3), "transposed out");
    }

    // ---- conv -----------------------------------------------------------------------------------

    void checkConv(CpuBackend cpu, Tensor x, Tensor w, Tensor bias, int[] s, int[] p, int[] d, int g, String what) {
        checkConv(new CpuBackend[] {cpu}, x, w, bias, s, p, d, g, what);
    }

    void checkConv(CpuBackend[] cpus, Tensor x, Tensor w, Tensor bias, int[] s, int[] p, int[] d, int g, String what) {
        Tensor expected = REF.conv(x, w, bias, s, p, d, g);
        int k = Math.toIntExact(w.numel() / w.dim(0));
        double wn = maxRowNorm(w.reshape(w.dim(0), k)), xn = Math.sqrt(k); // |x| ≤ 1 per element
        for (CpuBackend cpu : cpus) assertClose(expected, cpu.conv(x, w, bias, s, p, d, g), tol(k, xn, wn), what + " threads=" + cpu.threads());
    }

    @Test
    void conv2dVariants() {
        Random r = new Random(4);
        CpuBackend[] both = {ONE, TWO};
        Tensor x = rand(r, 2, 5, 11, 13);
        checkConv(both, x, rand(r, 7, 5, 3, 3), rand(r, 7), new int[] {1, 1}, new int[] {1, 1}, null, 1, "3x3 pad 1");
        checkConv(both, x, rand(r, 7, 5, 3, 3), null, new int[] {2, 2}, new int[] {1, 1}, null, 1, "3x3 stride 2");
        checkConv(both, x, rand(r, 4, 5, 3, 2), null, new int[] {2, 1}, new int[] {0, 2, 1, 0}, new int[] {2, 1}, 1, "per-side pad, dilation");
        checkConv(both, x, rand(r, 6, 5, 1, 1), rand(r, 6), null, null, null, 1, "1x1 (plain GEMM)");
        checkConv(both, x, rand(r, 6, 5, 1, 1), null, new int[] {2, 2}, null, null, 1, "1x1 stride 2");
        checkConv(both, rand(r, 1, 6, 9, 9), rand(r, 4, 3, 3, 3), rand(r, 4), null, new int[] {1, 1}, null, 2, "groups 2");
        checkConv(both, rand(r, 1, 6, 9, 9), rand(r, 6, 1, 3, 3), null, null, new int[] {1, 1}, null, 6, "depthwise");
        checkConv(both, rand(r, 1, 3, 40, 70), rand(r, 70, 3, 3, 3), rand(r, 70), null, new int[] {1, 1}, null, 1, "40x70 x 70 channels (several N blocks)");
    }

    @Test
    void conv1d3dAndHalfWeights() {
        Random r = new Random(6);
        checkConv(TWO, rand(r, 2, 3, 20), rand(r, 5, 3, 4), rand(r, 5), new int[] {2}, new int[] {1}, new int[] {2}, 1, "conv1d");
        // ImageBind's video stem in miniature: kernel = stride = (2, 4, 4)
        checkConv(TWO, rand(r, 1, 3, 2, 16, 16), rand(r, 8, 3, 2, 4, 4), null, new int[] {2, 4, 4}, null, null, 1, "conv3d patch stem");
        checkConv(TWO, rand(r, 1, 2, 5, 6, 7), rand(r, 3, 2, 3, 3, 3), rand(r, 3), null, new int[] {1, 1, 1}, null, 1, "conv3d 3x3x3 pad 1");
        Tensor w16 = REF.copyOf(rand(r, 9, 4, 3, 3), DType.F16);
        checkConv(TWO, rand(r, 2, 4, 10, 10), w16, rand(r, 9), null, new int[] {1, 1}, null, 1, "F16 weights");
        Tensor wq = REF.copyOf(rand(r, 5, 4, 1, 32), DType.Q8_0);
        checkConv(TWO, rand(r, 1, 4, 3, 40), wq, null, null, null, null, 1, "Q8_0 weights");
    }

    @Test
    void convNonContiguousInputAndOutput() {
        Random r = new Random(8);
        Tensor x = rand(r, 2, 8, 12, 12).narrow(1, 2, 4).narrow(3, 1, 10); // channel and width views
        checkConv(TWO, x, rand(r, 5, 4, 3, 3), rand(r, 5), null, new int[] {1, 1}, null, 1, "narrowed x");
        checkConv(TWO, rand(r, 2, 4, 9, 9).permute(0, 1, 3, 2), rand(r, 5, 4, 1, 1), null, null, null, null, 1, "transposed spatial x, 1x1");
        Tensor xc = rand(r, 1, 4, 6, 6), w = rand(r, 3, 4, 3, 3);
        Tensor big = Tensor.zeros(DType.F32, 1, 6, 6, 6);
        Tensor out = big.narrow(1, 1, 3).narrow(2, 1, 4).narrow(3, 1, 4);
        TWO.conv(xc, w, null, null, null, null, 1, out);
        assertClose(REF.conv(xc, w, null, null, null, null, 1), out, 1e-4, "strided out");
    }

    @Test
    void convRejectsBadShapes() {
        Random r = new Random(1);
        assertThrows(ShapeException.class, () -> TWO.conv(rand(r, 1, 4, 5, 5), rand(r, 3, 3, 3, 3), null, null, null, null, 1));
        assertThrows(ShapeException.class, () -> TWO.conv(rand(r, 1, 4, 2, 2), rand(r, 3, 4, 3, 3), null, null, null, null, 1));
        assertThrows(ShapeException.class, () -> TWO.conv(rand(r, 1, 4, 5, 5), rand(r, 3, 2, 3, 3), null, null, null, null, 3));
    }

    @Test
    void kZeroGivesBias() {
        Tensor x = Tensor.zeros(DType.F32, 3, 0), w = Tensor.zeros(DType.F32, 4, 0), b = Tensor.fromFloats(new float[] {1, 2, 3, 4}, 4);
        Tensor out = TWO.linear(x, w, b);
        assertEquals(Arrays.toString(new float[] {1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4}), Arrays.toString(out.toFloatArray()));
        assertTrue(Gemm.NR % 16 == 0 || Gemm.NR % 8 == 0);
    }
}
