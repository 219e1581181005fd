package dev.codi4j.kernels.cpu.ops;

import dev.codi4j.tensor.Numerics;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Contiguous F32 ↔ F16/BF16 conversion, bit-exact with {@link Numerics}: F16 through
 * {@link Float#floatToFloat16}/{@link Float#float16ToFloat} (C2 turns these array loops into the
 * hardware conversions, which round to nearest even like the scalar code), BF16 with the same
 * integer rounding as {@link Numerics#f32ToBf16}, NaN kept quiet.
 */
public final class Convert {
    private Convert() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Shorts with as many lanes as {@link #F} (half its width). */
    static final VectorSpecies<Short> S = F.vectorBitSize() >= 128 ? VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2)) : null;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int CHUNK = 1024;
    private static final ThreadLocal<short[]> SHORTS = ThreadLocal.withInitial(() -> new short[CHUNK]);

    /** n halves at byte offset {@code b} → {@code dst[d..d+n)}. */
    public static void f16ToF32(MemorySegment seg, long b, float[] dst, int d, int n) {
        if (S != null && n < CHUNK) { // short rows (KV cache, embeddings): vector bit arithmetic, no staging copy
            int i = 0;
            for (; i <= n - L; i += L) widenHalves(ShortVector.fromMemorySegment(S, seg, b + 2L * i, LE)).intoArray(dst, d + i);
            for (; i < n; i++) dst[d + i] = Float.float16ToFloat(seg.get(Numerics.I16, b + 2L * i));
            return;
        }
        short[] h = SHORTS.get();
        for (int c = 0; c < n; c += CHUNK) {
            int m = Math.min(CHUNK, n - c);
            MemorySegment.copy(seg, Numerics.I16, b + 2L * c, h, 0, m);
            halfToFloat(h, dst, d + c, m);
        }
    }

    /**
     * Exact half → float for L lanes: the magnitude bits shifted into a float and scaled by 2^112
     * (exact for normal and subnormal halves alike), infinities and NaNs given an all-ones
     * exponent, then the sign. Agrees with {@link Float#float16ToFloat} on every non-NaN half
     * (tested on all 65536) and keeps NaN payloads.
     */
    static FloatVector widenHalves(ShortVector h) {
        IntVector w = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        IntVector mag = w.and(0x7FFF);
        FloatVector f = mag.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
        IntVector bits = f.reinterpretAsInts();
        bits = bits.blend(mag.lanewise(VectorOperators.LSHL, 13).or(0x7F800000), mag.compare(VectorOperators.GE, 0x7C00));
        return bits.or(w.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    private static void halfToFloat(short[] h, float[] dst, int d, int m) {
        for (int i = 0; i < m; i++) dst[d + i] = Float.float16ToFloat(h[i]);
    }

    /** {@code src[s..s+n)} → n halves at byte offset {@code b}, round to nearest even. */
    public static void f32ToF16(float[] src, int s, MemorySegment seg, long b, int n) {
        short[] h = SHORTS.get();
        for (int c = 0; c < n; c += CHUNK) {
            int m = Math.min(CHUNK, n - c);
            floatToHalf(src, s + c, h, m);
            MemorySegment.copy(h, 0, seg, Numerics.I16, b + 2L * c, m);
        }
    }

    private static void floatToHalf(float[] src, int s, short[] h, int m) {
        for (int i = 0; i < m; i++) h[i] = Float.floatToFloat16(src[s + i]);
    }

    /** n bfloat16 at byte offset {@code b} → {@code dst[d..d+n)} (exact). */
    public static void bf16ToF32(MemorySegment seg, long b, float[] dst, int d, int n) {
        int i = 0;
        if (S != null) {
            for (; i <= n - L; i += L) {
                ShortVector h = ShortVector.fromMemorySegment(S, seg, b + 2L * i, LE);
                IntVector w = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
                w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, d + i);
            }
        }
        for (; i < n; i++) dst[d + i] = Float.intBitsToFloat(seg.get(Numerics.I16, b + 2L * i) << 16);
    }

    /** {@code src[s..s+n)} → n bfloat16 at byte offset {@code b}, exactly {@link Numerics#f32ToBf16}. */
    public static void f32ToBf16(float[] src, int s, MemorySegment seg, long b, int n) {
        int i = 0;
        if (S != null) {
            for (; i <= n - L; i += L) {
                IntVector bits = FloatVector.fromArray(F, src, s + i).reinterpretAsInts();
                IntVector hi = bits.lanewise(VectorOperators.LSHR, 16);
                IntVector r = bits.add(0x7FFF).add(hi.and(1)).lanewise(VectorOperators.LSHR, 16);
                VectorMask<Integer> nan = bits.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000);
                r = r.blend(hi.or(0x0040), nan);
                ((ShortVector) r.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(seg, b + 2L * i, LE);
            }
        }
        for (; i < n; i++) seg.set(Numerics.I16, b + 2L * i, Numerics.f32ToBf16(src[s + i]));
    }
}
