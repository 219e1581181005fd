package dev.codi4j.kernels.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codi4j.kernels.cpu.CpuBackend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.ref.ReferenceBackend;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The int8-activation Q4_0 GEMV ({@link GemvQ}) against a scalar implementation of the same math
 * written out here: activations quantised per block of 32 (scale max|x|/127, round to nearest even), the
 * integer block sums Σ(w_q − 8)·q exact, the row Σ_b (d_b·dx_b)·isum_b. The quantised activations and
 * the integer sums must match exactly; the final float sum only up to float accumulation (the kernel
 * adds the blocks in lanes, the scalar code in double): 4·(number of blocks)·eps·Σ_b|d_b·dx_b·isum_b|,
 * orders of magnitude below the activation rounding that MatrixKernelsTest allows for.
 */
class GemvQTest {
    static final float EPS = 0x1p-23f;

    /** Row-major activations of one block, in natural order: element i of block b is q[32·b + i]. */
    static int[] scalarQuantise(float[] x, int k, float[] dx) {
        int[] q = new int[k];
        for (int b = 0; b < k / 32; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[32 * b + i]));
            dx[b] = amax / 127f;
            float id = amax == 0 ? 0 : 127f / amax;
            for (int i = 0; i < 32; i++) q[32 * b + i] = (int) Math.rint(x[32 * b + i] * id);
        }
        return q;
    }

    static Tensor q4(Random r, int n, int k) {
        float[] v = new float[n * k];
        for (int i = 0; i < v.length; i++) v[i] = (r.nextFloat() * 2 - 1) * (i % 97 == 0 ? 8 : 1);
        return new ReferenceBackend().copyOf(Tensor.fromFloats(v, n, k), DType.Q4_0);
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 64, 96, 128, 160, 192, 288, 4096})
    void matchesScalarQuantisedMath(int k) {
        assumeTrue(GemvQ.AVAILABLE, "needs 512-bit vectors");
        Random r = new Random(k);
        int n = 7, nb = k / 32;
        Tensor w = q4(r, n, k);
        float[] x = new float[k];
        for (int i = 0; i < k; i++) x[i] = (r.nextFloat() * 2 - 1) * (i % 50 == 0 ? 5 : 1);
        if (k >= 64) java.util.Arrays.fill(x, 32, 64, 0f); // an all-zero block
        float[] dx = new float[nb];
        int[] q = scalarQuantise(x, k, dx);
        GemvQ.Act act = GemvQ.quantise(x, 0, k);
        assertArrayEquals(dx, act.dx(), "block scales");
        for (int b = 0; b < nb; b++) {
            for (int i = 0; i < 32; i++) {
                int at = 64 * (b >> 1) + 16 * (b & 1) + (i < 16 ? i : 32 + i - 16);
                assertEquals(q[32 * b + i], act.xq()[at], "q of block " + b + " element " + i);
            }
        }
        MemorySegment seg = w.segment();
        for (int j = 0; j < n; j++) {
            long wo = w.byteOffset() + 18L * nb * j;
            double expect = 0, mag = 0;
            for (int b = 0; b < nb; b++) {
                long o = wo + 18L * b;
                int isum = 0;
                for (int i = 0; i < 16; i++) {
                    int byt = seg.get(Numerics.I8, o + 2 + i) & 0xFF;
                    isum += ((byt & 0xF) - 8) * q[32 * b + i] + ((byt >>> 4) - 8) * q[32 * b + 16 + i];
                }
                float scale = Float.float16ToFloat(seg.get(Numerics.I16, o)) * dx[b];
                assertEquals(isum, GemvQ.blockSum(seg, o, act.xq(), 64 * (b >> 1) + 16 * (b & 1)), "integer sum of block " + b);
                expect += (double) scale * isum;
                mag += Math.abs((double) scale * isum);
            }
            float got = GemvQ.dotQ4(seg, wo, act);
            double tol = 4 * nb * EPS * mag + 1e-30;
            assertTrue(Math.abs(got - expect) <= tol, "k=" + k + " row " + j + ": " + got + " vs " + expect + " (tolerance " + tol + ")");
        }
    }

    /** Linear with one activation row and Q4_0 weights runs this kernel: same bits, any thread count. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void linearOneRowUsesIt(int threads) {
        assumeTrue(GemvQ.AVAILABLE, "needs 512-bit vectors");
        Random r = new Random(3);
        int n = 300, k = 320;
        Tensor w = q4(r, n, k);
        float[] x = new float[k];
        for (int i = 0; i < k; i++) x[i] = r.nextFloat() * 2 - 1;
        GemvQ.Act act = GemvQ.quantise(x, 0, k);
        try (CpuBackend cpu = new CpuBackend(threads)) {
            float[] out = cpu.linear(Tensor.fromFloats(x, 1, k), w, null).toFloatArray();
            for (int j = 0; j < n; j++) assertEquals(GemvQ.dotQ4(w.segment(), w.byteOffset() + 18L * (k / 32) * j, act), out[j], "row " + j);
        }
    }
}
