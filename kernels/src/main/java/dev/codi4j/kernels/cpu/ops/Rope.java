package dev.codi4j.kernels.cpu.ops;

import static dev.codi4j.kernels.cpu.ops.UnaryKernels.F;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.L;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.ld;
import static dev.codi4j.kernels.cpu.ops.UnaryKernels.st;

import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Shapes;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.ref.ReferenceBackend;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Rotary position embedding. The angles are {@code (float) position · inv_freq} with inv_freq from
 * {@link ReferenceBackend#invFreq} (HF's float32 computation); their cosines and sines are
 * tabulated once per distinct (positions, rotary dim, θ) — every layer of a forward pass asks for
 * the same table, so the last one is kept.
 */
public final class Rope {
    private Rope() {}

    /**
     * cos/sin per (position, pair) for rotate-half; cosPair/sinPair per (position, feature) for the
     * interleaved layout: both features of pair i carry cos θᵢ, and the sine is −sin θᵢ on the even
     * feature, +sin θᵢ on the odd one, so out = x·cosPair + swapPairs(x)·sinPair.
     */
    private record Table(int[] positions, int rotaryDim, double theta, boolean interleaved, float[] cos, float[] sin, float[] cosPair, float[] sinPair) {
        boolean matches(int[] pos, int dim, double th, boolean inter) {
            return rotaryDim == dim && theta == th && interleaved == inter && Arrays.equals(positions, pos);
        }
    }

    private static volatile Table last;

    private static Table table(int[] pos, int rotaryDim, double theta, boolean interleaved) {
        Table t = last;
        if (t != null && t.matches(pos, rotaryDim, theta, interleaved)) return t;
        int half = rotaryDim / 2;
        float[] inv = ReferenceBackend.invFreq(rotaryDim, theta);
        float[] c = new float[pos.length * half], s = new float[pos.length * half];
        for (int p = 0; p < pos.length; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) pos[p] * inv[i];
                c[p * half + i] = (float) Math.cos(angle);
                s[p * half + i] = (float) Math.sin(angle);
            }
        }
        float[] cp = null, sp = null;
        if (interleaved) {
            cp = new float[pos.length * rotaryDim];
            sp = new float[pos.length * rotaryDim];
            for (int k = 0; k < c.length; k++) {
                cp[2 * k] = c[k];
                cp[2 * k + 1] = c[k];
                sp[2 * k] = -s[k];
                sp[2 * k + 1] = s[k];
            }
        }
        t = new Table(pos.clone(), rotaryDim, theta, interleaved, c, s, cp, sp);
        last = t;
        return t;
    }

    public static void rope(Parallel pool, Tensor x, Tensor positions, int rotaryDim, double theta, boolean interleaved, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        if (x.rank() < 3) throw new ShapeException("rope needs x (..., S, H, D), got " + x.describe());
        int s = x.dim(-3), h = x.dim(-2), d = x.dim(-1);
        if (rotaryDim > d || rotaryDim % 2 != 0 || rotaryDim < 0) throw new ShapeException("rope: rotary dim " + rotaryDim + " must be even and ≤ head dim " + d);
        Shapes.requireShape(positions, "rope positions", s);
        if (x.numel() == 0) return;
        Table tab = table(positions.toIntArray(), rotaryDim, theta, interleaved);
        int half = rotaryDim / 2;
        int rank = x.rank();
        int[] lead = Arrays.copyOf(x.shape(), rank - 3);
        long leadCount = Tensor.numel(lead);
        long rowsTotal = leadCount * s * h;
        long[] xst = x.strides(), ost = out.strides();
        long xsS = xst[rank - 3], xsH = xst[rank - 2], xsD = xst[rank - 1];
        long osS = ost[rank - 3], osH = ost[rank - 2], osD = ost[rank - 1];
        MemorySegment xs = x.segment(), os = out.segment();
        DType xt = x.dtype(), ot = out.dtype();
        boolean direct = xt == DType.F32 && ot == DType.F32 && (xsD == 1 || d == 1) && (osD == 1 || d == 1);
        boolean same = xs.equals(os) && x.offset() == out.offset() && Arrays.equals(xst, ost) && xt == ot;
        long grain = Math.max(1, Elementwise.GRAIN / Math.max(1, d));
        int chunks = (int) Math.max(1, Math.min(pool.threads(), rowsTotal / grain));
        pool.forRange(Math.toIntExact(rowsTotal), chunks, 1, (w, r0, r1) -> {
            float[] buf = direct ? null : new float[d];
            MemorySegment bs = direct ? null : MemorySegment.ofArray(buf);
            for (int r = r0; r < r1; r++) {
                int hi = r % h, si = (r / h) % s;
                long li = r / ((long) h * s);
                long xo = x.offset() + si * xsS + hi * xsH, oo = out.offset() + si * osS + hi * osH;
                for (int k = lead.length - 1; k >= 0; k--) {
                    long ik = li % lead[k];
                    li /= lead[k];
                    xo += ik * xst[k];
                    oo += ik * ost[k];
                }
                int tb = si * half;
                if (direct) {
                    if (interleaved) rotatePairs(xs, xo * 4, os, oo * 4, tab.cosPair, tab.sinPair, si * rotaryDim, rotaryDim);
                    else rotate(xs, xo * 4, os, oo * 4, tab.cos, tab.sin, tb, half, false);
                    if (!same && d > rotaryDim) MemorySegment.copy(xs, (xo + rotaryDim) * 4, os, (oo + rotaryDim) * 4, 4L * (d - rotaryDim));
                } else {
                    RowIO.load(xt, xs, xo, xsD, d, buf, 0);
                    rotate(bs, 0, bs, 0, tab.cos, tab.sin, tb, half, interleaved);
                    RowIO.store(buf, 0, ot, os, oo, osD, d);
                }
            }
        });
    }

    private static final jdk.incubator.vector.VectorShuffle<Float> SWAP = jdk.incubator.vector.VectorShuffle.fromOp(F, i -> i ^ 1);

    /** Interleaved (GPT-J) rotation of the first n features of one F32 row: pairs (2i, 2i+1). */
    static void rotatePairs(MemorySegment xs, long xb, MemorySegment os, long ob, float[] cp, float[] sp, int tb, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = ld(xs, xb, i);
            st(x.mul(FloatVector.fromArray(F, cp, tb + i)).add(x.rearrange(SWAP).mul(FloatVector.fromArray(F, sp, tb + i))), os, ob, i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n); // n is even, so a pair never straddles the mask
            FloatVector x = ld(xs, xb, i, m);
            st(x.mul(FloatVector.fromArray(F, cp, tb + i, m)).add(x.rearrange(SWAP).mul(FloatVector.fromArray(F, sp, tb + i, m))), os, ob, i, m);
        }
    }

    /** Rotates the first 2·half features of one F32 row (byte offsets). */
    static void rotate(MemorySegment xs, long xb, MemorySegment os, long ob, float[] cos, float[] sin, int tb, int half, boolean interleaved) {
        if (interleaved) {
            for (int i = 0; i < half; i++) {
                float x1 = xs.get(Numerics.F32, xb + 8L * i), x2 = xs.get(Numerics.F32, xb + 8L * i + 4);
                float c = cos[tb + i], sn = sin[tb + i];
                os.set(Numerics.F32, ob + 8L * i, x1 * c - x2 * sn);
                os.set(Numerics.F32, ob + 8L * i + 4, x2 * c + x1 * sn);
            }
            return;
        }
        long hb = 4L * half;
        int i = 0;
        for (; i <= half - L; i += L) {
            FloatVector x1 = ld(xs, xb, i), x2 = ld(xs, xb + hb, i);
            FloatVector c = FloatVector.fromArray(F, cos, tb + i), sn = FloatVector.fromArray(F, sin, tb + i);
            st(x1.mul(c).sub(x2.mul(sn)), os, ob, i);
            st(x2.mul(c).add(x1.mul(sn)), os, ob + hb, i);
        }
        if (i < half) {
            VectorMask<Float> m = F.indexInRange(i, half);
            FloatVector x1 = ld(xs, xb, i, m), x2 = ld(xs, xb + hb, i, m);
            FloatVector c = FloatVector.fromArray(F, cos, tb + i, m), sn = FloatVector.fromArray(F, sin, tb + i, m);
            st(x1.mul(c).sub(x2.mul(sn)), os, ob, i, m);
            st(x2.mul(c).add(x1.mul(sn)), os, ob + hb, i, m);
        }
    }
}
