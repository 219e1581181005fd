package dev.codi4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
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
 * softmax, layerNorm, rmsNorm and groupNorm against the reference (double precision), error
 * |cpu − ref| / (1 + |ref|) ≤ 2e-6 unless stated; plus a large-group accuracy test.
 */
class NormsTest {
    static final CpuBackend CPU = new CpuBackend(2);
    static final double TOL = 2e-6;

    @AfterAll static void close() { CPU.close(); }

    static final int[][] ROWS = {{1, 1}, {3, 3}, {2, 17}, {5, 4097}, {4, 3, 64}, {300, 320}, {8, 1, 77}};

    @TestFactory Stream<DynamicTest> lastDimNorms() {
        List<DynamicTest> tests = new ArrayList<>();
        Random r = new Random(31);
        for (int[] shape : ROWS) {
            int d = shape[shape.length - 1];
            Tensor vals = Layouts.randn(r, 2f, 0.7f, shape);
            Tensor w = Layouts.randn(r, 1f, 1f, d), b = Layouts.randn(r, 1f, 0f, d);
            Tensor sm = Layouts.REF.softmax(vals), ln = Layouts.REF.layerNorm(vals, w, b, 1e-5f), lnPlain = Layouts.REF.layerNorm(vals, null, null, 1e-6f);
            Tensor rms = Layouts.REF.rmsNorm(vals, w, 1e-6f), rmsPlain = Layouts.REF.rmsNorm(vals, null, 1e-5f);
            for (Layouts.Named x : ElementwiseTest.layoutsFor(vals)) {
                tests.add(DynamicTest.dynamicTest("softmax " + x, () -> OpFixtures.assertClose(sm, CPU.softmax(x.t()), TOL, "softmax " + x)));
                tests.add(DynamicTest.dynamicTest("layerNorm " + x, () -> OpFixtures.assertClose(ln, CPU.layerNorm(x.t(), w, b, 1e-5f), TOL, "layerNorm " + x)));
                tests.add(DynamicTest.dynamicTest("layerNorm no affine " + x, () -> OpFixtures.assertClose(lnPlain, CPU.layerNorm(x.t(), null, null, 1e-6f), TOL, "layerNorm " + x)));
                tests.add(DynamicTest.dynamicTest("rmsNorm " + x, () -> OpFixtures.assertClose(rms, CPU.rmsNorm(x.t(), w, 1e-6f), TOL, "rmsNorm " + x)));
                tests.add(DynamicTest.dynamicTest("rmsNorm no weight " + x, () -> OpFixtures.assertClose(rmsPlain, CPU.rmsNorm(x.t(), null, 1e-5f), TOL, "rmsNorm " + x)));
            }
            tests.add(DynamicTest.dynamicTest("norms in place " + Layouts.shape(shape), () -> {
                Tensor x = Layouts.layout(vals, DType.F32, "contiguous");
                CPU.softmax(x, x);
                OpFixtures.assertClose(sm, x, TOL, "softmax in place");
                Tensor y = Layouts.layout(vals, DType.F32, "contiguous");
                CPU.rmsNorm(y, w, 1e-6f, y);
                OpFixtures.assertClose(rms, y, TOL, "rmsNorm in place");
            }));
            tests.add(DynamicTest.dynamicTest("norms of f16 input and weights " + Layouts.shape(shape), () -> {
                Tensor x = Layouts.REF.copyOf(vals, DType.F16), wh = Layouts.REF.copyOf(w, DType.BF16);
                OpFixtures.assertClose(Layouts.REF.layerNorm(x, wh, b, 1e-5f), CPU.layerNorm(x, wh, b, 1e-5f), TOL, "layerNorm f16");
                OpFixtures.assertClose(Layouts.REF.rmsNorm(x, wh, 1e-5f), CPU.rmsNorm(x, wh, 1e-5f), TOL, "rmsNorm f16");
            }));
        }
        return tests.stream();
    }

