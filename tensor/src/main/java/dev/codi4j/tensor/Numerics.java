package dev.codi4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Scalar conversions between the element types, all round-to-nearest-even, plus GGML's Q8_0/Q4_0
 * block (de)quantisation. These are the reference formulas every fast kernel is tested against.
 */
public final class Numerics {
    private Numerics() {}

    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    /** IEEE half (bits in the low 16 bits) to float; exact. */
    public static float f16ToF32(short h) { return Float.float16ToFloat(h); }

    /** float to IEEE half, round-to-nearest-even, overflow to infinity, NaN kept NaN. */
    public static short f32ToF16(float f) { return Float.floatToFloat16(f); }

    /** bfloat16 to float; exact. */
    public static float bf16ToF32(short b) { return Float.intBitsToFloat((b & 0xFFFF) << 16); }

    /** float to bfloat16, round-to-nearest-even; NaN stays a quiet NaN of the same sign. */
    public static short f32ToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) return (short) ((bits >>> 16) | 0x0040);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    public static final int QK = 32;

    /** Dequantises one Q8_0 block at {@code base} into {@code dst[off..off+32)}. */
    public static void dequantQ8_0(MemorySegment seg, long base, float[] dst, int off) {
        float d = f16ToF32(seg.get(I16, base));
        for (int j = 0; j < QK; j++) dst[off + j] = d * seg.get(I8, base + 2 + j);
    }

    /** Dequantises one Q4_0 block at {@code base} into {@code dst[off..off+32)}. */
    public static void dequantQ4_0(MemorySegment seg, long base, float[] dst, int off) {
        float d = f16ToF32(seg.get(I16, base));
        for (int j = 0; j < QK / 2; j++) {
            int q = seg.get(I8, base + 2 + j) & 0xFF;
            dst[off + j] = d * ((q & 0x0F) - 8);
            dst[off + j + QK / 2] = d * ((q >>> 4) - 8);
        }
    }

    /** GGML's reference Q8_0 quantisation of 32 values (ggml quantize_row_q8_0_ref). */
    public static void quantQ8_0(float[] src, int off, MemorySegment seg, long base) {
        float amax = 0;
        for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(src[off + j]));
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        seg.set(I16, base, f32ToF16(d));
        for (int j = 0; j < QK; j++) seg.set(I8, base + 2 + j, (byte) roundHalfAway(src[off + j] * id));
    }

    /** GGML's reference Q4_0 quantisation of 32 values (ggml quantize_row_q4_0_ref). */
    public static void quantQ4_0(float[] src, int off, MemorySegment seg, long base) {
        float amax = 0, max = 0;
        for (int j = 0; j < QK; j++) {
            float v = src[off + j];
            if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        seg.set(I16, base, f32ToF16(d));
        for (int j = 0; j < QK / 2; j++) {
            float x0 = src[off + j] * id, x1 = src[off + QK / 2 + j] * id;
            int xi0 = Math.min(15, (byte) (x0 + 8.5f));
            int xi1 = Math.min(15, (byte) (x1 + 8.5f));
            seg.set(I8, base + 2 + j, (byte) (xi0 | (xi1 << 4)));
        }
    }

    /** C's roundf (half away from zero), as GGML uses it. */
    static int roundHalfAway(float v) {
        float a = Math.abs(v);
        float r = (float) Math.floor(a);
        if (a - r >= 0.5f) r += 1f; // a - floor(a) is exact in float
        return (int) (v < 0 ? -r : r);
    }

}
