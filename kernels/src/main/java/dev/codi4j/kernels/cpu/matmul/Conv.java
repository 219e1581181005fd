package dev.codi4j.kernels.cpu.matmul;

import static dev.codi4j.kernels.cpu.matmul.Gemm.NR;
import static dev.codi4j.kernels.cpu.matmul.Vec.F;
import static dev.codi4j.kernels.cpu.matmul.Vec.L;
import static dev.codi4j.kernels.cpu.matmul.Vec.LE;

import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Shapes;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Convolution over 1, 2 or 3 spatial dimensions as a GEMM per (image, group):
 * out[o, p] = Σ_{c,k} w[o, c·k] · col[c·k, p], with the weights as the packed left operand (any
 * floating dtype, dequantised into the panels) and the im2col matrix never materialised: its B panels
 * are gathered straight from the input, with zero padding, by {@link Im2colB}. A 1×1 convolution with
 * stride 1 and no padding reads the input as a plain (C, H·W) matrix. The weights are packed once per
 * group and reused for every image of the batch.
 */
public final class Conv {
    private Conv() {}

    /** Runs the op; returns false when the inputs need the reference path (non-F32 or non-host tensors). */
    public static boolean run(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups, Tensor out, Parallel pool) {
        int nd = x.rank() - 2;
        if (nd < 1 || nd > 3 || w.rank() != nd + 2) throw new ShapeException("conv: x " + x.describe() + " and w " + w.describe() + " do not match (expected x (N, C, *spatial), w (O, C/groups, *kernel) with 1 to 3 spatial dims)");
        int n = x.dim(0), c = x.dim(1), o = w.dim(0);
        if (groups <= 0 || c % groups != 0 || o % groups != 0 || w.dim(1) != c / groups) throw new ShapeException("conv: " + c + " input channels, weight " + w.describe() + ", groups " + groups + " do not fit");
        int[] pad = Shapes.padding2(padding, nd);
        int[] st = stride == null ? Shapes.repeat(1, nd) : stride, dl = dilation == null ? Shapes.repeat(1, nd) : dilation;
        if (st.length != nd || dl.length != nd) throw new ShapeException("conv: stride " + java.util.Arrays.toString(st) + " and dilation " + java.util.Arrays.toString(dl) + " need " + nd + " values");
        // everything as 3-D: leading unused spatial dims have size 1
        int[] in = {1, 1, 1}, k = {1, 1, 1}, os = {1, 1, 1}, s3 = {1, 1, 1}, d3 = {1, 1, 1}, p3 = {0, 0, 0};
        long[] xs = {0, 0, 0};
        for (int i = 0; i < nd; i++) {
            int t = 3 - nd + i;
            if (st[i] <= 0 || dl[i] <= 0 || pad[2 * i] < 0 || pad[2 * i + 1] < 0) throw new ShapeException("conv: stride, dilation must be positive and padding non-negative, got stride " + java.util.Arrays.toString(st) + ", padding " + java.util.Arrays.toString(pad) + ", dilation " + java.util.Arrays.toString(dl));
            in[t] = x.dim(i + 2);
            k[t] = w.dim(i + 2);
            os[t] = Shapes.convOut(in[t], k[t], st[i], pad[2 * i], pad[2 * i + 1], dl[i]);
            s3[t] = st[i];
            d3[t] = dl[i];
            p3[t] = pad[2 * i];
            xs[t] = x.stride(i + 2);
            if (out.dim(i + 2) != os[t]) throw new ShapeException("conv out " + out.describe() + ": spatial dim " + i + " should be " + os[t]);
        }
        if (out.rank() != nd + 2 || out.dim(0) != n || out.dim(1) != o) throw new ShapeException("conv out " + out.describe() + " should be (" + n + ", " + o + ", ...)");
        if (bias != null) Shapes.requireShape(bias, "conv bias", o);
        if (!w.dtype().isFloating()) throw new ShapeException("conv: weight dtype " + w.dtype() + " is not a floating type");
        if (!Views.hostF32(x) || !Views.hostF32(out) || !w.device().isHost()) return false;
        if (!w.isContiguous()) {
            if (w.dtype() != DType.F32) return false;
            w = w.contiguous();
        }
        int p = os[0] * os[1] * os[2];
        if (!spatialContiguous(out, nd)) {
            Tensor tmp = Tensor.allocate(DType.F32, out.shape());
            try { run(x, w, bias, stride, padding, dilation, groups, tmp, pool); Views.copyInto(tmp, out); } finally { tmp.close(); }
            return true;
        }
        int cg = c / groups, og = o / groups, kvol = k[0] * k[1] * k[2];
        int kk = cg * kvol;
        float[] b = bias == null ? null : bias.toFloatArray();
        DType wd = w.dtype();
        long wRow = wd.byteSize(kk);
        if (wd.isQuantized() && kk % 32 != 0) return false;
        boolean pointwise = kvol == 1 && s3[0] * s3[1] * s3[2] == 1 && p3[0] + p3[1] + p3[2] == 0 && pad[2 * nd - 1] == 0 && spatialContiguous(x, nd);
        for (int i = 0; i < nd; i++) if (pad[2 * i + 1] != 0) pointwise = false;
        MemorySegment xseg = x.segment(), wseg = w.segment(), oseg = out.segment();
        long wBase = w.byteOffset();
        final Tensor xf = x;
        Geometry g3 = new Geometry(in, k, os, s3, d3, p3, xs);
        // many small groups (depthwise and grouped convs): one group per thread; otherwise each GEMM uses all threads
        boolean parallelGroups = pool != null && groups >= pool.threads() && 2L * og * p * kk < (16L << 20);
        Parallel inner = parallelGroups ? null : pool;
        boolean pw = pointwise;
        Parallel.RangeBody body = (worker, s, e) -> {
            for (int gi = s; gi < e; gi++) {
                int gr = gi;
                Gemm.PackA pa = new Packers.WeightRowsA(wseg, wBase + gr * og * wRow, wRow, wd);
                float[] bm = b == null ? null : java.util.Arrays.copyOfRange(b, gr * og, (gr + 1) * og);
                Gemm.PackedA packed = Gemm.packable(og, kk) ? Gemm.pack(og, kk, pa, inner) : null;
                for (int img = 0; img < n; img++) {
                    long xBase = xf.offset() + img * xf.stride(0) + (long) gr * cg * xf.stride(1);
                    Gemm.PackB pb = pw ? new Packers.StridedB(xseg, 4 * xBase, 4 * xf.stride(1), 4)
                            : new Im2colB(xseg, xBase, xf.stride(1), g3);
                    long oBase = out.offset() + img * out.stride(0) + (long) gr * og * out.stride(1);
                    Gemm.Out co = new Gemm.Out(oseg, Views.rowOffsets(oBase, out.stride(1), og), null, bm);
                    if (packed != null) Gemm.multiply(packed, p, pb, co, inner);
                    else Gemm.run(og, p, kk, pa, pb, co, inner);
                }
            }
        };
        if (parallelGroups) pool.forRange(groups, pool.threads(), 1, body);
        else body.run(0, 0, groups);
        return true;
    }

