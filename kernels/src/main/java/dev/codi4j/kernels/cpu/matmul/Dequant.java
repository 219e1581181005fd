package dev.codi4j.kernels.cpu.matmul;

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
 * Vectorised conversion of a contiguous run of weights (any floating dtype) to floats, bit-exact
 * with {@link Numerics}. The GEMM packers call it one short row segment at a time, so a weight
 * matrix is never dequantised as a whole.
 */
final class Dequant {
    private Dequant() {}

    /**
     * Converts {@code len} consecutive elements starting at byte {@code byteOff} of {@code seg} into
     * {@code dst[off, off+len)}. For Q8_0/Q4_0 {@code byteOff} is the start of a block and
     * {@code len} a multiple of 32.
     */
    static void run(MemorySegment seg, long byteOff, DType dt, int len, float[] dst, int off) {
        // one small method per dtype: a single large method would exceed C2's inlining budget and box the vectors
        switch (dt) {
            case F32 -> MemorySegment.copy(seg, Numerics.F32, byteOff, dst, off, len);
            case F16 -> f16(seg, byteOff, len, dst, off);
            case BF16 -> bf16(seg, byteOff, len, dst, off);
            case Q8_0 -> q8(seg, byteOff, len, dst, off);
            case Q4_0 -> q4(seg, byteOff, len, dst, off);
            default -> throw new IllegalArgumentException("not a floating weight dtype: " + dt);
        }
    }

    static void f16(MemorySegment seg, long byteOff, int len, float[] dst, int off) {
        int i = 0;
        for (; i <= len - L; i += L) Vec.halfToFloat(ShortVector.fromMemorySegment(SH, seg, byteOff + 2L * i, LE)).intoArray(dst, off + i);
        for (; i < len; i++) dst[off + i] = Float.float16ToFloat(seg.get(Numerics.I16, byteOff + 2L * i));
    }

    static void bf16(MemorySegment seg, long byteOff, int len, float[] dst, int off) {
        int i = 0;
        for (; i <= len - L; i += L) Vec.bf16ToFloat(ShortVector.fromMemorySegment(SH, seg, byteOff + 2L * i, LE)).intoArray(dst, off + i);
        for (; i < len; i++) dst[off + i] = Numerics.bf16ToF32(seg.get(Numerics.I16, byteOff + 2L * i));
    }

    static void q8(MemorySegment seg, long byteOff, int len, float[] dst, int off) {
        for (int b = 0; b < len / 32; b++) {
            long bo = byteOff + 34L * b;
            int o = off + 32 * b;
            if (!Vec.WIDE) { Numerics.dequantQ8_0(seg, bo, dst, o); continue; }
            float d = Float.float16ToFloat(seg.get(Numerics.I16, bo));
            for (int v = 0; v < 32; v += L) {
                ((FloatVector) ByteVector.fromMemorySegment(BQ, seg, bo + 2 + v, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(dst, o + v);
            }
        }
    }

    static void q4(MemorySegment seg, long byteOff, int len, float[] dst, int off) {
        for (int b = 0; b < len / 32; b++) {
            long bo = byteOff + 18L * b;
            int o = off + 32 * b;
            if (!Vec.WIDE) { Numerics.dequantQ4_0(seg, bo, dst, o); continue; }
            float d = Float.float16ToFloat(seg.get(Numerics.I16, bo));
            for (int v = 0; v < 16; v += L) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(BQ, seg, bo + 2 + v, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                ((FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + v);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + 16 + v);
            }
        }
    }
}
