package dev.codi4j.kernels.cpu.ops;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.ShapeException;
import java.lang.foreign.MemorySegment;

/**
 * Reads strided rows of any dtype into a float array and writes float arrays back, with exactly
 * the conversions of {@link dev.codi4j.tensor.Elements} (round-to-nearest-even for F16/BF16,
 * rounding with saturation for I8/U8, truncation for I32/I64, GGML block (de)quantisation).
 * Contiguous F16/BF16/F32 rows go through {@link Convert}'s vector loops; the rest are scalar.
 */
public final class RowIO {
    private RowIO() {}

    /** {@code dst[d..d+n) = row}, where the row starts at element {@code off} with element stride {@code stride}. */
    public static void load(DType dt, MemorySegment seg, long off, long stride, int n, float[] dst, int d) {
        if (n <= 0) return;
        if (stride == 1) {
            switch (dt) {
                case F32 -> { MemorySegment.copy(seg, Numerics.F32, off * 4, dst, d, n); return; }
                case F16 -> { Convert.f16ToF32(seg, off * 2, dst, d, n); return; }
                case BF16 -> { Convert.bf16ToF32(seg, off * 2, dst, d, n); return; }
                case Q8_0, Q4_0 -> {
                    if (off % 32 == 0 && n % 32 == 0) { Quant.dequantize(dt, seg, off / 32 * dt.blockBytes(), n / 32, dst, d); return; }
                }
                default -> { }
            }
        }
        if (stride == 0) {
            float v = get(dt, seg, off);
            java.util.Arrays.fill(dst, d, d + n, v);
            return;
        }
        switch (dt) {
            case F32 -> { for (int i = 0; i < n; i++) dst[d + i] = seg.get(Numerics.F32, (off + i * stride) * 4); }
            case F16 -> { for (int i = 0; i < n; i++) dst[d + i] = Float.float16ToFloat(seg.get(Numerics.I16, (off + i * stride) * 2)); }
            case BF16 -> { for (int i = 0; i < n; i++) dst[d + i] = Float.intBitsToFloat(seg.get(Numerics.I16, (off + i * stride) * 2) << 16); }
            default -> { for (int i = 0; i < n; i++) dst[d + i] = get(dt, seg, off + i * stride); }
        }
    }

    /** Writes {@code src[s..s+n)} to the row at element {@code off}, stride {@code stride}, converting to {@code dt}. */
    public static void store(float[] src, int s, DType dt, MemorySegment seg, long off, long stride, int n) {
        if (n <= 0) return;
        if (stride == 1) {
            switch (dt) {
                case F32 -> { MemorySegment.copy(src, s, seg, Numerics.F32, off * 4, n); return; }
                case F16 -> { Convert.f32ToF16(src, s, seg, off * 2, n); return; }
                case BF16 -> { Convert.f32ToBf16(src, s, seg, off * 2, n); return; }
                case Q8_0, Q4_0 -> {
                    if (off % 32 != 0 || n % 32 != 0) throw new ShapeException("cannot store " + n + " values at element " + off + " of a " + dt + " tensor: rows must be whole blocks of 32");
                    Quant.quantize(dt, src, s, n / 32, seg, off / 32 * dt.blockBytes());
                    return;
                }
                default -> { }
            }
        }
        if (dt.isQuantized()) throw new ShapeException(dt + " rows must be contiguous whole blocks; got stride " + stride);
        switch (dt) {
            case F32 -> { for (int i = 0; i < n; i++) seg.set(Numerics.F32, (off + i * stride) * 4, src[s + i]); }
            default -> { for (int i = 0; i < n; i++) set(dt, seg, off + i * stride, src[s + i]); }
        }
    }

    /** One element as float (the {@link dev.codi4j.tensor.Elements#get} conversion). */
    public static float get(DType dt, MemorySegment seg, long off) {
        return switch (dt) {
            case F32 -> seg.get(Numerics.F32, off * 4);
            case F16 -> Float.float16ToFloat(seg.get(Numerics.I16, off * 2));
            case BF16 -> Float.intBitsToFloat(seg.get(Numerics.I16, off * 2) << 16);
            case I8 -> seg.get(Numerics.I8, off);
            case U8, BOOL -> seg.get(Numerics.I8, off) & 0xFF;
            case I32 -> seg.get(Numerics.I32, off * 4);
            case I64 -> seg.get(Numerics.I64, off * 8);
            case Q8_0 -> {
                long b = off / 32 * 34;
                yield Float.float16ToFloat(seg.get(Numerics.I16, b)) * seg.get(Numerics.I8, b + 2 + off % 32);
            }
            case Q4_0 -> {
                long b = off / 32 * 18;
                int j = (int) (off % 32);
                int q = seg.get(Numerics.I8, b + 2 + (j & 15)) & 0xFF;
                yield Float.float16ToFloat(seg.get(Numerics.I16, b)) * ((j < 16 ? q & 0xF : q >>> 4) - 8);
            }
        };
    }

    /** Stores one float, rounded to {@code dt} (not for block types). */
    public static void set(DType dt, MemorySegment seg, long off, float v) {
        switch (dt) {
            case F32 -> seg.set(Numerics.F32, off * 4, v);
            case F16 -> seg.set(Numerics.I16, off * 2, Float.floatToFloat16(v));
            case BF16 -> seg.set(Numerics.I16, off * 2, Numerics.f32ToBf16(v));
            case I8 -> seg.set(Numerics.I8, off, (byte) Math.max(-128, Math.min(127, Math.round(v))));
            case U8 -> seg.set(Numerics.I8, off, (byte) Math.max(0, Math.min(255, Math.round(v))));
            case BOOL -> seg.set(Numerics.I8, off, (byte) (v != 0 ? 1 : 0));
            case I32 -> seg.set(Numerics.I32, off * 4, (int) v);
            case I64 -> seg.set(Numerics.I64, off * 8, (long) v);
            case Q8_0, Q4_0 -> throw new ShapeException("cannot set single elements of a " + dt + " tensor; quantise whole rows");
        }
    }

    /** One element of an integer dtype, exactly (floats are truncated as {@code (long) v}). */
    public static long getLong(DType dt, MemorySegment seg, long off) {
        return switch (dt) {
            case I32 -> seg.get(Numerics.I32, off * 4);
            case I64 -> seg.get(Numerics.I64, off * 8);
            case I8 -> seg.get(Numerics.I8, off);
            case U8, BOOL -> seg.get(Numerics.I8, off) & 0xFF;
            default -> (long) get(dt, seg, off);
        };
    }

    /** Stores an integer exactly into an integer dtype (narrowing wraps, as a Java cast). */
    public static void setLong(DType dt, MemorySegment seg, long off, long v) {
        switch (dt) {
            case I32 -> seg.set(Numerics.I32, off * 4, (int) v);
            case I64 -> seg.set(Numerics.I64, off * 8, v);
            case I8, U8, BOOL -> seg.set(Numerics.I8, off, (byte) v);
            default -> set(dt, seg, off, v);
        }
    }
}
