package dev.codi4j.kernels.cpu.matmul;

import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Shapes;
import dev.codi4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Batched F32 matrix product a (..., M, K) · b (..., K, N) with broadcast batch dimensions and any
 * strides (transposed operands are views), one blocked {@link Gemm} per batch entry. Many small
 * products (attention-sized) run one per thread; large ones use all threads each.
 */
public final class MatMul {
    private MatMul() {}

    /** Runs the op; returns false when the inputs need the reference path (non-F32 or non-host tensors). */
    public static boolean run(Tensor a, Tensor b, Tensor out, Parallel pool) {
        int[] batch = Shapes.requireMatmul(a, b, out);
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        if (!Views.hostF32(a) || !Views.hostF32(b) || !Views.hostF32(out)) return false;
        if (out.stride(-1) != 1 && n > 1) {
            Tensor tmp = Tensor.allocate(DType.F32, out.shape());
            try { run(a, b, tmp, pool); Views.copyInto(tmp, out); } finally { tmp.close(); }
            return true;
        }
        Tensor ea = a.expand(concat(batch, m, k)), eb = b.expand(concat(batch, k, n));
        int nb = Math.toIntExact(Tensor.numel(batch));
        long[] ao = new long[nb], bo = new long[nb], oo = new long[nb];
        int[] idx = new int[batch.length];
        for (int t = 0; t < nb; t++) {
            long x = ea.offset(), y = eb.offset(), z = out.offset();
            for (int d = 0; d < batch.length; d++) { x += idx[d] * ea.stride(d); y += idx[d] * eb.stride(d); z += idx[d] * out.stride(d); }
            ao[t] = x; bo[t] = y; oo[t] = z;
            for (int d = batch.length - 1; d >= 0; d--) { if (++idx[d] < batch[d]) break; idx[d] = 0; }
        }
        long sam = ea.stride(-2), sak = ea.stride(-1), sbk = eb.stride(-2), sbn = eb.stride(-1), som = out.stride(-2);
        Parallel.RangeBody one = (w, s, e) -> {
            for (int t = s; t < e; t++) {
                Gemm.run(m, n, k, new Packers.StridedA(a.segment(), Views.rowOffsets(ao[t], sam, m), 4 * sak),
                        new Packers.StridedB(b.segment(), 4 * bo[t], 4 * sbk, 4 * sbn),
                        new Gemm.Out(out.segment(), Views.rowOffsets(oo[t], som, m), null, null), null);
            }
        };
        long flopsEach = 2L * m * n * k;
        if (pool != null && nb >= pool.threads() && flopsEach < 64L << 20) {
            pool.forRange(nb, pool.threads(), 1, one); // whole small products per thread
        } else {
            for (int t = 0; t < nb; t++) {
                Gemm.run(m, n, k, new Packers.StridedA(a.segment(), Views.rowOffsets(ao[t], sam, m), 4 * sak),
                        new Packers.StridedB(b.segment(), 4 * bo[t], 4 * sbk, 4 * sbn),
                        new Gemm.Out(out.segment(), Views.rowOffsets(oo[t], som, m), null, null), pool);
            }
        }
        return true;
    }

    private static int[] concat(int[] a, int... b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
