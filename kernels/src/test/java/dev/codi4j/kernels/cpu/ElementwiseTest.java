package dev.codi4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Erf;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import dev.codi4j.tensor.testing.OpFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * unary, binary, affine and gated against the reference on awkward sizes and layouts. Errors are
 * |cpu − ref| / (1 + |ref|); per-op tolerances below (0 where the CPU kernel computes the same
 * float expression as the reference).
 */
class ElementwiseTest {
    static final CpuBackend CPU = new CpuBackend(2);

    @AfterAll static void close() { CPU.close(); }

    static double tolerance(UnaryOp op) {
        return switch (op) {
            case NEG, ABS, RELU, SQUARE, SQRT, RECIPROCAL, TANH, LOG, SIN, COS -> 0;
            case RSQRT -> 1.2e-7;
            case EXP, SIGMOID -> 3e-7;
            case GELU, GELU_TANH, QUICK_GELU, SILU -> 5e-7;
        };
    }

    static Tensor input(UnaryOp op, Random r, int... shape) {
        Tensor t = Layouts.randn(r, 3f, 0f, shape);
        if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT) {
            float[] v = t.toFloatArray();
            for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]) + 1e-3f;
            t = Tensor.fromFloats(v, shape);
        }
        return t;
    }

    /** The last is large enough to be split across both threads. */
    static final int[][] SHAPES = {{1}, {3}, {17}, {4097}, {3, 17}, {2, 5, 33}, {65, 1031}};

    /** Layouts to try: all of them for small shapes, contiguous and transposed for the large one. */
    static List<Layouts.Named> layoutsFor(Tensor vals) {
        if (vals.numel() < 10_000) return Layouts.layouts(vals);
        return List.of(new Layouts.Named("contiguous", vals), new Layouts.Named("transposed", Layouts.layout(vals, DType.F32, "transposed")));
    }

    @TestFactory Stream<DynamicTest> unaryEveryOpSizeAndLayout() {
        List<DynamicTest> tests = new ArrayList<>();
        Random r = new Random(21);
        for (UnaryOp op : UnaryOp.values()) {
            for (int[] shape : SHAPES) {
                Tensor vals = input(op, r, shape);
                Tensor want = Layouts.REF.unary(op, vals);
                for (Layouts.Named x : layoutsFor(vals)) {
                    tests.add(DynamicTest.dynamicTest(op + " " + x, () -> OpFixtures.assertClose(want, CPU.unary(op, x.t()), tolerance(op), op + " " + x)));
                }
                tests.add(DynamicTest.dynamicTest(op + " in place " + Layouts.shape(shape), () -> {
                    Tensor x = Layouts.layout(vals, DType.F32, "contiguous");
                    CPU.unary(op, x, x);
                    OpFixtures.assertClose(want, x, tolerance(op), op + " in place");
                }));
            }
            tests.add(DynamicTest.dynamicTest(op + " f16 in, f16 out", () -> {
                Tensor x = Layouts.REF.copyOf(input(op, new Random(1), 5, 40), DType.F16);
                Tensor a = Tensor.zeros(DType.F16, 5, 40), b = Tensor.zeros(DType.F16, 5, 40);
                Layouts.REF.unary(op, x, a);
                CPU.unary(op, x, b);
                OpFixtures.assertClose(a, b, Math.max(tolerance(op), 1e-3), op + " f16"); // one f16 ulp where the F32 results straddle a rounding boundary
            }));
        }
        return tests.stream();
    }

    /** Φ is evaluated from an erfc fit: GELU must be within 4e-7 relative of the double formula over the whole range. */
    @Test void geluIsAccurateRelativelyEverywhere() {
        int n = 400_001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -20f + 40f * i / (n - 1);
        float[] got = CPU.unary(UnaryOp.GELU, Tensor.fromFloats(x, n)).toFloatArray();
        double worst = 0;
        float at = 0;
        for (int i = 0; i < n; i++) {
            double z = x[i] / Math.sqrt(2);
            double phi = x[i] < 0 ? 0.5 * erfc(-z) : 0.5 * (1 + Erf.erf(z));
            double want = x[i] * phi;
            if (Math.abs(want) < 1e-37) { assertTrue(Math.abs(got[i]) < 1e-36, "gelu(" + x[i] + ") = " + got[i]); continue; }
            double rel = Math.abs(got[i] - want) / Math.abs(want);
            if (rel > worst) { worst = rel; at = x[i]; }
        }
        assertTrue(worst < 4e-7, "GELU relative error " + worst + " at x = " + at);
    }

    /** erfc for z ≥ 0 to ~1e-12 relative: 1 − erf (double) while erfc ≥ 2e-5, a continued fraction above. */
    static double erfc(double z) {
        if (z < 3) return 1 - Erf.erf(z);
        double f = 0;
        for (int k = 300; k >= 1; k--) f = (k / 2.0) / (z + f);
        return Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + f);
    }

    @Test void specialValues() {
        float[] v = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 88.72f, 88.75f, -87.5f, -103f, -110f, 1e-30f, 20f, -20f, 100f, -100f, 1e38f, -1e38f};
        Tensor x = Tensor.fromFloats(v, v.length);
        for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.SIGMOID, UnaryOp.SILU, UnaryOp.GELU, UnaryOp.GELU_TANH, UnaryOp.QUICK_GELU, UnaryOp.RELU}) {
            float[] want = Layouts.REF.unary(op, x).toFloatArray(), got = CPU.unary(op, x).toFloatArray();
            for (int i = 0; i < v.length; i++) {
                String what = op + "(" + v[i] + ")";
                if (Float.isNaN(want[i])) { assertTrue(Float.isNaN(got[i]), what + " = " + got[i]); continue; }
                if (Float.isInfinite(want[i])) { assertEquals(want[i], got[i], what); continue; }
                // exp and GELU hold 4e-7 relative; the σ-based ones round their float argument (e.g. 1.702x)
                // before exp, which is worth up to ~|arg|·6e-8 relative far in the tails
                double rel = op == UnaryOp.EXP || op == UnaryOp.GELU || op == UnaryOp.RELU ? 4e-7 : 3e-6;
                assertEquals(want[i], got[i], rel * Math.abs(want[i]) + 1e-37, what);
            }
        }
    }

    record Pair(String name, int[] a, int[] b) {}

    @TestFactory Stream<DynamicTest> binaryBroadcasts() {
        List<Pair> pairs = List.of(
                new Pair("same shape", new int[] {17, 33}, new int[] {17, 33}),
                new Pair("bias row", new int[] {7, 4097}, new int[] {4097}),
                new Pair("column", new int[] {9, 31}, new int[] {9, 1}),
                new Pair("scalar right", new int[] {3, 17}, new int[] {1}),
                new Pair("scalar left", new int[] {1}, new int[] {5, 19}),
                new Pair("0-d", new int[] {}, new int[] {2, 3}),
                new Pair("both expand", new int[] {2, 1, 5}, new int[] {3, 1}),
                new Pair("middle", new int[] {4, 6, 10}, new int[] {4, 1, 10}),
                new Pair("large", new int[] {64, 1100}, new int[] {64, 1100}),
                new Pair("large bias", new int[] {256, 320}, new int[] {320}));
        List<DynamicTest> tests = new ArrayList<>();
        Random r = new Random(22);
        for (Pair p : pairs) {
            Tensor av = Layouts.randn(r, 2f, 0.5f, p.a), bv = Layouts.randn(r, 2f, 0.5f, p.b);
            for (BinaryOp op : BinaryOp.values()) {
                Tensor a0 = op == BinaryOp.POW ? Layouts.REF.unary(UnaryOp.ABS, av) : av;
                Tensor want = Layouts.REF.binary(op, a0, bv);
                List<Layouts.Named> as = a0.rank() == 0 ? List.of(new Layouts.Named("0-d", a0)) : layoutsFor(a0);
                for (Layouts.Named a : as) {
                    tests.add(DynamicTest.dynamicTest(p.name + " " + op + " a " + a, () -> OpFixtures.assertClose(want, CPU.binary(op, a.t(), bv), 0, p.name + " " + op + " " + a)));
                }
                if (bv.rank() >= 2) {
                    Tensor bt = Layouts.layout(bv, DType.F32, "transposed");
                    tests.add(DynamicTest.dynamicTest(p.name + " " + op + " b transposed", () -> OpFixtures.assertClose(want, CPU.binary(op, a0, bt), 0, p.name + " " + op + " b transposed")));
                }
            }
            tests.add(DynamicTest.dynamicTest(p.name + " f16 operands", () -> {
                Tensor a = Layouts.REF.copyOf(av, DType.F16), b = Layouts.REF.copyOf(bv, DType.BF16);
                OpFixtures.assertClose(Layouts.REF.binary(BinaryOp.MUL, a, b), CPU.binary(BinaryOp.MUL, a, b), 0, p.name + " f16·bf16");
            }));
        }
        tests.add(DynamicTest.dynamicTest("in place residual add", () -> {
            Tensor a = Layouts.randn(new Random(3), 1f, 0f, 33, 65), b = Layouts.randn(new Random(4), 1f, 0f, 65);
            Tensor want = Layouts.REF.binary(BinaryOp.ADD, a, b);
            CPU.binary(BinaryOp.ADD, a, b, a);
            OpFixtures.assertClose(want, a, 0, "a += b");
        }));
        tests.add(DynamicTest.dynamicTest("max/min with NaN and signed zeros", () -> {
            Tensor a = Tensor.fromFloats(new float[] {Float.NaN, 0f, -0f, 1f, -0f, 0f, 2f, Float.NaN, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f}, 17);
            Tensor b = Tensor.fromFloats(new float[] {1f, -0f, 0f, Float.NaN, -0f, 0f, 2f, Float.NaN, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f}, 17);
            for (BinaryOp op : new BinaryOp[] {BinaryOp.MAX, BinaryOp.MIN}) {
                float[] w = Layouts.REF.binary(op, a, b).toFloatArray(), g = CPU.binary(op, a, b).toFloatArray();
                for (int i = 0; i < w.length; i++) assertEquals(Float.floatToIntBits(w[i]), Float.floatToIntBits(g[i]), op + " element " + i);
            }
        }));
        return tests.stream();
    }

    @TestFactory Stream<DynamicTest> affineAndGated() {
        List<DynamicTest> tests = new ArrayList<>();
        Random r = new Random(23);
        for (int[] shape : SHAPES) {
            Tensor vals = Layouts.randn(r, 3f, 1f, shape);
            Tensor want = Layouts.REF.empty(DType.F32, shape);
            Layouts.REF.affine(vals, 1.7f, -0.3f, want);
            for (Layouts.Named x : layoutsFor(vals)) {
                tests.add(DynamicTest.dynamicTest("affine " + x, () -> {
                    Tensor out = CPU.empty(DType.F32, shape);
                    CPU.affine(x.t(), 1.7f, -0.3f, out);
                    OpFixtures.assertClose(want, out, 1.2e-7, "affine " + x); // one fused rounding vs the reference's double then float
                }));
            }
            Tensor up = Layouts.randn(r, 1f, 0f, shape);
            for (UnaryOp act : new UnaryOp[] {UnaryOp.SILU, UnaryOp.GELU, UnaryOp.GELU_TANH, UnaryOp.QUICK_GELU, UnaryOp.RELU}) {
                Tensor gw = Layouts.REF.gated(act, vals, up);
                for (Layouts.Named g : layoutsFor(vals)) {
                    tests.add(DynamicTest.dynamicTest("gated " + act + " " + g, () -> OpFixtures.assertClose(gw, CPU.gated(act, g.t(), up), 1e-6, "gated " + act + " " + g)));
                }
                if (shape.length == 2) {
                    // SwiGLU as models call it: gate and up are the two halves of one projection
                    Tensor both = Layouts.randn(r, 2f, 0f, shape[0], 2 * shape[1]);
                    Tensor g = both.narrow(1, 0, shape[1]), u = both.narrow(1, shape[1], shape[1]);
                    tests.add(DynamicTest.dynamicTest("gated halves " + act + " " + Layouts.shape(shape),
                            () -> OpFixtures.assertClose(Layouts.REF.gated(act, g, u), CPU.gated(act, g, u), 1e-6, "gated halves " + act)));
                }
            }
        }
        return tests.stream();
    }
}
