package dev.codi4j.kernels.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import dev.codi4j.tensor.ref.ReferenceBackend;
import dev.codi4j.tensor.testing.OpFixtures;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Every op of a GPU backend against the scalar reference ({@link ReferenceBackend}, double
 * accumulation) on random inputs, awkward sizes (1, 3, 17, 33, 4097) and non-contiguous views
 * (transposes, narrows, broadcasts, permutes). Subclasses supply the backend (and skip when its
 * device is absent). Tolerances are scaled errors |got − want| / (1 + |want|): 0 for conversions
 * and quantisation (bit-exact with {@code Numerics}), 2e-6 for element-wise math, 2e-5 for sums
 * over up to a few thousand terms in float.
 */
public abstract class GpuBackendContract {
    protected static final ReferenceBackend REF = new ReferenceBackend();
    protected static final double EW = 2e-6, SUM = 2e-5;

    /** The backend under test; calls JUnit's assumeTrue (skip) when it cannot run here. */
    protected abstract GpuBackend gpu();

    private final Random rnd = new Random(20240611);

    protected Tensor randn(int... shape) {
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        return Tensor.fromFloats(v, shape);
    }

    protected Tensor uniform(float lo, float hi, int... shape) {
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * rnd.nextFloat();
        return Tensor.fromFloats(v, shape);
    }

    protected Tensor dev(Tensor host) { return gpu().toDevice(host); }

    protected void check(Tensor want, Tensor gotDevice, double tol, String what) {
        OpFixtures.assertClose(want, gpu().toHost(gotDevice), tol, what);
    }

    /** A host tensor and the same data on the device, both seen through {@code view}. */
    protected record Pair(Tensor host, Tensor dev) {}

    protected Pair pair(Tensor host, UnaryOperator<Tensor> view) { return new Pair(view.apply(host), view.apply(dev(host))); }

    protected Pair pair(Tensor host) { return pair(host, t -> t); }

    private static void assertSameBits(Tensor want, Tensor got, String what) {
        assertEquals(Arrays.toString(want.shape()), Arrays.toString(got.shape()), what + " shape");
        MemorySegment w = want.contiguous().data(), g = got.contiguous().data();
        long mismatch = w.mismatch(g);
        assertEquals(-1, mismatch, () -> what + ": bytes differ first at byte " + mismatch + " of " + w.byteSize());
    }

    // ---- copy, conversion, quantisation --------------------------------------------------------------

