package dev.codi4j.kernels.cpu.ops;

import static dev.codi4j.kernels.cpu.ops.UnaryKernels.F;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.L;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.ld;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.st;

import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Shapes;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Element-wise ops: unary, binary with broadcasting, affine and gated activations. F32 rows with
 * unit inner stride run straight on the tensors' memory (including a broadcast scalar or a
 * row-broadcast bias, which coalesce into unit-stride rows); anything else (other dtypes, strided
 * views) goes through small float buffers with {@link RowIO}.
 */
public final class Elementwise {
    private Elementwise() {}

    /** Elements per thread below which an op stays on the calling thread (times the op's cost). */
    static final long GRAIN = 1 << 15;
    static final int CHUNK = 1024;
    private static final ThreadLocal<float[][]> BUFS = ThreadLocal.withInitial(() -> new float[][] {
        new float[CHUNK + UnaryKernels.PAD], new float[CHUNK + UnaryKernels.PAD], new float[CHUNK + UnaryKernels.PAD]});

    static float[][] buffers() { return BUFS.get(); }

    public static void unary(Parallel pool, UnaryOp op, Tensor x, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        Strided it = Strided.of(x, out);
        MemorySegment xs = x.segment(), os = out.segment();
        DType xt = x.dtype(), ot = out.dtype();
        boolean fast = xt == DType.F32 && ot == DType.F32 && it.innerStride(0) == 1 && it.innerStride(1) == 1;
        it.run(pool, GRAIN / UnaryKernels.cost(op), (xo, oo, unused, n) -> {
            if (fast) { UnaryKernels.apply(op, xs, xo * 4, os, oo * 4, n); return; }
            float[] buf = buffers()[0];
            long sx = it.innerStride(0), so = it.innerStride(1);
            for (int c = 0; c < n; c += CHUNK) {
                int m = Math.min(CHUNK, n - c);
                RowIO.load(xt, xs, xo + c * sx, sx, m, buf, 0);
                UnaryKernels.applyInPlace(op, buf, m);
                RowIO.store(buf, 0, ot, os, oo + c * so, so, m);
            }
        });
    }

    public static void binary(Parallel pool, BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        if (!Arrays.equals(shape, out.shape())) throw new ShapeException("binary " + op + ": out " + out.describe() + " should be " + Arrays.toString(shape));
        Tensor ea = a.expand(shape), eb = b.expand(shape);
        Strided it = Strided.of(ea, eb, out);
        MemorySegment as = a.segment(), bs = b.segment(), os = out.segment();
        DType at = a.dtype(), bt = b.dtype(), ot = out.dtype();
        long sa = it.innerStride(0), sb = it.innerStride(1), so = it.innerStride(2);
        boolean f32 = at == DType.F32 && bt == DType.F32 && ot == DType.F32 && so == 1 && op != BinaryOp.POW;
        int mode = !f32 ? -1 : sa == 1 && sb == 1 ? 0 : sa == 1 && sb == 0 ? 1 : sa == 0 && sb == 1 ? 2 : -1;
        it.run(pool, op == BinaryOp.POW ? GRAIN / 16 : GRAIN, (ao, bo, oo, n) -> {
            switch (mode) {
                case 0 -> vv(op, as, ao * 4, bs, bo * 4, os, oo * 4, n);
                case 1 -> vs(op, as, ao * 4, bs.get(Numerics.F32, bo * 4), os, oo * 4, n);
                case 2 -> sv(op, as.get(Numerics.F32, ao * 4), bs, bo * 4, os, oo * 4, n);
                default -> {
                    float[][] buf = buffers();
                    MemorySegment ba = MemorySegment.ofArray(buf[0]), bb = MemorySegment.ofArray(buf[1]);
                    for (int c = 0; c < n; c += CHUNK) {
                        int m = Math.min(CHUNK, n - c);
                        RowIO.load(at, as, ao + c * sa, sa, m, buf[0], 0);
                        RowIO.load(bt, bs, bo + c * sb, sb, m, buf[1], 0);
                        if (op == BinaryOp.POW) { for (int i = 0; i < m; i++) buf[0][i] = (float) Math.pow(buf[0][i], buf[1][i]); }
                        else vv(op, ba, 0, bb, 0, ba, 0, m);
                        RowIO.store(buf[0], 0, ot, os, oo + c * so, so, m);
                    }
                }
            }
        });
    }

