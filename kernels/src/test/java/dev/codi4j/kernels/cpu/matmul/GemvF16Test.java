package dev.codi4j.kernels.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.kernels.cpu.CpuBackend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.ref.ReferenceBackend;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shift-and-mask half conversion of {@link GemvF16} and the single-row F16 GEMV built on it. */
class GemvF16Test {
    /** Every finite half (normals, subnormals, ±0) converts exactly: (h·2^-112)·2^112 = float16ToFloat(h). */
    @Test void conversionIsExactForEveryFiniteHalf() {
        int checked = 0;
        for (int h = 0; h < 1 << 16; h++) {
            short s = (short) h;
            float want = Float.float16ToFloat(s);
            if (!Float.isFinite(want)) continue;
            float got = GemvF16.convertScaled(s) * 0x1p112f;
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "half 0x" + Integer.toHexString(h));
            checked++;
        }
        assertEquals(2 * (1 << 15) - 2 * 1024, checked); // all but the 2·1024 Inf/NaN patterns
    }

    static Tensor f16(Random r, int n, int k) {
        float[] v = new float[n * k];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian() * (i % 89 == 0 ? 30 : 0.05f) + (i % 1013 == 0 ? 1e-6f : 0); // include half subnormals
        return new ReferenceBackend().copyOf(Tensor.fromFloats(v, n, k), DType.F16);
    }

    /**
     * One-row linear against F16 weights on the CPU backend equals the scalar reference within float
     * accumulation error: |Σ| order differences only, bounded by k·2^-23·Σ|w·x| (here ≤ 1e-5 relative
     * to Σ|w·x|), for sizes that take the split path (k a multiple of 32) and others.
     */
    @ParameterizedTest
    @ValueSource(ints = {32, 64, 96, 4096, 11008, 17, 4097})
    void oneRowLinearMatchesTheReference(int k) {
        Random r = new Random(k);
        int n = 37;
        Tensor w = f16(r, n, k);
        float[] xv = new float[k];
        for (int i = 0; i < k; i++) xv[i] = (float) r.nextGaussian() * (i % 61 == 0 ? 200 : 1);
        Tensor x = Tensor.fromFloats(xv, 1, k);
        float[] want = new ReferenceBackend().linear(x, w, null).toFloatArray();
        float[] wf = w.toFloatArray();
        try (CpuBackend cpu = new CpuBackend(2)) {
            float[] got = cpu.linear(x, w, null).toFloatArray();
            for (int j = 0; j < n; j++) {
                double mag = 0;
                for (int i = 0; i < k; i++) mag += Math.abs((double) wf[j * k + i] * xv[i]);
                assertEquals(want[j], got[j], 1e-5 * mag + 1e-30, "row " + j + " of k=" + k);
            }
            assertArrayEquals(got, cpu.linear(x, w, null).toFloatArray(), "same bits on every call");
        }
    }

    @Test void largeOrNonFiniteActivationsUseTheGeneralKernel() {
        float[] x = new float[64];
        x[5] = 1e5f; // x·2^112 would overflow
        assertNull(GemvF16.prepare(x, 0, 64));
        x[5] = Float.NaN;
        assertNull(GemvF16.prepare(x, 0, 64));
        x[5] = 1000;
        assertNotNull(GemvF16.prepare(x, 0, 64));
        assertNull(GemvF16.prepare(new float[3 * Vec.L], 0, 3 * Vec.L), "k not a multiple of two vectors");
        // and the result is still right on the general path
        Random r = new Random(3);
        Tensor w = f16(r, 5, 64);
        x[5] = 1e5f;
        Tensor xt = Tensor.fromFloats(x.clone(), 1, 64);
        float[] want = new ReferenceBackend().linear(xt, w, null).toFloatArray();
        try (CpuBackend cpu = new CpuBackend(2)) {
            float[] got = cpu.linear(xt, w, null).toFloatArray();
            for (int j = 0; j < 5; j++) assertTrue(Math.abs(want[j] - got[j]) <= 1e-4 * Math.abs(want[j]) + 1e-3, want[j] + " vs " + got[j]);
        }
    }
}