    @Test void softmaxOfMaskedRows() {
        float ninf = Float.NEGATIVE_INFINITY;
        Tensor x = Tensor.fromFloats(new float[] {
            ninf, ninf, ninf, ninf, ninf,   // fully masked: zeros
            1f, ninf, 2f, ninf, -3e38f,     // partially masked
            -3e38f, -3e38f, -3e38f, -3e38f, -3e38f, // HF's finfo.min mask: uniform
            80f, -80f, 0f, 88f, -100f}, 4, 5);
        OpFixtures.assertClose(Layouts.REF.softmax(x), CPU.softmax(x), 1e-7, "masked softmax");
        float[] got = CPU.softmax(x).toFloatArray();
        for (int i = 0; i < 5; i++) assertEquals(0f, got[i], "fully masked row");
    }

    @TestFactory Stream<DynamicTest> groupNorms() {
        List<DynamicTest> tests = new ArrayList<>();
        Random r = new Random(32);
        int[][] shapes = {{1, 3, 5}, {2, 6, 3, 5}, {2, 64, 9, 7}, {1, 32, 1, 1}, {2, 320, 24, 24}, {1, 8, 4, 4, 4}};
        int[] groupCounts = {3, 3, 32, 32, 32, 2};
        for (int k = 0; k < shapes.length; k++) {
            int[] shape = shapes[k];
            int g = groupCounts[k], c = shape[1];
            Tensor vals = Layouts.randn(r, 1.5f, 0.3f, shape);
            Tensor w = Layouts.randn(r, 0.5f, 1f, c), b = Layouts.randn(r, 0.5f, 0f, c);
            Tensor want = Layouts.REF.groupNorm(vals, g, w, b, 1e-6f), plain = Layouts.REF.groupNorm(vals, g, null, null, 1e-5f);
            for (Layouts.Named x : ElementwiseTest.layoutsFor(vals)) {
                tests.add(DynamicTest.dynamicTest("groupNorm(" + g + ") " + x, () -> OpFixtures.assertClose(want, CPU.groupNorm(x.t(), g, w, b, 1e-6f), TOL, "groupNorm " + x)));
            }
            tests.add(DynamicTest.dynamicTest("groupNorm no affine " + Layouts.shape(shape), () -> OpFixtures.assertClose(plain, CPU.groupNorm(vals, g, null, null, 1e-5f), TOL, "groupNorm plain")));
        }
        return tests.stream();
    }

    /**
     * Groups of 1.2 million elements whose mean (100) dwarfs their spread (0.01): a naive float
     * E[x²] − E[x]² would lose every digit. Compared with a double-precision computation on the
     * same float inputs: max |error| ≤ 2e-5 on outputs of unit scale.
     */
    @Test void groupNormStaysAccurateOnLargeOffsetGroups() {
        int n = 1, c = 64, h = 144, w = 128, groups = 2;
        Tensor x = Layouts.randn(new Random(33), 0.01f, 100f, n, c, h, w);
        float[] xs = x.toFloatArray();
        float[] got = CPU.groupNorm(x, groups, null, null, 1e-12f).toFloatArray();
        int len = c / groups * h * w;
        double worst = 0;
        for (int g = 0; g < groups; g++) {
            double mean = 0, var = 0;
            for (int i = 0; i < len; i++) mean += xs[g * len + i];
            mean /= len;
            for (int i = 0; i < len; i++) { double dlt = xs[g * len + i] - mean; var += dlt * dlt; }
            var /= len;
            double inv = 1 / Math.sqrt(var + 1e-12);
            for (int i = 0; i < len; i++) worst = Math.max(worst, Math.abs((xs[g * len + i] - mean) * inv - got[g * len + i]));
        }
        assertTrue(worst < 2e-5, "large offset group: max error " + worst);
        // and LayerNorm rows of the same kind
        Tensor rows = Layouts.randn(new Random(34), 0.01f, 100f, 8, 5120);
        OpFixtures.assertClose(Layouts.REF.layerNorm(rows, null, null, 1e-12f), CPU.layerNorm(rows, null, null, 1e-12f), 2e-5, "layerNorm large offset");
    }
}
