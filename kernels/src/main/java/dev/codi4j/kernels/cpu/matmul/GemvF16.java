package dev.codi4j.kernels.cpu.matmul;

import static dev.codi4j.kernels.cpu.matmul.Vec.F;
import static dev.codi4j.kernels.cpu.matmul.Vec.I;
import static dev.codi4j.kernels.cpu.matmul.Vec.L;
import static dev.codi4j.kernels.cpu.matmul.Vec.LE;

import dev.codi4j.kernels.cpu.Lanes;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * F16 weights · one activation row, for the single-row decode GEMV, with half → float conversion in
 * three integer ops per pair of weights.
 *
 * <p>The weights are loaded as int lanes, each holding two halves: element 2p in the low 16 bits, 2p+1
 * in the high ones. For a half h placed in the top 16 bits of an int, an arithmetic shift right by 3
 * puts sign, exponent and mantissa where a float keeps them (copies of the sign land in bits 28–30) and
 * {@code & 0x8FFFE000} clears those copies and the other half's bits. The result, read as a float, is
 * {@code h · 2^-112} exactly (half normals become float normals, half subnormals float subnormals), so
 * {@code Σ w·x = Σ (w·2^-112)·(x·2^112)}: the activation row is scaled by 2^112 (exact) and split into
 * its even and odd elements once per call, and each product is the same real number as {@code w·x},
 * rounded the same way. No conversion to float, no multiply: one shift more for the low halves.
 *
 * <p>Preconditions, checked by {@link #prepare} (else the caller uses {@link Gemv#dotF16}): k a multiple
 * of 2·L, every |x| below 2^15 (so x·2^112 stays finite) and finite. Infinite or NaN half weights
 * (exponent 31, never in trained checkpoints) read as large finite values on this path.
 */
final class GemvF16 {
    private GemvF16() {}

    private static final int MASK = 0x8FFFE000;
    private static final float UP = 0x1p112f;
    private static final float LIMIT = 0x1p15f;
    /** Off with {@code -Dcodi4j.gemv.f16split=false} (then {@link Gemv#dotF16} runs). */
    static final boolean AVAILABLE = !"false".equals(System.getProperty("codi4j.gemv.f16split"));

    /** The even and odd elements of x, scaled by 2^112; null when the preconditions do not hold. */
    static float[][] prepare(float[] x, int xo, int k) {
        if (!AVAILABLE || k % (2 * L) != 0) return null;
        float amax = 0;
        for (int i = 0; i < k; i++) amax = Math.max(amax, Math.abs(x[xo + i]));
        if (!(amax < LIMIT)) return null; // also NaN
        float[] even = new float[k / 2], odd = new float[k / 2];
        for (int p = 0; p < k / 2; p++) {
            even[p] = x[xo + 2 * p] * UP;
            odd[p] = x[xo + 2 * p + 1] * UP;
        }
        return new float[][] {even, odd};
    }

    /** Σ over the k F16 weights at byte {@code wo} times x, with x given by {@link #prepare}. */
    static float dot(MemorySegment w, long wo, float[] even, float[] odd, int k) {
        // One 512-bit load per iteration: unrolling it twice (four accumulators) was faster in L3 but
        // slower streaming from DRAM (bench kernels, gemv f16 lines), and decode streams from DRAM.
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int pairs = k / 2;
        long o = wo;
        for (int p = 0; p < pairs; p += L, o += 4L * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, o, LE);
            FloatVector e = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(MASK).reinterpretAsFloats();
            FloatVector d = v.lanewise(VectorOperators.ASHR, 3).and(MASK).reinterpretAsFloats();
            a0 = e.fma(FloatVector.fromArray(F, even, p), a0);
            a1 = d.fma(FloatVector.fromArray(F, odd, p), a1);
        }
        return Lanes.sum(a0.add(a1));
    }

    /** The conversion of one half (in the low 16 bits of {@code h}) as the kernel does it, times 2^112: the test oracle's view. */
    static float convertScaled(short h) {
        return Float.intBitsToFloat(((h << 16) >> 3) & MASK);
    }
}