    /** Values that stress rounding: ties, subnormals, overflow, NaN, infinities, signed zeros. */
    private Tensor specials(int n) {
        float[] v = new float[n];
        float[] fixed = {0f, -0f, 1f, -1f, 2.5f, -2.5f, 0.5f, -0.5f, 1.5f, 0.49999997f, 65504f, 65520f, 65519.996f, 1e9f, -1e9f, 3e38f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-8f, 6e-8f, 3e-8f, -5.9604645e-8f, 1.0009766f, 1.0004883f,
                Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000), Float.MIN_VALUE, 127.5f, 128f, -128.5f, 255.5f, 256f, -0.7f};
        for (int i = 0; i < n; i++) v[i] = i < fixed.length ? fixed[i] : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
        return Tensor.fromFloats(v, n);
    }

    @Test void copyConvertsEveryDTypePairBitExactly() {
        DType[] plain = {DType.F32, DType.F16, DType.BF16, DType.I8, DType.U8, DType.BOOL, DType.I32, DType.I64};
        Tensor base = specials(96).view(8, 12);
        for (DType from : plain) {
            Tensor src = REF.copyOf(base, from);
            Tensor d = dev(src);
            for (DType to : plain) {
                Tensor want = REF.copyOf(src.transpose(0, 1), to);
                Tensor got = gpu().copyOf(d.transpose(0, 1), to);
                assertSameBits(want, gpu().toHost(got), from + " -> " + to + " (transposed source)");
            }
        }
    }

    @Test void copyBroadcastsAndWritesIntoStridedViews() {
        Tensor row = randn(1, 5);
        Tensor dst = gpu().zeros(DType.F32, 4, 9);
        Tensor view = dst.narrow(1, 2, 5);
        gpu().copy(dev(row), view);
        Tensor want = REF.zeros(DType.F32, 4, 9);
        REF.copy(row, want.narrow(1, 2, 5));
        check(want, dst, 0, "broadcast copy into narrow view");
        // rank > 6 after collapsing: split on the host
        Tensor big = randn(2, 3, 2, 3, 2, 3, 2, 3);
        int[] perm = {7, 6, 5, 4, 3, 2, 1, 0};
        check(REF.contiguous(big.permute(perm)), gpu().contiguous(dev(big).permute(perm)), 0, "rank-8 permute");
    }

    @Test void quantisationMatchesGgmlReferenceBitForBit() {
        for (DType q : new DType[] {DType.Q8_0, DType.Q4_0}) {
            Tensor x = randn(6, 96);
            // awkward rows: all zero, one outlier, a negative maximum, tiny values
            float[] v = x.toFloatArray();
            for (int j = 0; j < 96; j++) { v[j] = 0; v[96 + j] = j == 7 ? 1000f : 0.001f * j; v[192 + j] = j == 3 ? -5f : 1f; v[288 + j] = 1e-6f * (j - 40); }
            x = Tensor.fromFloats(v, 6, 96);
            Tensor want = REF.copyOf(x, q);
            Tensor got = gpu().toHost(gpu().copyOf(dev(x), q));
            assertSameBits(want, got, "quantise to " + q);
            // from a strided source (transpose of a transpose) and from F16
            Tensor xt = REF.contiguous(x.transpose(0, 1));
            assertSameBits(want, gpu().toHost(gpu().copyOf(dev(xt).transpose(0, 1), q)), q + " from a transposed view");
            Tensor h = REF.copyOf(x, DType.F16);
            assertSameBits(REF.copyOf(h, q), gpu().toHost(gpu().copyOf(dev(h), q)), q + " from F16");
            // dequantise to F32, F16 and to another block type
            Tensor dq = dev(want);
            for (DType to : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0})
                assertSameBits(REF.copyOf(want, to), gpu().toHost(gpu().copyOf(dq, to)), q + " -> " + to);
            // rows of a quantised tensor are views too
            assertSameBits(REF.copyOf(want.narrow(0, 2, 3), DType.F32), gpu().toHost(gpu().copyOf(dq.narrow(0, 2, 3), DType.F32)), q + " row view");
        }
    }

    @Test void fillWritesEveryDTypeAndViews() {
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16, DType.I32, DType.I8, DType.Q8_0, DType.Q4_0}) {
            Tensor want = REF.zeros(dt, 3, 64);
            Tensor got = gpu().zeros(dt, 3, 64);
            REF.fill(want.narrow(0, 1, 2), -2.7f);
            gpu().fill(got.narrow(0, 1, 2), -2.7f);
            assertSameBits(want, gpu().toHost(got), "fill " + dt);
        }
    }

    // ---- element-wise ------------------------------------------------------------------------------------

    @Test void unaryOpsOnStridedInputs() {
        for (UnaryOp op : UnaryOp.values()) {
            boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT;
            Tensor x = positive ? uniform(0.05f, 5f, 17, 33) : scaled(randn(17, 33), 3);
            Pair p = pair(x, t -> t.transpose(0, 1).narrow(0, 1, 31));
            check(REF.unary(op, p.host()), gpu().unary(op, p.dev()), EW, "unary " + op);
        }
        // F16 output and in-place
        Tensor x = randn(5, 7);
        Tensor want = REF.empty(DType.F16, 5, 7), got = gpu().empty(DType.F16, 5, 7);
        REF.unary(UnaryOp.SILU, x, want);
        gpu().unary(UnaryOp.SILU, dev(x), got);
        assertSameBits(want, gpu().toHost(got), "unary into F16");
        Tensor d = dev(x);
        gpu().unary(UnaryOp.TANH, d, d);
        check(REF.unary(UnaryOp.TANH, x), d, EW, "in-place tanh");
    }

    private static Tensor scaled(Tensor t, float s) {
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] *= s;
        return Tensor.fromFloats(v, t.shape());
    }

    @Test void binaryOpsBroadcastAcrossViews() {
        for (BinaryOp op : BinaryOp.values()) {
            Tensor a = op == BinaryOp.POW ? uniform(0.1f, 3f, 3, 1, 5) : randn(3, 1, 5);
            Tensor b = op == BinaryOp.DIV ? uniform(0.5f, 2f, 4, 5) : op == BinaryOp.POW ? uniform(-2f, 2f, 4, 5) : randn(4, 5);
            check(REF.binary(op, a, b), gpu().binary(op, dev(a), dev(b)), EW, "binary " + op);
        }
        Tensor a = randn(6, 8), b = randn(8);
        Pair pa = pair(a, t -> t.narrow(1, 1, 7).transpose(0, 1));
        Pair pb = pair(b, t -> t.narrow(0, 0, 7).unsqueeze(1));
        check(REF.binary(BinaryOp.MUL, pa.host(), pb.host()), gpu().binary(BinaryOp.MUL, pa.dev(), pb.dev()), EW, "strided broadcast mul");
        Tensor d = dev(a);
        gpu().binary(BinaryOp.ADD, d, dev(b), d);
        check(REF.add(a, b), d, EW, "in-place add (out aliases a)");
    }

    @Test void affineAndGatedActivations() {
        Tensor x = randn(3, 17);
        Pair p = pair(x, t -> t.transpose(0, 1));
        Tensor want = REF.empty(DType.F32, 17, 3), got = gpu().empty(DType.F32, 17, 3);
        REF.affine(p.host(), 0.37f, -1.5f, want);
        gpu().affine(p.dev(), 0.37f, -1.5f, got);
        check(want, got, EW, "affine");
        for (UnaryOp act : new UnaryOp[] {UnaryOp.SILU, UnaryOp.GELU, UnaryOp.GELU_TANH}) {
            Tensor g = scaled(randn(4, 33), 2), u = randn(4, 33);
            check(REF.gated(act, g, u), gpu().gated(act, dev(g), dev(u)), EW, "gated " + act);
        }
    }

    // ---- linear algebra ------------------------------------------------------------------------------------

    @Test void matmulBatchedBroadcastAndTransposed() {
        int[][][] cases = {
                {{1, 1}, {1, 1}}, {{17, 33}, {33, 5}}, {{3, 65, 70}, {70, 66}}, {{2, 3, 17, 9}, {3, 9, 19}}, {{2, 1, 4, 8}, {1, 3, 8, 6}}};
        for (int[][] c : cases) {
            Tensor a = randn(c[0]), b = randn(c[1]);
            check(REF.matmul(a, b), gpu().matmul(dev(a), dev(b)), SUM, "matmul " + Arrays.toString(c[0]) + " · " + Arrays.toString(c[1]));
        }
        Tensor a = randn(2, 33, 17), b = randn(2, 19, 33);
        Pair pa = pair(a, t -> t.transpose(-1, -2)), pb = pair(b, t -> t.transpose(-1, -2));
        check(REF.matmul(pa.host(), pb.host()), gpu().matmul(pa.dev(), pb.dev()), SUM, "matmul of transposed views");
        Tensor sq = randn(4, 4);
        Tensor d = dev(sq);
        gpu().matmul(d, d, d);
        check(REF.matmul(sq, sq), d, SUM, "matmul writing over its own input");
    }

    @Test void linearWithEveryWeightDTypeGemvAndGemm() {
        for (DType wd : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            for (int rows : new int[] {1, 3, 8, 9, 70}) {
                for (int[] nk : new int[][] {{33, 64}, {1, 96}, {70, 160}}) {
                    int n = nk[0], k = nk[1];
                    Tensor x = randn(rows, k), w = REF.copyOf(randn(n, k), wd), bias = rows % 2 == 1 ? randn(n) : null;
                    check(REF.linear(x, w, bias), gpu().linear(dev(x), dev(w), bias == null ? null : dev(bias)), SUM,
                            "linear " + wd + " rows " + rows + " n " + n + " k " + k + (bias == null ? "" : " +bias"));
                }
            }
        }
        // float weights with awkward K, a strided input and a transposed weight view
        Tensor x = randn(5, 2, 4097), w = randn(3, 4097);
        Pair px = pair(x, t -> t.select(1, 1));
        check(REF.linear(px.host(), w, null), gpu().linear(px.dev(), dev(w), null), SUM, "linear K=4097 strided x");
        Tensor wt = randn(17, 3);
        Pair pw = pair(wt, t -> t.transpose(0, 1));
        Tensor xs = randn(4, 17);
        check(REF.linear(xs, pw.host(), null), gpu().linear(dev(xs), pw.dev(), null), SUM, "linear with a transposed weight view");
    }

    // ---- normalisation -------------------------------------------------------------------------------------

    @Test void softmaxRowsIncludingMaskedAndStrided() {
        for (int n : new int[] {1, 3, 17, 300, 4097}) {
            Tensor x = scaled(randn(3, n), 4);
            check(REF.softmax(x), gpu().softmax(dev(x)), SUM, "softmax n=" + n);
        }
        float[] v = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 1, Float.NEGATIVE_INFINITY, 2};
        Tensor masked = Tensor.fromFloats(v, 2, 3);
        check(REF.softmax(masked), gpu().softmax(dev(masked)), SUM, "softmax of fully masked row");
        Pair p = pair(randn(9, 6), t -> t.transpose(0, 1));
        check(REF.softmax(p.host()), gpu().softmax(p.dev()), SUM, "softmax of transposed view");
        Tensor x = randn(4, 5);
        Tensor d = dev(x);
        gpu().softmax(d, d);
        check(REF.softmax(x), d, SUM, "in-place softmax");
    }

    @Test void layerNormAndRmsNorm() {
        for (int n : new int[] {1, 3, 17, 1280, 4097}) {
            Tensor x = REF.add(randn(4, n), Tensor.scalar(3f)), w = randn(n), b = randn(n);
            check(REF.layerNorm(x, w, b, 1e-5f), gpu().layerNorm(dev(x), dev(w), dev(b), 1e-5f), SUM, "layerNorm n=" + n);
            check(REF.layerNorm(x, null, null, 1e-6f), gpu().layerNorm(dev(x), null, null, 1e-6f), SUM, "layerNorm without affine n=" + n);
            check(REF.rmsNorm(x, w, 1e-6f), gpu().rmsNorm(dev(x), dev(w), 1e-6f), SUM, "rmsNorm n=" + n);
        }
        Pair p = pair(randn(2, 7, 3), t -> t.permute(2, 0, 1));
        Tensor w = randn(7);
        check(REF.rmsNorm(p.host(), w, 1e-5f), gpu().rmsNorm(p.dev(), dev(w), 1e-5f), SUM, "rmsNorm of permuted view");
        Tensor x = randn(3, 8);
        Tensor d = dev(x);
        gpu().layerNorm(d, null, null, 1e-5f, d);
        check(REF.layerNorm(x, null, null, 1e-5f), d, SUM, "in-place layerNorm");
        Tensor half = REF.copyOf(randn(16), DType.F16);
        check(REF.rmsNorm(x.narrow(1, 0, 8), REF.copyOf(half.narrow(0, 0, 8), DType.F32), 1e-5f),
                gpu().rmsNorm(dev(x), gpu().copyOf(dev(half).narrow(0, 0, 8), DType.F32), 1e-5f), SUM, "rmsNorm with a converted weight");
    }

    @Test void groupNormSpatialShapes() {
        int[][] shapes = {{2, 6, 5, 7}, {1, 32, 4, 4}, {3, 4, 9}, {2, 8, 2, 3, 3}};
        int[] groups = {3, 32, 2, 4};
        for (int i = 0; i < shapes.length; i++) {
            Tensor x = REF.add(randn(shapes[i]), Tensor.scalar(1.5f));
            int c = shapes[i][1];
            Tensor w = randn(c), b = randn(c);
            check(REF.groupNorm(x, groups[i], w, b, 1e-5f), gpu().groupNorm(dev(x), groups[i], dev(w), dev(b), 1e-5f), SUM,
                    "groupNorm " + Arrays.toString(shapes[i]) + " groups " + groups[i]);
        }
        Pair p = pair(randn(4, 2, 6), t -> t.permute(1, 2, 0));
        check(REF.groupNorm(p.host(), 2, null, null, 1e-6f), gpu().groupNorm(p.dev(), 2, null, null, 1e-6f), SUM, "groupNorm of a permuted view");
    }

    @Test void ropeBothLayoutsPartialRotaryAndViews() {
        for (boolean interleaved : new boolean[] {false, true}) {
            for (int[] dims : new int[][] {{5, 3, 8, 8}, {7, 2, 16, 10}, {1, 4, 64, 64}}) {
                int s = dims[0], h = dims[1], d = dims[2], rot = dims[3];
                Tensor x = randn(2, s, h, d);
                int[] p = new int[s];
                for (int i = 0; i < s; i++) p[i] = rnd.nextInt(4096);
                Tensor pos = Tensor.fromInts(p, s);
                for (double theta : new double[] {10000, 1e6}) {
                    check(REF.rope(x, pos, rot, theta, interleaved), gpu().rope(dev(x), dev(pos), rot, theta, interleaved), SUM,
                            "rope " + Arrays.toString(dims) + " interleaved " + interleaved + " theta " + theta);
                }
            }
        }
        // the Llama layout: q (S, H·D) viewed as (S, H, D), rotated in place, and a permuted input
        Tensor q = randn(6, 4 * 8);
        Tensor pos = Tensor.fromInts(new int[] {10, 11, 12, 13, 14, 15}, 6);
        Tensor want = REF.rope(q.view(6, 4, 8), pos, 8, 10000, false);
        Tensor d = dev(q);
        gpu().rope(d.view(6, 4, 8), dev(pos), 8, 10000, false, d.view(6, 4, 8));
        check(want, d.view(6, 4, 8), SUM, "in-place rope");
        Pair pp = pair(randn(4, 6, 8), t -> t.permute(1, 0, 2));
        check(REF.rope(pp.host(), pos, 6, 500, false), gpu().rope(pp.dev(), dev(pos), 6, 500, false), SUM, "rope of permuted view, partial");
    }

    // ---- gathers and spatial ---------------------------------------------------------------------------------

    @Test void embeddingOfEveryTableDType() {
        Tensor table = randn(50, 64);
        int[] ids = {0, 49, 3, 3, 17, 25};
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            Tensor t = REF.copyOf(table, dt);
            for (DType it : new DType[] {DType.I32, DType.I64}) {
                Tensor idx = REF.copyOf(Tensor.fromInts(ids, 2, 3), it);
                check(REF.embedding(t, idx), gpu().embedding(dev(t), dev(idx)), 0, "embedding " + dt + " ids " + it);
            }
        }
        Pair p = pair(table, t -> t.narrow(1, 5, 20));
        Tensor idx = Tensor.fromInts(ids, 6);
        check(REF.embedding(p.host(), idx), gpu().embedding(p.dev(), dev(idx)), 0, "embedding of a column view");
    }

    @Test void embeddingReportsABadIdAtTheNextSync() {
        Tensor t = dev(randn(10, 4));
        Tensor out = gpu().embedding(t, dev(Tensor.fromInts(new int[] {1, 12}, 2)));
        ShapeException e = assertThrows(ShapeException.class, () -> gpu().toHost(out));
        assertTrue(e.getMessage().contains("id 12") && e.getMessage().contains("vocabulary of 10"), e.getMessage());
        gpu().synchronize(); // the flag was cleared
    }

    @Test void convolutionsOneTwoThreeD() {
        record C(int[] x, int[] w, int[] stride, int[] pad, int[] dil, int groups, boolean bias) {}
        List<C> cases = List.of(
                new C(new int[] {2, 3, 9, 11}, new int[] {5, 3, 3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true),
                new C(new int[] {1, 4, 10, 7}, new int[] {6, 2, 3, 2}, new int[] {2, 1}, new int[] {1, 0, 2, 1}, new int[] {1, 2}, 2, true),
                new C(new int[] {1, 6, 8, 8}, new int[] {6, 1, 3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {2, 2}, 6, false),
                new C(new int[] {2, 8, 5, 5}, new int[] {70, 8, 1, 1}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1, true),
                new C(new int[] {2, 3, 17}, new int[] {4, 3, 5}, new int[] {2}, new int[] {2}, new int[] {1}, 1, true),
                new C(new int[] {1, 2, 5, 6, 4}, new int[] {3, 2, 2, 3, 2}, new int[] {1, 2, 1}, new int[] {1, 1, 0}, new int[] {1, 1, 2}, 1, true));
        for (C c : cases) {
            Tensor x = randn(c.x()), w = randn(c.w()), b = c.bias() ? randn(c.w()[0]) : null;
            Tensor want = REF.conv(x, w, b, c.stride(), c.pad(), c.dil(), c.groups());
            String what = "conv x " + Arrays.toString(c.x()) + " w " + Arrays.toString(c.w()) + " groups " + c.groups();
            check(want, gpu().conv(dev(x), dev(w), b == null ? null : dev(b), c.stride(), c.pad(), c.dil(), c.groups()), SUM, what);
            Tensor wh = REF.copyOf(w, DType.F16);
            check(REF.conv(x, wh, b, c.stride(), c.pad(), c.dil(), c.groups()),
                    gpu().conv(dev(x), dev(wh), b == null ? null : dev(b), c.stride(), c.pad(), c.dil(), c.groups()), SUM, what + " F16 weight");
        }
        Pair p = pair(randn(3, 1, 6, 6), t -> t.transpose(0, 1));
        Tensor w = randn(2, 3, 3, 3);
        check(REF.conv2d(p.host(), w, null, 1, 1), gpu().conv2d(p.dev(), dev(w), null, 1, 1), SUM, "conv of a transposed input");
    }

    @Test void upsampleNearestFactors() {
        Tensor x = randn(2, 3, 4, 5);
        check(REF.upsampleNearest(x, 2), gpu().upsampleNearest(dev(x), 2), 0, "upsample x2");
        Tensor want = REF.empty(DType.F32, 2, 3, 8, 15), got = gpu().empty(DType.F32, 2, 3, 8, 15);
        Pair p = pair(randn(3, 2, 4, 5), t -> t.transpose(0, 1));
        REF.upsampleNearest(p.host(), want);
        gpu().upsampleNearest(p.dev(), got);
        check(want, got, 0, "upsample (2, 3) of a view");
    }

    // ---- attention ------------------------------------------------------------------------------------------

    @Test void attentionGqaMaskCausalAndViews() {
        record A(int b, int h, int hk, int sq, int sk, int d, int dv, boolean mask, boolean causal) {}
        List<A> cases = List.of(
                new A(2, 4, 2, 5, 37, 16, 16, false, false),
                new A(1, 4, 4, 6, 6, 8, 8, false, true),
                new A(2, 8, 2, 3, 41, 32, 32, true, true),
                new A(1, 2, 1, 1, 70, 80, 64, false, true),
                new A(1, 3, 3, 33, 17, 64, 64, true, false),
                new A(1, 2, 2, 4, 9, 300, 300, true, true),
                new A(1, 2, 1, 5, 12, 24, 300, false, true));
        for (A c : cases) {
            Tensor q = randn(c.b(), c.h(), c.sq(), c.d()), k = randn(c.b(), c.hk(), c.sk(), c.d()), v = randn(c.b(), c.hk(), c.sk(), c.dv());
            Tensor m = c.mask() ? scaled(randn(c.b(), 1, c.sq(), c.sk()), 2) : null;
            float scale = (float) (1 / Math.sqrt(c.d()));
            Tensor want = REF.attention(q, k, v, m, c.causal(), scale);
            check(want, gpu().attention(dev(q), dev(k), dev(v), m == null ? null : dev(m), c.causal(), scale), SUM, "attention " + c);
        }
        // Llama's views: q from (S, H·D) permuted, keys and values narrowed out of a larger cache
        int s = 4, h = 4, d = 16, cap = 20, pos = 7;
        Tensor qs = randn(s, h * d), cache = randn(1, 2, cap, d), vcache = randn(1, 2, cap, d);
        Pair q = pair(qs, t -> t.view(1, s, h, d).permute(0, 2, 1, 3));
        Pair k = pair(cache, t -> t.narrow(2, 0, pos + s)), v = pair(vcache, t -> t.narrow(2, 0, pos + s));
        check(REF.attention(q.host(), k.host(), v.host(), null, true, 0.25f), gpu().attention(q.dev(), k.dev(), v.dev(), null, true, 0.25f), SUM,
                "attention over cache views");
        // an F16 KV cache and a BF16 mask are read as stored
        Tensor qh = randn(1, 4, 3, 32), kh = REF.copyOf(randn(1, 2, 21, 32), DType.F16), vh = REF.copyOf(randn(1, 2, 21, 32), DType.F16);
        Tensor mh = REF.copyOf(randn(1, 1, 3, 21), DType.BF16);
        check(REF.attention(qh, kh, vh, mh, true, 0.2f), gpu().attention(dev(qh), dev(kh), dev(vh), dev(mh), true, 0.2f), SUM, "attention over an F16 cache");
        // every key masked: zeros, like the reference
        Tensor allMasked = Tensor.fromFloats(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 1, 1, 1, 2);
        Tensor q1 = randn(1, 1, 1, 4), k1 = randn(1, 1, 2, 4), v1 = randn(1, 1, 2, 4);
        check(REF.attention(q1, k1, v1, allMasked, false, 1f), gpu().attention(dev(q1), dev(k1), dev(v1), dev(allMasked), false, 1f), 0, "fully masked");
    }

    @Test void attentionSplitOverKeysMatchesOneWorkGroup() {
        Tensor q = randn(1, 4, 1, 64), k = randn(1, 4, 300, 64), v = randn(1, 4, 300, 64);
        Tensor want = REF.attention(q, k, v, null, true, 0.125f);
        try {
            for (int splits : new int[] {1, 3, 7}) {
                gpu().forceAttentionSplits(splits);
                check(want, gpu().attention(dev(q), dev(k), dev(v), null, true, 0.125f), SUM, "attention with " + splits + " key splits");
            }
            gpu().forceAttentionSplits(4);
            Tensor q2 = randn(2, 2, 3, 16), k2 = randn(2, 2, 50, 16), v2 = randn(2, 2, 50, 16), m2 = scaled(randn(2, 2, 3, 50), 3);
            check(REF.attention(q2, k2, v2, m2, true, 0.25f), gpu().attention(dev(q2), dev(k2), dev(v2), dev(m2), true, 0.25f), SUM, "split with mask and causal offset");
        } finally {
            gpu().forceAttentionSplits(0);
        }
    }

    // ---- reductions ---------------------------------------------------------------------------------------------

    @Test void reduceEveryOpAndDimension() {
        Tensor x = randn(3, 17, 5, 1);
        for (ReduceOp op : ReduceOp.values()) {
            for (int dim : new int[] {0, 1, 2, -1}) check(REF.reduce(op, x, dim), gpu().reduce(op, dev(x), dim), SUM, "reduce " + op + " dim " + dim);
            Pair p = pair(randn(4097, 2), t -> t.transpose(0, 1));
            check(REF.reduce(op, p.host(), 1), gpu().reduce(op, p.dev(), 1), SUM, "reduce " + op + " of a transposed long row");
        }
    }

    @Test void argmaxFirstOfTiesIntoI32AndI64() {
        float[] v = new float[3 * 4097];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        v[100] = 9; v[4000] = 9; // tie in row 0: the first wins
        v[4097 + 4096] = 7;
        Tensor x = Tensor.fromFloats(v, 3, 4097);
        check(REF.argmax(x), gpu().argmax(dev(x)), 0, "argmax");
        Tensor want = REF.empty(DType.I64, 3), got = gpu().empty(DType.I64, 3);
        REF.argmax(x, want);
        gpu().argmax(dev(x), got);
        assertArrayEquals(want.toIntArray(), gpu().toHost(got).toIntArray(), "argmax into I64");
        Pair p = pair(randn(5, 7), t -> t.transpose(0, 1));
        check(REF.argmax(p.host()), gpu().argmax(p.dev()), 0, "argmax of transposed view");
    }

    // ---- memory, conveniences, errors --------------------------------------------------------------------------

    @Test void concatAndPadThroughCopies() {
        Tensor a = randn(2, 3), b = randn(2, 5);
        check(REF.concat(1, a, b), gpu().concat(1, dev(a), dev(b)), 0, "concat");
        check(REF.pad(a, new int[] {1, 0, 2, 1}, -1f), gpu().pad(dev(a), new int[] {1, 0, 2, 1}, -1f), 0, "pad");
    }

    @Test void scopesFreeDeviceTemporariesAndViewsReadBack() {
        long before = gpu().liveBytes();
        try (Scope s = Scope.open()) {
            Tensor t = gpu().empty(DType.F32, 1024, 1024);
            gpu().fill(t, 1);
            assertTrue(gpu().liveBytes() >= before + (4 << 20));
            Tensor col = t.narrow(1, 3, 2);
            assertArrayEquals(new int[] {1024, 2}, gpu().toHost(col).shape());
        }
        assertEquals(before, gpu().liveBytes(), "a closed scope gives its device tensors back to the pool");
        Tensor d = dev(randn(2, 2));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, d::toFloatArray);
        assertTrue(e.getMessage().contains("toHost"), e.getMessage());
        assertTrue(gpu().toDevice(d) == d, "toDevice of a tensor already here is the tensor itself");
    }

    /** Host tensors handed to a GPU op are copied over (with a warning) rather than refused: models that keep one on the host still run. */
    @Test void hostInputsAndOutputsAreCopiedAcross() {
        Tensor a = randn(3, 4), b = randn(4);
        check(REF.add(a, b), gpu().add(dev(a), b), EW, "host input");
        Tensor hostOut = Tensor.zeros(DType.F32, 3, 4);
        gpu().binary(BinaryOp.MUL, dev(a), dev(b), hostOut.transpose(0, 1).transpose(0, 1));
        OpFixtures.assertClose(REF.mul(a, b), hostOut, EW, "host output");
        Tensor w = randn(5, 4);
        Tensor lin = Tensor.zeros(DType.F32, 3, 5);
        gpu().linear(a, w, null, lin);
        OpFixtures.assertClose(REF.linear(a, w, null), lin, SUM, "linear entirely on host tensors");
        Tensor h = Tensor.zeros(DType.F16, 3, 4);
        gpu().copy(dev(a), h);
        assertSameBits(REF.copyOf(a, DType.F16), h, "device-to-host copy with conversion");
    }

    @Test void sameInputsGiveTheSameBytes() {
        Tensor x = randn(33, 65), w = randn(40, 65);
        Tensor a = gpu().toHost(gpu().linear(dev(x), dev(w), null)), b = gpu().toHost(gpu().linear(dev(x), dev(w), null));
        assertSameBits(a, b, "repeated linear");
    }

    /** The shared PyTorch op fixtures (tensor test-jar). Tolerance 2e-5·(1 + |expected|), float accumulation. */
    protected static java.util.stream.Stream<org.junit.jupiter.api.DynamicTest> fixtures(Backend b) { return OpFixtures.run(b, 2e-5); }
}
