package dev.codi4j.kernels.cpu.matmul;

import dev.codi4j.kernels.cpu.Lanes;
import static dev.codi4j.kernels.cpu.matmul.Vec.F;
import static dev.codi4j.kernels.cpu.matmul.Vec.LE;

import dev.codi4j.tensor.Numerics;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 weights · one activation row quantised to int8 blocks of 32 (llama.cpp's {@code q4_0 · q8_0}
 * dot product), for the single-row decode GEMV.
 *
 * <p><b>Numerics (a deliberate choice, as in llama.cpp).</b> The activation row is rounded once per
 * call to {@code x ≈ dx_b · q} per block b of 32, {@code dx_b = max|x_b| / 127}, {@code q} an integer in
 * [−127, 127] (round to nearest, ties to even). Each block's {@code Σ (w_q − 8)·q} is then exact integer arithmetic, and
 * the row is {@code Σ_b (d_b · dx_b) · isum_b} in float. The rounding of x changes the result by at
 * most {@code Σ_b (dx_b / 2) · Σ_{i∈b} |w_i| ≤ max|x| / 254 · ‖w‖₁} (about 1e-3 relative on random
 * data); the F32-activation kernels in {@link Gemv} stay exact up to float accumulation.
 *
 * <p><b>Why it is faster.</b> The F32 kernel spends its time converting nibbles to floats (two int→float
 * conversions and two FMAs per 16 weights). Here the nibbles are widened to 16-bit lanes once, multiplied
 * by the 16-bit activations (|q_w · q_x| ≤ 15 · 127, so two products and the −8 correction fit a short),
 * and each int lane pair is summed with one multiply: for an int lane holding shorts (lo, hi),
 * {@code (v · 65537) >> 16 = lo + hi} (arithmetic shift; exact while |lo + hi| < 2^15). What is left in
 * float is one conversion and one FMA per two blocks. Two blocks share one 512-bit vector: their nibbles
 * are 2 bytes apart in memory (the second block's scale sits between), so two overlapping 32-byte loads
 * are blended.
 *
 * <p>Layout of the quantised activations, per pair of blocks (b, b+1), 64 shorts: q of b elements
 * 0..15, q of b+1 elements 0..15, q of b elements 16..31, q of b+1 elements 16..31 (the order of the
 * widened low nibbles, then of the high nibbles); and {@code cq}, 32 shorts per pair, {@code −8·(q_lo + q_hi)}
 * lane by lane, so that adding it turns the unsigned nibble products into {@code (w_q − 8)·q}. An odd
 * last block keeps the same layout (its partner's half is zero) and is done in scalar code.
 *
 * <p>Only for 512-bit vectors ({@link #AVAILABLE}); elsewhere, and when
 * {@code -Dcodi4j.gemv.q8act=false}, the F32-activation kernel runs.
 */
final class GemvQ {
    private GemvQ() {}

    static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
    /** 512-bit vectors (16 float lanes) and not switched off. */
    static final boolean AVAILABLE = F.length() == 16 && !"false".equals(System.getProperty("codi4j.gemv.q8act"));
    private static final VectorMask<Byte> UPPER_BYTES = VectorMask.fromLong(B, 0xFFFF0000L);
    private static final VectorMask<Float> UPPER_FLOATS = VectorMask.fromLong(F, 0xFF00L);

    /** One activation row quantised as described in the class comment; {@code k} a multiple of 32. */
    record Act(short[] xq, short[] cq, float[] dx, int k) {}

    /**
     * Vectorised (a scalar loop here costs about 10 % of a 1024×4096 GEMV, run before the threads
     * start). Rounding is to nearest with ties to even ({@code (v + 1.5·2^23) − 1.5·2^23}, exact for
     * |v| ≤ 2^22), i.e. {@link Math#rint}. The block maximum is a max reduction: exact, any order.
     */
    static Act quantise(float[] x, int xo, int k) {
        int nb = k / 32, pairs = (nb + 1) / 2;
        short[] xq = new short[64 * pairs], cq = new short[32 * pairs];
        float[] dx = new float[nb];
        for (int b = 0; b < nb; b++) {
            int base = xo + 32 * b;
            FloatVector v0 = FloatVector.fromArray(F, x, base), v1 = FloatVector.fromArray(F, x, base + 16);
            float amax = v0.abs().max(v1.abs()).reduceLanes(VectorOperators.MAX);
            float id = amax == 0 ? 0 : 127f / amax;
            dx[b] = amax / 127f;
            int p = 64 * (b >> 1) + 16 * (b & 1);
            rounded(v0, id).intoArray(xq, p);
            rounded(v1, id).intoArray(xq, p + 32);
        }
        for (int p = 0; p < pairs; p++) {
            ShortVector lo = ShortVector.fromArray(S, xq, 64 * p), hi = ShortVector.fromArray(S, xq, 64 * p + 32);
            lo.add(hi).mul((short) -8).intoArray(cq, 32 * p);
        }
        return new Act(xq, cq, dx, k);
    }

    private static final float ROUND = 0x1.8p23f;

    private static ShortVector rounded(FloatVector v, float id) {
        FloatVector r = v.mul(id).add(ROUND).sub(ROUND);
        return (ShortVector) r.convertShape(VectorOperators.F2S, Vec.SH, 0);
    }

    /**
     * Σ over the row of Q4_0 weights at byte {@code wo} times the quantised activations. Everything is
     * written out in one method: a helper returning a vector that C2 does not inline boxes it.
     */
    static float dotQ4(MemorySegment w, long wo, Act a) {
        short[] xq = a.xq, cq = a.cq;
        float[] dx = a.dx;
        int nb = a.k / 32, pairs = nb >> 1;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long end = wo + 72L * (pairs >> 1);
        int xi = 0, b = 0;
        for (long o = wo; o < end; o += 72, xi += 128, b += 4) { // two pairs, one accumulator each
            ByteVector n0 = ByteVector.fromMemorySegment(B, w, o + 2, LE).blend(ByteVector.fromMemorySegment(B, w, o + 4, LE), UPPER_BYTES);
            ShortVector s0 = (ShortVector) n0.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector p0 = s0.and((short) 0xF).mul(ShortVector.fromArray(S, xq, xi))
                    .add(s0.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S, xq, xi + 32)))
                    .add(ShortVector.fromArray(S, cq, xi >> 1));
            IntVector r0 = p0.reinterpretAsInts().mul(65537).lanewise(VectorOperators.ASHR, 16);
            ByteVector n1 = ByteVector.fromMemorySegment(B, w, o + 38, LE).blend(ByteVector.fromMemorySegment(B, w, o + 40, LE), UPPER_BYTES);
            ShortVector s1 = (ShortVector) n1.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector p1 = s1.and((short) 0xF).mul(ShortVector.fromArray(S, xq, xi + 64))
                    .add(s1.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S, xq, xi + 96)))
                    .add(ShortVector.fromArray(S, cq, (xi >> 1) + 32));
            IntVector r1 = p1.reinterpretAsInts().mul(65537).lanewise(VectorOperators.ASHR, 16);
            float d0 = Float.float16ToFloat(w.get(Numerics.I16, o)) * dx[b], d1 = Float.float16ToFloat(w.get(Numerics.I16, o + 18)) * dx[b + 1];
            float d2 = Float.float16ToFloat(w.get(Numerics.I16, o + 36)) * dx[b + 2], d3 = Float.float16ToFloat(w.get(Numerics.I16, o + 54)) * dx[b + 3];
            a0 = ((FloatVector) r0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d0).blend(d1, UPPER_FLOATS), a0);
            a1 = ((FloatVector) r1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d2).blend(d3, UPPER_FLOATS), a1);
        }
        if ((pairs & 1) != 0) { // the last pair
            long o = end;
            ByteVector n0 = ByteVector.fromMemorySegment(B, w, o + 2, LE).blend(ByteVector.fromMemorySegment(B, w, o + 4, LE), UPPER_BYTES);
            ShortVector s0 = (ShortVector) n0.convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector p0 = s0.and((short) 0xF).mul(ShortVector.fromArray(S, xq, xi))
                    .add(s0.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S, xq, xi + 32)))
                    .add(ShortVector.fromArray(S, cq, xi >> 1));
            IntVector r0 = p0.reinterpretAsInts().mul(65537).lanewise(VectorOperators.ASHR, 16);
            float d0 = Float.float16ToFloat(w.get(Numerics.I16, o)) * dx[b], d1 = Float.float16ToFloat(w.get(Numerics.I16, o + 18)) * dx[b + 1];
            a0 = ((FloatVector) r0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d0).blend(d1, UPPER_FLOATS), a0);
            end += 36;
        }
        float s = Lanes.sum(a0.add(a1));
        if ((nb & 1) != 0) s += Float.float16ToFloat(w.get(Numerics.I16, end)) * dx[nb - 1] * blockSum(w, end, xq, 64 * pairs);
        return s;
    }

    /** Exact Σ (w_q − 8)·q of the Q4_0 block at byte o against the block whose activations start at xq[x0] (pair layout). */
    static int blockSum(MemorySegment w, long o, short[] xq, int x0) {
        int s = 0;
        for (int i = 0; i < 16; i++) {
            int b = w.get(Numerics.I8, o + 2 + i) & 0xFF;
            s += ((b & 0xF) - 8) * xq[x0 + i] + ((b >>> 4) - 8) * xq[x0 + 32 + i];
        }
        return s;
    }
}