    private static FloatVector apply(BinaryOp op, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case MAX -> a.max(b);
            case MIN -> a.min(b);
            case POW -> throw new IllegalStateException("POW is scalar");
        };
    }

    private static void vv(BinaryOp op, MemorySegment as, long ab, MemorySegment bs, long bb, MemorySegment os, long ob, int n) {
        int i = 0;
        for (; i <= n - L; i += L) st(apply(op, ld(as, ab, i), ld(bs, bb, i)), os, ob, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(apply(op, ld(as, ab, i, m), ld(bs, bb, i, m)), os, ob, i, m); }
    }

    private static void vs(BinaryOp op, MemorySegment as, long ab, float b, MemorySegment os, long ob, int n) {
        FloatVector bv = FloatVector.broadcast(F, b);
        int i = 0;
        for (; i <= n - L; i += L) st(apply(op, ld(as, ab, i), bv), os, ob, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(apply(op, ld(as, ab, i, m), bv), os, ob, i, m); }
    }

    private static void sv(BinaryOp op, float a, MemorySegment bs, long bb, MemorySegment os, long ob, int n) {
        FloatVector av = FloatVector.broadcast(F, a);
        int i = 0;
        for (; i <= n - L; i += L) st(apply(op, av, ld(bs, bb, i)), os, ob, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(apply(op, av, ld(bs, bb, i, m)), os, ob, i, m); }
    }

    /** out = alpha·x + beta, one rounding (fused multiply-add). */
    public static void affine(Parallel pool, Tensor x, float alpha, float beta, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        Strided it = Strided.of(x, out);
        MemorySegment xs = x.segment(), os = out.segment();
        DType xt = x.dtype(), ot = out.dtype();
        boolean fast = xt == DType.F32 && ot == DType.F32 && it.innerStride(0) == 1 && it.innerStride(1) == 1;
        it.run(pool, GRAIN, (xo, oo, unused, n) -> {
            if (fast) { affineRow(xs, xo * 4, alpha, beta, os, oo * 4, n); return; }
            float[] buf = buffers()[0];
            MemorySegment bs = MemorySegment.ofArray(buf);
            long sx = it.innerStride(0), so = it.innerStride(1);
            for (int c = 0; c < n; c += CHUNK) {
                int m = Math.min(CHUNK, n - c);
                RowIO.load(xt, xs, xo + c * sx, sx, m, buf, 0);
                affineRow(bs, 0, alpha, beta, bs, 0, m);
                RowIO.store(buf, 0, ot, os, oo + c * so, so, m);
            }
        });
    }

    private static void affineRow(MemorySegment s, long sb, float alpha, float beta, MemorySegment d, long db, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha), b = FloatVector.broadcast(F, beta);
        int i = 0;
        for (; i <= n - L; i += L) st(ld(s, sb, i).fma(a, b), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(ld(s, sb, i, m).fma(a, b), d, db, i, m); }
    }

    /** out = act(gate)·up. */
    public static void gated(Parallel pool, UnaryOp act, Tensor gate, Tensor up, Tensor out) {
        Shapes.requireSameShape(gate, "gate", out, "out");
        Shapes.requireSameShape(up, "up", out, "out");
        Strided it = Strided.of(gate, up, out);
        MemorySegment gs = gate.segment(), us = up.segment(), os = out.segment();
        DType gt = gate.dtype(), ut = up.dtype(), ot = out.dtype();
        long sg = it.innerStride(0), su = it.innerStride(1), so = it.innerStride(2);
        boolean fast = gt == DType.F32 && ut == DType.F32 && ot == DType.F32 && sg == 1 && su == 1 && so == 1;
        it.run(pool, GRAIN / UnaryKernels.cost(act), (go, uo, oo, n) -> {
            float[][] buf = buffers();
            MemorySegment b0 = MemorySegment.ofArray(buf[0]), b1 = MemorySegment.ofArray(buf[1]);
            for (int c = 0; c < n; c += CHUNK) {
                int m = Math.min(CHUNK, n - c);
                if (fast) {
                    MemorySegment.copy(gs, Numerics.F32, (go + c) * 4, buf[0], 0, m);
                    UnaryKernels.applyInPlace(act, buf[0], m);
                    vv(BinaryOp.MUL, b0, 0, us, (uo + c) * 4, os, (oo + c) * 4, m);
                } else {
                    RowIO.load(gt, gs, go + c * sg, sg, m, buf[0], 0);
                    RowIO.load(ut, us, uo + c * su, su, m, buf[1], 0);
                    UnaryKernels.applyInPlace(act, buf[0], m);
                    vv(BinaryOp.MUL, b0, 0, b1, 0, b0, 0, m);
                    RowIO.store(buf[0], 0, ot, os, oo + c * so, so, m);
                }
            }
        });
    }
}