    /** True when the spatial dims of t are contiguous (so a channel's plane is one run of floats). */
    private static boolean spatialContiguous(Tensor t, int nd) {
        long expect = 1;
        for (int i = t.rank() - 1; i >= t.rank() - nd; i--) {
            if (t.dim(i) != 1 && t.stride(i) != expect) return false;
            expect *= t.dim(i);
        }
        return true;
    }

    /** Sizes, strides, dilations and paddings of a convolution, as 3-D (unused leading dims are 1). */
    record Geometry(int[] in, int[] k, int[] out, int[] stride, int[] dil, int[] pad, long[] xStride) {}

    /**
     * B[kk][p] of the implicit im2col matrix: kk = (channel, kz, ky, kx), p = (oz, oy, ox); value
     * x[channel, oz·s−pad+kz·d, ...] or 0 outside the input. Columns are walked one output row at a
     * time so that, for stride 1, the valid part of each run is a contiguous vector copy.
     */
    record Im2colB(MemorySegment seg, long base, long chStride, Geometry g) implements Gemm.PackB {
        @Override public void pack(int k0, int kc, int j0, int nr, float[] dst, int off) {
            int[] k = g.k, os = g.out, in = g.in, st = g.stride, dl = g.dil, pd = g.pad;
            long[] xs = g.xStride;
            int kvol = k[0] * k[1] * k[2], ow = os[2], ohw = os[1] * os[2];
            int oz0 = j0 / ohw, oy0 = j0 % ohw / ow, ox0 = j0 % ow;
            for (int q = 0; q < kc; q++) {
                int kk = k0 + q;
                int ch = kk / kvol, r = kk % kvol;
                int kz = r / (k[1] * k[2]), ky = r / k[2] % k[1], kx = r % k[2];
                long chBase = base + ch * chStride;
                int d = off + q * NR;
                int col = 0, oz = oz0, oy = oy0, ox = ox0;
                while (col < nr) {
                    int run = Math.min(nr - col, ow - ox);
                    int iz = oz * st[0] - pd[0] + kz * dl[0], iy = oy * st[1] - pd[1] + ky * dl[1];
                    if (iz < 0 || iz >= in[0] || iy < 0 || iy >= in[1]) {
                        java.util.Arrays.fill(dst, d + col, d + col + run, 0f);
                    } else {
                        long rowBase = chBase + iz * xs[0] + iy * xs[1];
                        int ix0 = ox * st[2] - pd[2] + kx * dl[2];
                        gatherRow(rowBase, ix0, st[2], in[2], xs[2], dst, d + col, run);
                    }
                    col += run;
                    ox += run;
                    if (ox == ow) { ox = 0; if (++oy == os[1]) { oy = 0; oz++; } }
                }
                if (nr < NR) java.util.Arrays.fill(dst, d + nr, d + NR, 0f);
            }
        }

        /** dst[t] = x[ix0 + t·sx] for t &lt; len, 0 where the index falls outside [0, w). */
        private void gatherRow(long rowBase, int ix0, int sx, int w, long xsx, float[] dst, int d, int len) {
            // valid t: 0 ≤ ix0 + t·sx < w
            int lo = ix0 >= 0 ? 0 : (-ix0 + sx - 1) / sx;
            int hi = ix0 >= w ? 0 : Math.min(len, (w - 1 - ix0) / sx + 1);
            if (hi <= lo) { java.util.Arrays.fill(dst, d, d + len, 0f); return; }
            java.util.Arrays.fill(dst, d, d + lo, 0f);
            if (sx == 1 && xsx == 1) {
                long src = 4 * (rowBase + ix0);
                int t = lo;
                for (; t <= hi - L; t += L) FloatVector.fromMemorySegment(F, seg, src + 4L * t, LE).intoArray(dst, d + t);
                for (; t < hi; t++) dst[d + t] = seg.get(Numerics.F32, src + 4L * t);
            } else {
                for (int t = lo; t < hi; t++) dst[d + t] = seg.get(Numerics.F32, 4 * (rowBase + (long) (ix0 + t * sx) * xsx));
            }
            java.util.Arrays.fill(dst, d + hi, d + len, 0f);
        }
    }
}
