package dev.codi4j.kernels.cpu.matmul;

import dev.codi4j.kernels.cpu.Lanes;
import static dev.codi4j.kernels.cpu.matmul.Vec.BQ;
import static dev.codi4j.kernels.cpu.matmul.Vec.F;
import static dev.codi4j.kernels.cpu.matmul.Vec.I;
import static dev.codi4j.kernels.cpu.matmul.Vec.L;
import static dev.codi4j.kernels.cpu.matmul.Vec.LE;
import static dev.codi4j.kernels.cpu.matmul.Vec.SH;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Matrix-vector products for decode: a few activation rows against a weight matrix streamed once
 * in its stored dtype (F32, F16, BF16, Q8_0, Q4_0), converting in registers.
 *
 * <p>Each weight row is read once per call and multiplied with up to {@link #GROUP} activation rows,
 * so the conversion cost (the bottleneck on two cores, not the memory) is shared by the group.
 * Q4_0 keeps the nibbles unsigned and subtracts {@code 8·Σx} per block once at the end of the row
 * ({@code Σ d·x·(q−8) = Σ d·x·q − 8·Σ d·Σx}), which saves two integer ops per block.
 */
final class Gemv {
    private Gemv() {}

    /** Activation rows processed together per pass over the weights. */
    static final int GROUP = 4;

    /**
     * Per-block sums of x (K/32 values per row) for Q4_0; null for other dtypes. {@code x} holds
     * {@code rows} rows of {@code k} floats, {@code ldx} apart.
     */
    static float[] blockSums(DType dt, float[] x, int rows, int k, int ldx) {
        if (dt != DType.Q4_0) return null;
        int nb = k / 32;
        float[] s = new float[rows * nb];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < nb; b++) {
                FloatVector acc = FloatVector.zero(F);
                for (int v = 0; v < 32; v += L) acc = acc.add(FloatVector.fromArray(F, x, r * ldx + b * 32 + v));
                s[r * nb + b] = Lanes.sum(acc);
            }
        }
        return s;
    }

    /**
     * res[r] = x_r · w_row for r &lt; g ≤ 4 over {@code k} weights starting at byte {@code wo}, where
     * x_r = x[xo + r·ldx, +k) and, for Q4_0, its block sums are sums[so + r·lds, +k/32). Unused rows
     * of a partial group are computed from row 0 and ignored.
     */
    static void dot(MemorySegment w, long wo, DType dt, float[] x, int xo, int ldx, int g, int k, float[] sums, int so, int lds, float[] res) {
        if (g == 1) {
            res[0] = switch (dt) {
                case F32 -> dotF32(w, wo, x, xo, k);
                case F16 -> dotF16(w, wo, x, xo, k);
                case BF16 -> dotBF16(w, wo, x, xo, k);
                case Q8_0 -> Vec.WIDE ? dotQ8(w, wo, x, xo, k) : dotScalar(w, wo, dt, x, xo, k);
                case Q4_0 -> Vec.WIDE ? dotQ4(w, wo, x, xo, k, sums, so) : dotScalar(w, wo, dt, x, xo, k);
                default -> throw new IllegalArgumentException(dt.toString());
            };
            return;
        }
        int x1 = g > 1 ? xo + ldx : xo, x2 = g > 2 ? xo + 2 * ldx : xo, x3 = g > 3 ? xo + 3 * ldx : xo;
        int s1 = g > 1 ? so + lds : so, s2 = g > 2 ? so + 2 * lds : so, s3 = g > 3 ? so + 3 * lds : so;
        switch (dt) {
            case F32 -> dot4F32(w, wo, x, xo, x1, x2, x3, k, res);
            case F16 -> dot4F16(w, wo, x, xo, x1, x2, x3, k, res);
            case BF16 -> dot4BF16(w, wo, x, xo, x1, x2, x3, k, res);
            case Q8_0 -> { if (Vec.WIDE) dot4Q8(w, wo, x, xo, x1, x2, x3, k, res); else scalar4(w, wo, dt, x, xo, x1, x2, x3, k, res); }
            case Q4_0 -> { if (Vec.WIDE) dot4Q4(w, wo, x, xo, x1, x2, x3, k, sums, so, s1, s2, s3, res); else scalar4(w, wo, dt, x, xo, x1, x2, x3, k, res); }
            default -> throw new IllegalArgumentException(dt.toString());
        }
    }

    // ---- one activation row ------------------------------------------------------------------
    // Loops run on a long byte offset: C2 then hoists the segment bounds checks (with an int block
    // index and a derived long offset it re-checks every load, ~20 % slower in cache).

    static float dotF32(MemorySegment w, long wo, float[] x, int xo, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int full = k - k % (2 * L);
        long end = wo + 4L * full;
        int xi = xo;
        for (long o = wo; o < end; o += 8L * L, xi += 2 * L) {
            a0 = FloatVector.fromMemorySegment(F, w, o, LE).fma(FloatVector.fromArray(F, x, xi), a0);
            a1 = FloatVector.fromMemorySegment(F, w, o + 4L * L, LE).fma(FloatVector.fromArray(F, x, xi + L), a1);
        }
        float s = Lanes.sum(a0.add(a1));
        for (int i = full; i < k; i++) s += w.get(Numerics.F32, wo + 4L * i) * x[xo + i];
        return s;
    }

    static float dotF16(MemorySegment w, long wo, float[] x, int xo, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int full = k - k % (2 * L);
        long end = wo + 2L * full;
        int xi = xo;
        for (long o = wo; o < end; o += 4L * L, xi += 2 * L) {
            a0 = Vec.halfToFloat(ShortVector.fromMemorySegment(SH, w, o, LE)).fma(FloatVector.fromArray(F, x, xi), a0);
            a1 = Vec.halfToFloat(ShortVector.fromMemorySegment(SH, w, o + 2L * L, LE)).fma(FloatVector.fromArray(F, x, xi + L), a1);
        }
        float s = Lanes.sum(a0.add(a1));
        for (int i = full; i < k; i++) s += Float.float16ToFloat(w.get(Numerics.I16, wo + 2L * i)) * x[xo + i];
        return s;
    }

    static float dotBF16(MemorySegment w, long wo, float[] x, int xo, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int full = k - k % (2 * L);
        long end = wo + 2L * full;
        int xi = xo;
        for (long o = wo; o < end; o += 4L * L, xi += 2 * L) {
            a0 = Vec.bf16ToFloat(ShortVector.fromMemorySegment(SH, w, o, LE)).fma(FloatVector.fromArray(F, x, xi), a0);
            a1 = Vec.bf16ToFloat(ShortVector.fromMemorySegment(SH, w, o + 2L * L, LE)).fma(FloatVector.fromArray(F, x, xi + L), a1);
        }
        float s = Lanes.sum(a0.add(a1));
        for (int i = full; i < k; i++) s += Numerics.bf16ToF32(w.get(Numerics.I16, wo + 2L * i)) * x[xo + i];
        return s;
    }

    /** Two blocks per step with independent accumulators, so the FMA latency of the per-block scale overlaps. */
    static float dotQ8(MemorySegment w, long wo, float[] x, int xo, int k) {
        if (L == 16) return dotQ8x16(w, wo, x, xo, k);
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int nb = k / 32;
        long end = wo + 34L * (nb & ~1);
        int xi = xo;
        for (long o = wo; o < end; o += 68, xi += 64) {
            FloatVector p0 = FloatVector.zero(F), p1 = p0;
            for (int v = 0; v < 32; v += L) {
                p0 = ((FloatVector) ByteVector.fromMemorySegment(BQ, w, o + 2 + v, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi + v), p0);
                p1 = ((FloatVector) ByteVector.fromMemorySegment(BQ, w, o + 36 + v, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi + 32 + v), p1);
            }
            a0 = p0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Numerics.I16, o))), a0);
            a1 = p1.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Numerics.I16, o + 34))), a1);
        }
        if ((nb & 1) != 0) {
            long o = end;
            FloatVector p = FloatVector.zero(F);
            for (int v = 0; v < 32; v += L) {
                p = ((FloatVector) ByteVector.fromMemorySegment(BQ, w, o + 2 + v, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi + v), p);
            }
            a0 = p.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Numerics.I16, o))), a0);
        }
        return Lanes.sum(a0.add(a1));
    }

    static float dotQ4(MemorySegment w, long wo, float[] x, int xo, int k, float[] sums, int so) {
        if (L == 16) return dotQ4x16(w, wo, x, xo, k, sums, so);
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        float corr = 0;
        int nb = k / 32;
        long end = wo + 18L * (nb & ~1);
        int xi = xo, si = so;
        for (long o = wo; o < end; o += 36, xi += 64, si += 2) {
            FloatVector p0 = FloatVector.zero(F), p1 = p0;
            for (int v = 0; v < 16; v += L) {
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BQ, w, o + 2 + v, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(BQ, w, o + 20 + v, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                p0 = ((FloatVector) q0.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + v), p0);
                p0 = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 16 + v), p0);
                p1 = ((FloatVector) q1.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 32 + v), p1);
                p1 = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 48 + v), p1);
            }
            float d0 = Float.float16ToFloat(w.get(Numerics.I16, o)), d1 = Float.float16ToFloat(w.get(Numerics.I16, o + 18));
            a0 = p0.fma(FloatVector.broadcast(F, d0), a0);
            a1 = p1.fma(FloatVector.broadcast(F, d1), a1);
            corr += d0 * sums[si] + d1 * sums[si + 1];
        }
        if ((nb & 1) != 0) {
            long o = end;
            FloatVector p = FloatVector.zero(F);
            for (int v = 0; v < 16; v += L) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(BQ, w, o + 2 + v, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                p = ((FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + v), p);
                p = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 16 + v), p);
            }
            float d = Float.float16ToFloat(w.get(Numerics.I16, o));
            a0 = p.fma(FloatVector.broadcast(F, d), a0);
            corr += d * sums[si];
        }
        return Lanes.sum(a0.add(a1)) - 8 * corr;
    }

    /** {@link #dotQ8} written out for 16 lanes: one vector per half block, no inner loop for C2 to unroll. */
    private static float dotQ8x16(MemorySegment w, long wo, float[] x, int xo, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int nb = k / 32;
        long end = wo + 34L * (nb & ~1);
        int xi = xo;
        for (long o = wo; o < end; o += 68, xi += 64) {
            FloatVector q0 = (FloatVector) ByteVector.fromMemorySegment(BQ, w, o + 2, LE).convertShape(VectorOperators.B2F, F, 0);
            FloatVector q1 = (FloatVector) ByteVector.fromMemorySegment(BQ, w, o + 18, LE).convertShape(VectorOperators.B2F, F, 0);
            FloatVector q2 = (FloatVector) ByteVector.fromMemorySegment(BQ, w, o + 36, LE).convertShape(VectorOperators.B2F, F, 0);
            FloatVector q3 = (FloatVector) ByteVector.fromMemorySegment(BQ, w, o + 52, LE).convertShape(VectorOperators.B2F, F, 0);
            FloatVector p0 = q0.fma(FloatVector.fromArray(F, x, xi), q1.mul(FloatVector.fromArray(F, x, xi + 16)));
            FloatVector p1 = q2.fma(FloatVector.fromArray(F, x, xi + 32), q3.mul(FloatVector.fromArray(F, x, xi + 48)));
            a0 = p0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Numerics.I16, o))), a0);
            a1 = p1.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Numerics.I16, o + 34))), a1);
        }
        if ((nb & 1) != 0) {
            long o = end;
            FloatVector q0 = (FloatVector) ByteVector.fromMemorySegment(BQ, w, o + 2, LE).convertShape(VectorOperators.B2F, F, 0);
            FloatVector q1 = (FloatVector) ByteVector.fromMemorySegment(BQ, w, o + 18, LE).convertShape(VectorOperators.B2F, F, 0);
            FloatVector p = q0.fma(FloatVector.fromArray(F, x, xi), q1.mul(FloatVector.fromArray(F, x, xi + 16)));
            a0 = p.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Numerics.I16, o))), a0);
        }
        return Lanes.sum(a0.add(a1));
    }

    /** {@link #dotQ4} written out for 16 lanes: one 16-byte load gives both nibble halves of a block. */
    private static float dotQ4x16(MemorySegment w, long wo, float[] x, int xo, int k, float[] sums, int so) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        float corr = 0;
        int nb = k / 32;
        long end = wo + 18L * (nb & ~1);
        int xi = xo, si = so;
        for (long o = wo; o < end; o += 36, xi += 64, si += 2) {
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BQ, w, o + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(BQ, w, o + 20, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector p0 = ((FloatVector) q0.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi),
                    ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, x, xi + 16)));
            FloatVector p1 = ((FloatVector) q1.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 32),
                    ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, x, xi + 48)));
            float d0 = Float.float16ToFloat(w.get(Numerics.I16, o)), d1 = Float.float16ToFloat(w.get(Numerics.I16, o + 18));
            a0 = p0.fma(FloatVector.broadcast(F, d0), a0);
            a1 = p1.fma(FloatVector.broadcast(F, d1), a1);
            corr += d0 * sums[si] + d1 * sums[si + 1];
        }
        if ((nb & 1) != 0) {
            long o = end;
            IntVector q = (IntVector) ByteVector.fromMemorySegment(BQ, w, o + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector p = ((FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi),
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, x, xi + 16)));
            float d = Float.float16ToFloat(w.get(Numerics.I16, o));
            a0 = p.fma(FloatVector.broadcast(F, d), a0);
            corr += d * sums[si];
        }
        return Lanes.sum(a0.add(a1)) - 8 * corr;
    }

    // ---- four activation rows sharing each converted weight vector ------------------------
    // Two accumulators per row (even and odd vectors): with one, each row's FMA chain waits the full
    // FMA latency per vector and the 4-row kernel ran at half the speed of the 1-row one per weight.

    static void dot4F32(MemorySegment w, long wo, float[] x, int x0, int x1, int x2, int x3, int k, float[] res) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int full = k - k % (2 * L);
        long end = wo + 4L * full;
        int i = 0;
        for (long o = wo; o < end; o += 8L * L, i += 2 * L) {
            FloatVector v = FloatVector.fromMemorySegment(F, w, o, LE), u = FloatVector.fromMemorySegment(F, w, o + 4L * L, LE);
            a0 = v.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = v.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = v.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = v.fma(FloatVector.fromArray(F, x, x3 + i), a3);
            b0 = u.fma(FloatVector.fromArray(F, x, x0 + i + L), b0);
            b1 = u.fma(FloatVector.fromArray(F, x, x1 + i + L), b1);
            b2 = u.fma(FloatVector.fromArray(F, x, x2 + i + L), b2);
            b3 = u.fma(FloatVector.fromArray(F, x, x3 + i + L), b3);
        }
        finish4(a0.add(b0), a1.add(b1), a2.add(b2), a3.add(b3), res);
        for (i = full; i < k; i++) tail4(w.get(Numerics.F32, wo + 4L * i), x, x0 + i, x1 + i, x2 + i, x3 + i, res);
    }

    static void dot4F16(MemorySegment w, long wo, float[] x, int x0, int x1, int x2, int x3, int k, float[] res) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int full = k - k % (2 * L);
        int i = 0;
        for (; i < full; i += 2 * L) {
            long o = wo + 2L * i;
            FloatVector v = Vec.halfToFloat(ShortVector.fromMemorySegment(SH, w, o, LE)), u = Vec.halfToFloat(ShortVector.fromMemorySegment(SH, w, o + 2L * L, LE));
            a0 = v.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = v.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = v.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = v.fma(FloatVector.fromArray(F, x, x3 + i), a3);
            b0 = u.fma(FloatVector.fromArray(F, x, x0 + i + L), b0);
            b1 = u.fma(FloatVector.fromArray(F, x, x1 + i + L), b1);
            b2 = u.fma(FloatVector.fromArray(F, x, x2 + i + L), b2);
            b3 = u.fma(FloatVector.fromArray(F, x, x3 + i + L), b3);
        }
        finish4(a0.add(b0), a1.add(b1), a2.add(b2), a3.add(b3), res);
        for (i = full; i < k; i++) tail4(Float.float16ToFloat(w.get(Numerics.I16, wo + 2L * i)), x, x0 + i, x1 + i, x2 + i, x3 + i, res);
    }

    static void dot4BF16(MemorySegment w, long wo, float[] x, int x0, int x1, int x2, int x3, int k, float[] res) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int full = k - k % (2 * L);
        long end = wo + 2L * full;
        int i = 0;
        for (long o = wo; o < end; o += 4L * L, i += 2 * L) {
            FloatVector v = Vec.bf16ToFloat(ShortVector.fromMemorySegment(SH, w, o, LE)), u = Vec.bf16ToFloat(ShortVector.fromMemorySegment(SH, w, o + 2L * L, LE));
            a0 = v.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = v.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = v.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = v.fma(FloatVector.fromArray(F, x, x3 + i), a3);
            b0 = u.fma(FloatVector.fromArray(F, x, x0 + i + L), b0);
            b1 = u.fma(FloatVector.fromArray(F, x, x1 + i + L), b1);
            b2 = u.fma(FloatVector.fromArray(F, x, x2 + i + L), b2);
            b3 = u.fma(FloatVector.fromArray(F, x, x3 + i + L), b3);
        }
        finish4(a0.add(b0), a1.add(b1), a2.add(b2), a3.add(b3), res);
        for (i = full; i < k; i++) tail4(Numerics.bf16ToF32(w.get(Numerics.I16, wo + 2L * i)), x, x0 + i, x1 + i, x2 + i, x3 + i, res);
    }

    /** Scale folded into the weights (one multiply per vector), shared by the four rows. */
    static void dot4Q8(MemorySegment w, long wo, float[] x, int x0, int x1, int x2, int x3, int k, float[] res) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        long end = wo + 34L * (k / 32);
        int i = 0;
        for (long o = wo; o < end; o += 34) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(Numerics.I16, o)));
            for (int v = 0; v < 32; v += 2 * L, i += 2 * L) {
                FloatVector q = ((FloatVector) ByteVector.fromMemorySegment(BQ, w, o + 2 + v, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                FloatVector r = ((FloatVector) ByteVector.fromMemorySegment(BQ, w, o + 2 + v + L, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                a0 = q.fma(FloatVector.fromArray(F, x, x0 + i), a0);
                a1 = q.fma(FloatVector.fromArray(F, x, x1 + i), a1);
                a2 = q.fma(FloatVector.fromArray(F, x, x2 + i), a2);
                a3 = q.fma(FloatVector.fromArray(F, x, x3 + i), a3);
                b0 = r.fma(FloatVector.fromArray(F, x, x0 + i + L), b0);
                b1 = r.fma(FloatVector.fromArray(F, x, x1 + i + L), b1);
                b2 = r.fma(FloatVector.fromArray(F, x, x2 + i + L), b2);
                b3 = r.fma(FloatVector.fromArray(F, x, x3 + i + L), b3);
            }
        }
        finish4(a0.add(b0), a1.add(b1), a2.add(b2), a3.add(b3), res);
    }

    /** Low nibbles (elements 0..15 of a block) feed the first accumulator of each row, high nibbles the second. */
    static void dot4Q4(MemorySegment w, long wo, float[] x, int x0, int x1, int x2, int x3, int k, float[] sums, int s0, int s1, int s2, int s3, float[] res) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        float c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        long end = wo + 18L * (k / 32);
        int b = 0;
        for (long o = wo; o < end; o += 18, b++) {
            float df = Float.float16ToFloat(w.get(Numerics.I16, o));
            FloatVector d = FloatVector.broadcast(F, df);
            c0 += df * sums[s0 + b];
            c1 += df * sums[s1 + b];
            c2 += df * sums[s2 + b];
            c3 += df * sums[s3 + b];
            for (int v = 0; v < 16; v += L) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(BQ, w, o + 2 + v, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                FloatVector lo = ((FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0)).mul(d);
                FloatVector hi = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(d);
                int i = 32 * b + v;
                a0 = lo.fma(FloatVector.fromArray(F, x, x0 + i), a0);
                a1 = lo.fma(FloatVector.fromArray(F, x, x1 + i), a1);
                a2 = lo.fma(FloatVector.fromArray(F, x, x2 + i), a2);
                a3 = lo.fma(FloatVector.fromArray(F, x, x3 + i), a3);
                b0 = hi.fma(FloatVector.fromArray(F, x, x0 + i + 16), b0);
                b1 = hi.fma(FloatVector.fromArray(F, x, x1 + i + 16), b1);
                b2 = hi.fma(FloatVector.fromArray(F, x, x2 + i + 16), b2);
                b3 = hi.fma(FloatVector.fromArray(F, x, x3 + i + 16), b3);
            }
        }
        finish4(a0.add(b0), a1.add(b1), a2.add(b2), a3.add(b3), res);
        res[0] -= 8 * c0;
        res[1] -= 8 * c1;
        res[2] -= 8 * c2;
        res[3] -= 8 * c3;
    }

    private static void finish4(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, float[] res) {
        res[0] = Lanes.sum(a0);
        res[1] = Lanes.sum(a1);
        res[2] = Lanes.sum(a2);
        res[3] = Lanes.sum(a3);
    }

    private static void tail4(float wv, float[] x, int i0, int i1, int i2, int i3, float[] res) {
        res[0] += wv * x[i0];
        res[1] += wv * x[i1];
        res[2] += wv * x[i2];
        res[3] += wv * x[i3];
    }

    // ---- scalar paths for 128-bit vector machines ---------------------------------------------

    private static float dotScalar(MemorySegment w, long wo, DType dt, float[] x, int xo, int k) {
        float[] row = new float[k];
        Dequant.run(w, wo, dt, k, row, 0);
        float s = 0;
        for (int i = 0; i < k; i++) s += row[i] * x[xo + i];
        return s;
    }

    private static void scalar4(MemorySegment w, long wo, DType dt, float[] x, int x0, int x1, int x2, int x3, int k, float[] res) {
        float[] row = new float[k];
        Dequant.run(w, wo, dt, k, row, 0);
        java.util.Arrays.fill(res, 0, 4, 0f);
        for (int i = 0; i < k; i++) tail4(row[i], x, x0 + i, x1 + i, x2 + i, x3 + i, res);
    }
}
