package dev.codi4j.kernels.cpu.matmul;

import static dev.codi4j.kernels.cpu.matmul.Gemm.MR;
import static dev.codi4j.kernels.cpu.matmul.Gemm.NR;
import static dev.codi4j.kernels.cpu.matmul.Vec.F;
import static dev.codi4j.kernels.cpu.matmul.Vec.L;
import static dev.codi4j.kernels.cpu.matmul.Vec.LE;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/** The packers for F32 views and weight matrices (the convolution's im2col packer lives in {@link Conv}). */
final class Packers {
    private Packers() {}

    /** A[i][k] = F32 at byte {@code rowOff[i] + k·colStride} (activations, any strides). */
    record StridedA(MemorySegment seg, long[] rowOff, long colStride) implements Gemm.PackA {
        @Override public void pack(int i0, int mr, int k0, int kc, float[] dst, int off) {
            float[] row = Scratch.get(Scratch.ROW, kc);
            for (int r = 0; r < mr; r++) {
                long base = rowOff[i0 + r] + k0 * colStride;
                if (colStride == 4) {
                    MemorySegment.copy(seg, Numerics.F32, base, row, 0, kc);
                    for (int p = 0; p < kc; p++) dst[off + p * MR + r] = row[p];
                } else {
                    for (int p = 0; p < kc; p++) dst[off + p * MR + r] = seg.get(Numerics.F32, base + p * colStride);
                }
            }
            zeroRows(mr, kc, dst, off);
        }
    }

    /** A[i][k] = row i of a weight matrix with contiguous rows in any floating dtype (convolution weights). */
    record WeightRowsA(MemorySegment seg, long base, long rowStride, DType dt) implements Gemm.PackA {
        @Override public void pack(int i0, int mr, int k0, int kc, float[] dst, int off) {
            float[] row = Scratch.get(Scratch.ROW, kc);
            for (int r = 0; r < mr; r++) {
                Dequant.run(seg, base + (i0 + r) * rowStride + dt.byteSize(k0), dt, kc, row, 0);
                for (int p = 0; p < kc; p++) dst[off + p * MR + r] = row[p];
            }
            zeroRows(mr, kc, dst, off);
        }
    }

    /**
     * B[k][j] = w[j][k] for a weight matrix w (N, K) with contiguous rows in any floating dtype: the
     * {@code nn.Linear} layout. Each row segment is dequantised once into a scratch row and written
     * down its panel column.
     */
    record WeightRowsB(MemorySegment seg, long base, long rowStride, DType dt) implements Gemm.PackB {
        @Override public void pack(int k0, int kc, int j0, int nr, float[] dst, int off) {
            // 16 weight rows at a time into a scratch block, then a register transpose into the panel
            float[] rows = Scratch.get(Scratch.ROW, 16 * kc);
            long koff = dt.byteSize(k0);
            for (int c0 = 0; c0 < NR; c0 += 16) {
                for (int r = 0; r < 16; r++) {
                    int c = c0 + r;
                    if (c < nr) Dequant.run(seg, base + (j0 + c) * rowStride + koff, dt, kc, rows, r * kc);
                    else Arrays.fill(rows, r * kc, (r + 1) * kc, 0f);
                }
                Transpose.rows16(rows, kc, kc, dst, off + c0, NR);
            }
        }
    }

    /** B[k][j] = F32 at byte {@code base + k·rowStride + j·colStride} (matmul's right operand, any strides). */
    record StridedB(MemorySegment seg, long base, long rowStride, long colStride) implements Gemm.PackB {
        @Override public void pack(int k0, int kc, int j0, int nr, float[] dst, int off) {
            if (colStride == 4) {
                for (int p = 0; p < kc; p++) {
                    long src = base + (k0 + p) * rowStride + 4L * j0;
                    int d = off + p * NR, c = 0;
                    for (; c <= nr - L; c += L) FloatVector.fromMemorySegment(F, seg, src + 4L * c, LE).intoArray(dst, d + c);
                    for (; c < nr; c++) dst[d + c] = seg.get(Numerics.F32, src + 4L * c);
                    for (; c < NR; c++) dst[d + c] = 0;
                }
                return;
            }
            if (rowStride == 4) { // columns contiguous along k (a transposed operand): 16 at a time through a register transpose
                float[] rows = Scratch.get(Scratch.ROW, 16 * kc);
                for (int c0 = 0; c0 < NR; c0 += 16) {
                    for (int r = 0; r < 16; r++) {
                        int c = c0 + r;
                        if (c < nr) MemorySegment.copy(seg, Numerics.F32, base + (j0 + c) * colStride + 4L * k0, rows, r * kc, kc);
                        else Arrays.fill(rows, r * kc, (r + 1) * kc, 0f);
                    }
                    Transpose.rows16(rows, kc, kc, dst, off + c0, NR);
                }
                return;
            }
            for (int p = 0; p < kc; p++) {
                long src = base + (k0 + p) * rowStride + j0 * colStride;
                int d = off + p * NR;
                for (int c = 0; c < nr; c++) dst[d + c] = seg.get(Numerics.F32, src + c * colStride);
                for (int c = nr; c < NR; c++) dst[d + c] = 0;
            }
        }
    }

    static void zeroRows(int mr, int kc, float[] dst, int off) {
        if (mr == MR) return;
        for (int p = 0; p < kc; p++) Arrays.fill(dst, off + p * MR + mr, off + p * MR + MR, 0f);
    }

    static void zeroCols(int nr, int kc, float[] dst, int off) {
        if (nr == NR) return;
        for (int p = 0; p < kc; p++) Arrays.fill(dst, off + p * NR + nr, off + p * NR + NR, 0f);
    }
}
