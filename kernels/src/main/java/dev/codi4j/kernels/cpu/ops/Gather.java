package dev.codi4j.kernels.cpu.ops;

import static dev.codi4j.kernels.cpu.ops.UnaryKernels.F;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.L;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.ld;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.st;

import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/** Embedding lookup (rows of any floating dtype, dequantised on the fly) and nearest upsampling. */
public final class Gather {
    private Gather() {}

    public static void embedding(Parallel pool, Tensor table, Tensor ids, Tensor out) {
        if (table.rank() != 2) throw new ShapeException("embedding table must be (V, D), got " + table.describe());
        if (!table.dtype().isFloating()) throw new ShapeException("embedding table must hold real numbers, got " + table.describe());
        int v = table.dim(0), d = table.dim(1);
        int[] os = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        os[ids.rank()] = d;
        if (!Arrays.equals(os, out.shape())) throw new ShapeException("embedding out " + out.describe() + " should be " + Arrays.toString(os) + " (ids shape + table width)");
        int[] idv = ids.toIntArray();
        for (int i = 0; i < idv.length; i++) {
            if (idv[i] < 0 || idv[i] >= v) throw new ShapeException("embedding: id " + idv[i] + " at position " + i + " is outside the vocabulary of " + v + " rows of table " + table.describe());
        }
        if (idv.length == 0 || d == 0) return;
        int[] lead = ids.shape();
        long[] ol = Arrays.copyOf(out.strides(), out.rank() - 1);
        long[] flat = new long[idv.length]; // output row offsets, row-major over ids
        long[] idx = new long[lead.length];
        for (int i = 0; i < idv.length; i++) {
            long o = out.offset();
            for (int k = 0; k < lead.length; k++) o += idx[k] * ol[k];
            flat[i] = o;
            for (int k = lead.length - 1; k >= 0; k--) { if (++idx[k] < lead[k]) break; idx[k] = 0; }
        }
        DType tt = table.dtype(), ot = out.dtype();
        MemorySegment ts = table.segment(), osg = out.segment();
        long s0 = table.stride(0), s1 = table.stride(1), so = out.stride(-1);
        int chunks = (long) idv.length * d < 2 * Elementwise.GRAIN ? 1 : pool.threads();
        pool.forRange(idv.length, chunks, 1, (w, a, b) -> {
            float[] buf = new float[d];
            for (int i = a; i < b; i++) {
                RowIO.load(tt, ts, table.offset() + idv[i] * s0, s1, d, buf, 0);
                RowIO.store(buf, 0, ot, osg, flat[i], so, d);
            }
        });
    }

    public static void upsampleNearest(Parallel pool, Tensor x, Tensor out) {
        if (x.rank() != 4 || out.rank() != 4 || out.dim(0) != x.dim(0) || out.dim(1) != x.dim(1) || x.dim(2) == 0 || x.dim(3) == 0
                || out.dim(2) % x.dim(2) != 0 || out.dim(3) % x.dim(3) != 0) {
            throw new ShapeException("upsampleNearest: out " + out.describe() + " must be (N, C, H·s, W·t) for x " + x.describe() + " and integers s, t");
        }
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        int sh = out.dim(2) / h, sw = out.dim(3) / w, ow = w * sw;
        if (out.numel() == 0) return;
        MemorySegment xs = x.segment(), os = out.segment();
        DType xt = x.dtype(), ot = out.dtype();
        long[] xst = x.strides(), ost = out.strides();
        boolean direct = xt == DType.F32 && ot == DType.F32 && xst[3] == 1 && ost[3] == 1;
        int rows = n * c * h;
        int chunks = out.numel() < 2 * Elementwise.GRAIN ? 1 : pool.threads();
        pool.forRange(rows, chunks, 1, (wk, a, b) -> {
            float[] src = new float[w], dst = new float[ow];
            for (int r = a; r < b; r++) {
                int y = r % h, ch = (r / h) % c, bn = r / (h * c);
                long xo = x.offset() + bn * xst[0] + ch * xst[1] + y * xst[2];
                long oo = out.offset() + bn * ost[0] + ch * ost[1] + (long) y * sh * ost[2];
                if (direct) {
                    widen(xs, xo * 4, os, oo * 4, w, sw);
                    for (int k = 1; k < sh; k++) MemorySegment.copy(os, oo * 4, os, (oo + k * ost[2]) * 4, 4L * ow);
                } else {
                    RowIO.load(xt, xs, xo, xst[3], w, src, 0);
                    for (int i = 0; i < ow; i++) dst[i] = src[i / sw];
                    for (int k = 0; k < sh; k++) RowIO.store(dst, 0, ot, os, oo + k * ost[2], ost[3], ow);
                }
            }
        });
    }

    private static final VectorShuffle<Float> LOW = VectorShuffle.fromOp(F, i -> i / 2), HIGH = VectorShuffle.fromOp(F, i -> L / 2 + i / 2);

    /** Repeats each of w floats sw times (byte offsets). */
    private static void widen(MemorySegment xs, long xb, MemorySegment os, long ob, int w, int sw) {
        if (sw == 1) { MemorySegment.copy(xs, xb, os, ob, 4L * w); return; }
        int i = 0;
        if (sw == 2) {
            for (; i <= w - L; i += L) {
                FloatVector v = ld(xs, xb, i);
                st(v.rearrange(LOW), os, ob, 2 * i);
                st(v.rearrange(HIGH), os, ob, 2 * i + L);
            }
        }
        for (; i < w; i++) {
            float v = xs.get(Numerics.F32, xb + 4L * i);
            for (int k = 0; k < sw; k++) os.set(Numerics.F32, ob + 4L * (i * sw + k), v);
        }
    }
}
