package dev.codi4j.kernels.cpu.matmul;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Elements;
import dev.codi4j.tensor.Tensor;

/** Byte addressing of strided F32 views, so kernels accept any layout without a copy. */
final class Views {
    private Views() {}

    /**
     * Byte offsets of the rows of {@code t} (an F32 host tensor): one entry per index of all but its
     * last dimension, in row-major order. Broadcast (stride-0) and permuted dimensions need no copy.
     */
    static long[] rowOffsets(Tensor t) {
        int lead = t.rank() - 1;
        long rows = 1;
        for (int d = 0; d < lead; d++) rows *= t.dim(d);
        long[] out = new long[Math.toIntExact(rows)];
        int[] idx = new int[lead];
        long off = t.offset();
        for (int r = 0; r < out.length; r++) {
            out[r] = 4 * off;
            for (int d = lead - 1; d >= 0; d--) { // odometer increment, keeping the offset in step
                if (++idx[d] < t.dim(d)) { off += t.stride(d); break; }
                off -= (long) (idx[d] - 1) * t.stride(d);
                idx[d] = 0;
            }
        }
        return out;
    }

    /** Byte offsets {@code 4·(base + i·stride)} for i &lt; n. */
    static long[] rowOffsets(long base, long stride, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = 4 * (base + i * stride);
        return out;
    }

    /** True when {@code t} is F32 and in host memory: the only activations the fast kernels read directly. */
    static boolean hostF32(Tensor t) { return t.dtype() == DType.F32 && t.device().isHost(); }

    /** Copies a contiguous F32 tensor into any F32 view of the same shape (rare path: outputs given as strided views). */
    static void copyInto(Tensor src, Tensor dst) {
        float[] v = src.toFloatArray();
        long[] idx = new long[dst.rank()];
        int[] shape = dst.shape();
        for (float f : v) {
            long off = dst.offset();
            for (int d = 0; d < idx.length; d++) off += idx[d] * dst.stride(d);
            Elements.set(dst, off, f);
            Elements.increment(idx, shape);
        }
    }
}
