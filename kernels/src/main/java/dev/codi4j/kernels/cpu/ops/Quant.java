package dev.codi4j.kernels.cpu.ops;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * GGML Q8_0/Q4_0 blocks, vectorised and bit-exact with {@link Numerics#quantQ8_0} and
 * {@link Numerics#quantQ4_0} (which follow ggml's quantize_row_q*_ref). Blocks holding NaN or
 * infinity take the scalar reference path, so every input gives the reference bytes.
 */
public final class Quant {
    private Quant() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Bytes with as many lanes as {@link #F}; null where no such shape exists (then scalar). */
    private static final VectorSpecies<Byte> B = (L == 8 || L == 16 || L == 32) ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    private static final boolean VECTOR = B != null && L <= 16;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int QK = 32;

    /** Quantises {@code blocks} blocks of 32 floats from {@code src[s..]} to bytes at {@code base}. */
    public static void quantize(DType dt, float[] src, int s, int blocks, MemorySegment seg, long base) {
        int bb = dt.blockBytes();
        for (int k = 0; k < blocks; k++) {
            int o = s + k * QK;
            long at = base + (long) k * bb;
            if (dt == DType.Q8_0) { if (!VECTOR || !q8(src, o, seg, at)) Numerics.quantQ8_0(src, o, seg, at); }
            else if (dt == DType.Q4_0) { if (!VECTOR || !q4(src, o, seg, at)) Numerics.quantQ4_0(src, o, seg, at); }
            else throw new IllegalArgumentException(dt + " is not a block type");
        }
    }

    private static float amax(float[] src, int o) {
        FloatVector m = FloatVector.fromArray(F, src, o).abs();
        for (int i = L; i < QK; i += L) m = m.max(FloatVector.fromArray(F, src, o + i).abs());
        return m.reduceLanes(VectorOperators.MAX);
    }

    /** Returns false (writing nothing) for blocks with NaN or infinity. */
    private static boolean q8(float[] src, int o, MemorySegment seg, long at) {
        float amax = amax(src, o);
        if (!(amax <= Float.MAX_VALUE)) return false;
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        seg.set(Numerics.I16, at, Float.floatToFloat16(d));
        for (int i = 0; i < QK; i += L) q8Lanes(src, o + i, id, seg, at + 2 + i);
        return true;
    }

    /** L values: round-half-away(x·id) as bytes. A method of its own so C2 inlines all of its vector calls. */
    private static void q8Lanes(float[] src, int o, float id, MemorySegment seg, long at) {
        FloatVector v = FloatVector.fromArray(F, src, o).mul(id);
        FloatVector a = v.abs();
        IntVector r = (IntVector) a.convert(VectorOperators.F2I, 0);
        FloatVector rf = (FloatVector) r.convert(VectorOperators.I2F, 0);
        r = r.add(1, a.sub(rf).compare(VectorOperators.GE, 0.5f).cast(r.species()));
        r = r.lanewise(VectorOperators.NEG, v.compare(VectorOperators.LT, 0f).cast(r.species()));
        ((ByteVector) r.convertShape(VectorOperators.I2B, B, 0)).intoMemorySegment(seg, at, LE);
    }

    private static boolean q4(float[] src, int o, MemorySegment seg, long at) {
        float amax = amax(src, o);
        if (!(amax <= Float.MAX_VALUE)) return false;
        float max = amax == 0 ? 0f : firstWithMagnitude(src, o, amax);
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        seg.set(Numerics.I16, at, Float.floatToFloat16(d));
        for (int i = 0; i < QK / 2; i += L) q4Lanes(src, o + i, id, seg, at + 2 + i);
        return true;
    }

    /** The first value whose magnitude is {@code amax}, as the scalar loop keeps it. */
    private static float firstWithMagnitude(float[] src, int o, float amax) {
        for (int i = 0; i < QK; i += L) {
            VectorMask<Float> hit = FloatVector.fromArray(F, src, o + i).abs().compare(VectorOperators.EQ, amax);
            if (hit.anyTrue()) return src[o + i + hit.firstTrue()];
        }
        return 0f;
    }

    /**
     * L bytes: value j in the low nibble, value j+16 in the high one, each
     * {@code min(15, (byte) (x·id + 8.5f))}; the argument lies in [0, 17), so the byte cast is the int cast.
     */
    private static void q4Lanes(float[] src, int o, float id, MemorySegment seg, long at) {
        IntVector x0 = ((IntVector) FloatVector.fromArray(F, src, o).mul(id).add(8.5f).convert(VectorOperators.F2I, 0)).min(15);
        IntVector x1 = ((IntVector) FloatVector.fromArray(F, src, o + QK / 2).mul(id).add(8.5f).convert(VectorOperators.F2I, 0)).min(15);
        ((ByteVector) x0.or(x1.lanewise(VectorOperators.LSHL, 4)).convertShape(VectorOperators.I2B, B, 0)).intoMemorySegment(seg, at, LE);
    }

    /** Dequantises {@code blocks} blocks at {@code base} into {@code dst[d..]}. */
    public static void dequantize(DType dt, MemorySegment seg, long base, int blocks, float[] dst, int d) {
        int bb = dt.blockBytes();
        for (int k = 0; k < blocks; k++) {
            long at = base + (long) k * bb;
            int o = d + k * QK;
            float scale = Float.float16ToFloat(seg.get(Numerics.I16, at));
            if (dt == DType.Q8_0) {
                if (VECTOR) {
                    for (int i = 0; i < QK; i += L) {
                        ByteVector q = ByteVector.fromMemorySegment(B, seg, at + 2 + i, LE);
                        ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(scale).intoArray(dst, o + i);
                    }
                } else {
                    for (int j = 0; j < QK; j++) dst[o + j] = scale * seg.get(Numerics.I8, at + 2 + j);
                }
            } else if (dt == DType.Q4_0) {
                if (VECTOR) {
                    for (int i = 0; i < QK / 2; i += L) {
                        ByteVector q = ByteVector.fromMemorySegment(B, seg, at + 2 + i, LE);
                        ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
                        ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
                        ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 0)).mul(scale).intoArray(dst, o + i);
                        ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 0)).mul(scale).intoArray(dst, o + QK / 2 + i);
                    }
                } else {
                    for (int j = 0; j < QK / 2; j++) {
                        int q = seg.get(Numerics.I8, at + 2 + j) & 0xFF;
                        dst[o + j] = scale * ((q & 0x0F) - 8);
                        dst[o + j + QK / 2] = scale * ((q >>> 4) - 8);
                    }
                }
            } else throw new IllegalArgumentException(dt + " is not a block type");
        }
    }
}
