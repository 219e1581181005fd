package dev.codi4j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Slow, obviously-correct element access on host tensors of every dtype, by element offset into
 * the storage. The reference backend and tests are built on it; fast kernels never use it.
 */
public final class Elements {
    private Elements() {}

    /** Storage element offset of a multi-index. */
    public static long offsetOf(Tensor t, int... index) {
        if (index.length != t.rank()) throw new ShapeException("index of rank " + index.length + " for " + t.describe());
        long off = t.offset();
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= t.dim(i)) throw new ShapeException("index " + java.util.Arrays.toString(index) + " is outside " + t.describe());
            off += index[i] * t.stride(i);
        }
        return off;
    }

    static long offsetOf(Tensor t, long[] index) {
        long off = t.offset();
        for (int i = 0; i < index.length; i++) off += index[i] * t.stride(i);
        return off;
    }

    /** Row-major increment of a multi-index; returns false after the last one. */
    public static boolean increment(long[] idx, int[] shape) {
        for (int d = idx.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) return true;
            idx[d] = 0;
        }
        return false;
    }

    public interface FloatVisitor { void accept(long flatIndex, float value); }

    /** Visits every element in row-major order. */
    public static void forEach(Tensor t, FloatVisitor v) {
        long n = t.numel();
        if (n == 0) return;
        long[] idx = new long[t.rank()];
        int[] shape = t.shape();
        for (long i = 0; i < n; i++) {
            v.accept(i, get(t, offsetOf(t, idx)));
            increment(idx, shape);
        }
    }

    /** The element at storage element offset {@code off}, as float. */
    public static float get(Tensor t, long off) {
        MemorySegment s = t.segment();
        return switch (t.dtype()) {
            case F32 -> s.get(Numerics.F32, off * 4);
            case F16 -> Numerics.f16ToF32(s.get(Numerics.I16, off * 2));
            case BF16 -> Numerics.bf16ToF32(s.get(Numerics.I16, off * 2));
            case I8 -> s.get(Numerics.I8, off);
            case U8, BOOL -> s.get(Numerics.I8, off) & 0xFF;
            case I32 -> s.get(Numerics.I32, off * 4);
            case I64 -> s.get(Numerics.I64, off * 8);
            case Q8_0 -> {
                long base = off / 32 * 34;
                yield Numerics.f16ToF32(s.get(Numerics.I16, base)) * s.get(Numerics.I8, base + 2 + off % 32);
            }
            case Q4_0 -> {
                long base = off / 32 * 18;
                int j = (int) (off % 32);
                int q = s.get(Numerics.I8, base + 2 + (j & 15)) & 0xFF;
                int nib = j < 16 ? (q & 0xF) : (q >>> 4);
                yield Numerics.f16ToF32(s.get(Numerics.I16, base)) * (nib - 8);
            }
        };
    }

    /** The element at {@code off} as a long (integer dtypes exact; floats truncated). */
    public static long getLong(Tensor t, long off) {
        MemorySegment s = t.segment();
        return switch (t.dtype()) {
            case I32 -> s.get(Numerics.I32, off * 4);
            case I64 -> s.get(Numerics.I64, off * 8);
            case I8 -> s.get(Numerics.I8, off);
            case U8, BOOL -> s.get(Numerics.I8, off) & 0xFF;
            default -> (long) get(t, off);
        };
    }

    /** Stores {@code v} at storage element offset {@code off}, rounded to the dtype. Block types cannot be set per element. */
    public static void set(Tensor t, long off, float v) {
        MemorySegment s = t.segment();
        switch (t.dtype()) {
            case F32 -> s.set(Numerics.F32, off * 4, v);
            case F16 -> s.set(Numerics.I16, off * 2, Numerics.f32ToF16(v));
            case BF16 -> s.set(Numerics.I16, off * 2, Numerics.f32ToBf16(v));
            case I8 -> s.set(Numerics.I8, off, (byte) saturate(v, -128, 127));
            case U8 -> s.set(Numerics.I8, off, (byte) saturate(v, 0, 255));
            case BOOL -> s.set(Numerics.I8, off, (byte) (v != 0 ? 1 : 0));
            case I32 -> s.set(Numerics.I32, off * 4, (int) v);
            case I64 -> s.set(Numerics.I64, off * 8, (long) v);
            case Q8_0, Q4_0 -> throw new ShapeException("cannot set single elements of a " + t.dtype() + " tensor; quantise whole rows with Backend.copy");
        }
    }

    /** Stores an integer exactly (integer dtypes). */
    public static void setLong(Tensor t, long off, long v) {
        MemorySegment s = t.segment();
        switch (t.dtype()) {
            case I32 -> s.set(Numerics.I32, off * 4, (int) v);
            case I64 -> s.set(Numerics.I64, off * 8, v);
            case I8, U8, BOOL -> s.set(Numerics.I8, off, (byte) v);
            default -> set(t, off, v);
        }
    }

    private static long saturate(float v, long lo, long hi) {
        long r = Math.round(v);
        return Math.max(lo, Math.min(hi, r));
    }
}
