package dev.codi4j.tensor.ref;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.Elements;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Shapes;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import dev.codi4j.tensor.spi.BackendProvider;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The oracle: plain loops over multi-indices, double-precision accumulation, no tricks. Every fast
 * kernel is tested against it. Slow by design; use it on small tensors.
 */
public final class ReferenceBackend implements Backend {

    public static final BackendProvider PROVIDER = provider("reference", 0);
    /** Serves "cpu" when no faster CPU backend is on the class path. */
    public static final BackendProvider CPU_FALLBACK = provider("cpu", -100);

    private static BackendProvider provider(String name, int priority) {
        return new BackendProvider() {
            @Override public String name() { return name; }
            @Override public int priority() { return priority; }
            @Override public Availability availability() { return Availability.yes(); }
            @Override public Backend create(Options options) { return new ReferenceBackend(); }
        };
    }

    @Override public String name() { return "reference"; }
    @Override public Device device() { return Device.CPU; }

    @Override public Tensor empty(DType dtype, int... shape) { return Tensor.allocate(dtype, shape); }
    @Override public Tensor toDevice(Tensor host) { requireHost(host, "toDevice"); return host; }
    @Override public Tensor toHost(Tensor t) { requireHost(t, "toHost"); return t; }

    private static void requireHost(Tensor t, String what) {
        if (t != null && !t.device().isHost()) throw new ShapeException(what + ": tensor on " + t.device() + " given to the CPU reference backend");
    }

    // ---- copy / fill -------------------------------------------------------------------------

    @Override public void copy(Tensor src, Tensor dst) {
        requireHost(src, "copy");
        requireHost(dst, "copy");
        Tensor s = src.expand(dst.shape());
        if (dst.dtype().isQuantized()) {
            // quantise row by row: gather a row of floats, then whole blocks
            int n = dst.dim(-1);
            float[] row = new float[n];
            long[] idx = new long[dst.rank() - 1];
            int[] lead = Arrays.copyOf(dst.shape(), dst.rank() - 1);
            long rows = Tensor.numel(lead);
            MemorySegment seg = dst.segment();
            for (long r = 0; r < rows; r++) {
                long so = s.offset(), dOff = dst.offset();
                for (int d = 0; d < idx.length; d++) { so += idx[d] * s.stride(d); dOff += idx[d] * dst.stride(d); }
                for (int j = 0; j < n; j++) row[j] = Elements.get(s, so + j * s.stride(-1));
                for (int b = 0; b < n / 32; b++) {
                    long base = (dOff / 32 + b) * dst.dtype().blockBytes();
                    if (dst.dtype() == DType.Q8_0) Numerics.quantQ8_0(row, b * 32, seg, base);
                    else Numerics.quantQ4_0(row, b * 32, seg, base);
                }
                increment(idx, lead);
            }
            return;
        }
        boolean ints = !src.dtype().isFloating() && !dst.dtype().isFloating();
        forEach2(s, dst, (so, dOff) -> {
            if (ints) Elements.setLong(dst, dOff, Elements.getLong(s, so));
            else Elements.set(dst, dOff, Elements.get(s, so));
        });
    }

    @Override public void fill(Tensor dst, float value) {
        if (dst.dtype().isQuantized()) { copy(Tensor.scalar(value), dst); return; }
        forEach1(dst, off -> Elements.set(dst, off, value));
    }

    // ---- element-wise ------------------------------------------------------------------------

    @Override public void unary(UnaryOp op, Tensor x, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        forEach2(x, out, (xo, oo) -> Elements.set(out, oo, op.apply(Elements.get(x, xo))));
    }

    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        if (!Arrays.equals(shape, out.shape())) throw new ShapeException("binary " + op + ": out " + out.describe() + " should be " + Arrays.toString(shape));
        Tensor ea = a.expand(shape), eb = b.expand(shape);
        float[] av = ea.toFloatArray(), bv = eb.toFloatArray();
        long[] idx = new long[shape.length];
        for (int i = 0; i < av.length; i++) {
            Elements.set(out, off(out, idx), op.apply(av[i], bv[i]));
            increment(idx, shape);
        }
    }

    @Override public void affine(Tensor x, float alpha, float beta, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        forEach2(x, out, (xo, oo) -> Elements.set(out, oo, (float) ((double) alpha * Elements.get(x, xo) + beta)));
    }

    @Override public void gated(UnaryOp act, Tensor gate, Tensor up, Tensor out) {
        Shapes.requireSameShape(gate, "gate", out, "out");
        Shapes.requireSameShape(up, "up", out, "out");
        float[] g = gate.toFloatArray(), u = up.toFloatArray();
        long[] idx = new long[out.rank()];
        int[] shape = out.shape();
        for (int i = 0; i < g.length; i++) {
            Elements.set(out, off(out, idx), act.apply(g[i]) * u[i]);
            increment(idx, shape);
        }
    }

    // ---- linear algebra --------------------------------------------------------------------

    @Override public void matmul(Tensor a, Tensor b, Tensor out) {
        int[] batch = Shapes.requireMatmul(a, b, out);
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        Tensor ea = a.expand(concat(batch, m, k)), eb = b.expand(concat(batch, k, n));
        long[] bi = new long[batch.length];
        long nb = Tensor.numel(batch);
        for (long t = 0; t < nb; t++) {
            long ao = ea.offset(), bo = eb.offset(), oo = out.offset();
            for (int d = 0; d < batch.length; d++) { ao += bi[d] * ea.stride(d); bo += bi[d] * eb.stride(d); oo += bi[d] * out.stride(d); }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) acc += (double) Elements.get(ea, ao + i * ea.stride(-2) + p * ea.stride(-1)) * Elements.get(eb, bo + p * eb.stride(-2) + j * eb.stride(-1));
                    Elements.set(out, oo + i * out.stride(-2) + j * out.stride(-1), (float) acc);
                }
            }
            increment(bi, batch);
        }
    }

    @Override public void linear(Tensor x, Tensor w, Tensor bias, Tensor out) {
        int k = x.dim(-1), n = w.dim(0);
        if (w.rank() != 2 || w.dim(1) != k) throw new ShapeException("linear: weight " + w.describe() + " does not fit input " + x.describe() + " (expected (N, " + k + "))");
        if (bias != null) Shapes.requireShape(bias, "linear bias", n);
        int[] os = x.shape();
        os[os.length - 1] = n;
        if (!Arrays.equals(os, out.shape())) throw new ShapeException("linear out " + out.describe() + " should be " + Arrays.toString(os));
        Tensor wc = w; // element access handles every dtype
        float[] wrow = new float[k];
        int rows = Math.toIntExact(x.numel() / Math.max(k, 1));
        float[] xs = x.toFloatArray();
        float[] res = new float[rows * n];
        for (int j = 0; j < n; j++) {
            long wo = wc.offset() + j * wc.stride(0);
            for (int p = 0; p < k; p++) wrow[p] = Elements.get(wc, wo + p * wc.stride(1));
            double bj = bias == null ? 0 : bias.getFloat(j);
            for (int r = 0; r < rows; r++) {
                double acc = 0;
                for (int p = 0; p < k; p++) acc += (double) xs[r * k + p] * wrow[p];
                res[r * n + j] = (float) (acc + bj);
            }
        }
        store(res, out);
    }

    // ---- norms -------------------------------------------------------------------------------

    @Override public void softmax(Tensor x, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        rows(x, out, (row, n) -> {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) max = Math.max(max, row[i]);
            double sum = 0;
            double[] e = new double[n];
            for (int i = 0; i < n; i++) { e[i] = max == Double.NEGATIVE_INFINITY ? 0 : Math.exp(row[i] - max); sum += e[i]; }
            for (int i = 0; i < n; i++) row[i] = (float) (sum == 0 ? 0 : e[i] / sum);
        });
    }

    @Override public void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        int d = x.dim(-1);
        float[] w = weight == null ? null : checkVec(weight, d, "layerNorm weight");
        float[] b = bias == null ? null : checkVec(bias, d, "layerNorm bias");
        rows(x, out, (row, n) -> {
            double mean = 0, var = 0;
            for (int i = 0; i < n; i++) mean += row[i];
            mean /= n;
            for (int i = 0; i < n; i++) var += (row[i] - mean) * (row[i] - mean);
            var /= n;
            double inv = 1 / Math.sqrt(var + eps);
            for (int i = 0; i < n; i++) row[i] = (float) ((row[i] - mean) * inv * (w == null ? 1 : w[i]) + (b == null ? 0 : b[i]));
        });
    }

    @Override public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        float[] w = weight == null ? null : checkVec(weight, x.dim(-1), "rmsNorm weight");
        rows(x, out, (row, n) -> {
            double ss = 0;
            for (int i = 0; i < n; i++) ss += (double) row[i] * row[i];
            double inv = 1 / Math.sqrt(ss / n + eps);
            for (int i = 0; i < n; i++) row[i] = (float) (row[i] * inv * (w == null ? 1 : w[i]));
        });
    }

    @Override public void groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        if (x.rank() < 2) throw new ShapeException("groupNorm needs (N, C, ...), got " + x.describe());
        int nb = x.dim(0), c = x.dim(1);
        if (groups <= 0 || c % groups != 0) throw new ShapeException("groupNorm: " + c + " channels do not split into " + groups + " groups");
        float[] w = weight == null ? null : checkVec(weight, c, "groupNorm weight");
        float[] b = bias == null ? null : checkVec(bias, c, "groupNorm bias");
        float[] xs = x.toFloatArray();
        int spatial = (int) (x.numel() / ((long) nb * c));
        int cg = c / groups;
        float[] res = new float[xs.length];
        for (int n = 0; n < nb; n++) {
            for (int g = 0; g < groups; g++) {
                int base = (n * c + g * cg) * spatial, len = cg * spatial;
                double mean = 0, var = 0;
                for (int i = 0; i < len; i++) mean += xs[base + i];
                mean /= len;
                for (int i = 0; i < len; i++) var += (xs[base + i] - mean) * (xs[base + i] - mean);
                var /= len;
                double inv = 1 / Math.sqrt(var + eps);
                for (int ch = 0; ch < cg; ch++) {
                    int cc = g * cg + ch;
                    for (int s = 0; s < spatial; s++) {
                        int i = base + ch * spatial + s;
                        res[i] = (float) ((xs[i] - mean) * inv * (w == null ? 1 : w[cc]) + (b == null ? 0 : b[cc]));
                    }
                }
            }
        }
        store(res, out);
    }

    @Override public void rope(Tensor x, Tensor positions, int rotaryDim, double theta, boolean interleaved, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        if (x.rank() < 3) throw new ShapeException("rope needs x (..., S, H, D), got " + x.describe());
        int s = x.dim(-3), h = x.dim(-2), d = x.dim(-1);
        if (rotaryDim > d || rotaryDim % 2 != 0) throw new ShapeException("rope: rotary dim " + rotaryDim + " must be even and ≤ head dim " + d);
        Shapes.requireShape(positions, "rope positions", s);
        int[] pos = positions.toIntArray();
        float[] xs = x.toFloatArray();
        float[] res = xs.clone();
        int half = rotaryDim / 2;
        float[] invFreq = invFreq(rotaryDim, theta);
        long lead = x.numel() / ((long) s * h * d);
        for (long l = 0; l < lead; l++) {
            for (int si = 0; si < s; si++) {
                for (int i = 0; i < half; i++) {
                    float angle = (float) pos[si] * invFreq[i];
                    double cos = Math.cos(angle), sin = Math.sin(angle);
                    for (int hi = 0; hi < h; hi++) {
                        int base = (int) (((l * s + si) * h + hi) * d);
                        int i1 = interleaved ? base + 2 * i : base + i;
                        int i2 = interleaved ? base + 2 * i + 1 : base + i + half;
                        float x1 = xs[i1], x2 = xs[i2];
                        res[i1] = (float) (x1 * cos - x2 * sin);
                        res[i2] = (float) (x2 * cos + x1 * sin);
                    }
                }
            }
        }
        store(res, out);
    }

    /** HF's inv_freq, computed in float32 as transformers does: 1 / θ^(2i/d). */
    public static float[] invFreq(int rotaryDim, double theta) {
        float[] f = new float[rotaryDim / 2];
        for (int i = 0; i < f.length; i++) {
            float exponent = (float) (2 * i) / rotaryDim;
            f[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
        return f;
    }

    // ---- gathers and spatial -----------------------------------------------------------------

    @Override public void embedding(Tensor table, Tensor ids, Tensor out) {
        if (table.rank() != 2) throw new ShapeException("embedding table must be (V, D), got " + table.describe());
        int v = table.dim(0), d = table.dim(1);
        int[] idv = ids.toIntArray();
        float[] res = new float[idv.length * d];
        for (int i = 0; i < idv.length; i++) {
            int id = idv[i];
            if (id < 0 || id >= v) throw new ShapeException("embedding: id " + id + " outside vocabulary of " + v);
            for (int j = 0; j < d; j++) res[i * d + j] = Elements.get(table, table.offset() + id * table.stride(0) + j * table.stride(1));
        }
        store(res, out);
    }

    @Override public void conv(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups, Tensor out) {
        int nd = x.rank() - 2;
        if (nd < 1 || nd > 3 || w.rank() != nd + 2) throw new ShapeException("conv: x " + x.describe() + " and w " + w.describe() + " do not match");
        int n = x.dim(0), c = x.dim(1), o = w.dim(0);
        if (c % groups != 0 || o % groups != 0 || w.dim(1) != c / groups) throw new ShapeException("conv: " + c + " input channels, weight " + w.describe() + ", groups " + groups + " do not fit");
        int[] pad = Shapes.padding2(padding, nd);
        int[] st = stride == null ? Shapes.repeat(1, nd) : stride, dl = dilation == null ? Shapes.repeat(1, nd) : dilation;
        int[] in = new int[nd], k = new int[nd], os = new int[nd];
        for (int i = 0; i < nd; i++) {
            in[i] = x.dim(i + 2);
            k[i] = w.dim(i + 2);
            os[i] = Shapes.convOut(in[i], k[i], st[i], pad[2 * i], pad[2 * i + 1], dl[i]);
            if (out.dim(i + 2) != os[i]) throw new ShapeException("conv out " + out.describe() + ": spatial dim " + i + " should be " + os[i]);
        }
        if (out.dim(0) != n || out.dim(1) != o) throw new ShapeException("conv out " + out.describe() + " should be (" + n + ", " + o + ", ...)");
        float[] xs = x.toFloatArray(), ws = w.toFloatArray();
        float[] bs = bias == null ? null : checkVec(bias, o, "conv bias");
        int cg = c / groups, og = o / groups;
        int inSize = 1, kSize = 1, outSize = 1;
        for (int i = 0; i < nd; i++) { inSize *= in[i]; kSize *= k[i]; outSize *= os[i]; }
        float[] res = new float[n * o * outSize];
        int[] oi = new int[nd], ki = new int[nd];
        for (int b = 0; b < n; b++) {
            for (int oc = 0; oc < o; oc++) {
                int g = oc / og;
                for (int op = 0; op < outSize; op++) {
                    unflat(op, os, oi);
                    double acc = bs == null ? 0 : bs[oc];
                    for (int ic = 0; ic < cg; ic++) {
                        int cin = g * cg + ic;
                        for (int kp = 0; kp < kSize; kp++) {
                            unflat(kp, k, ki);
                            int flat = 0;
                            boolean inside = true;
                            for (int i = 0; i < nd; i++) {
                                int pos = oi[i] * st[i] - pad[2 * i] + ki[i] * dl[i];
                                if (pos < 0 || pos >= in[i]) { inside = false; break; }
                                flat = flat * in[i] + pos;
                            }
                            if (!inside) continue;
                            acc += (double) xs[(b * c + cin) * inSize + flat] * ws[(oc * cg + ic) * kSize + kp];
                        }
                    }
                    res[(b * o + oc) * outSize + op] = (float) acc;
                }
            }
        }
        store(res, out);
    }

    @Override public void upsampleNearest(Tensor x, Tensor out) {
        if (x.rank() != 4 || out.rank() != 4 || out.dim(0) != x.dim(0) || out.dim(1) != x.dim(1)
                || out.dim(2) % x.dim(2) != 0 || out.dim(3) % x.dim(3) != 0) {
            throw new ShapeException("upsampleNearest: out " + out.describe() + " must be an integer multiple of x " + x.describe());
        }
        int sh = out.dim(2) / x.dim(2), sw = out.dim(3) / x.dim(3);
        forEachIndex(out, (idx, oo) -> Elements.set(out, oo, x.getFloat((int) idx[0], (int) idx[1], (int) idx[2] / sh, (int) idx[3] / sw)));
    }

    @Override public void attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, float scale, Tensor out) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) throw new ShapeException("attention needs rank-4 q, k, v: " + q.describe() + ", " + k.describe() + ", " + v.describe());
        int b = q.dim(0), h = q.dim(1), sq = q.dim(2), d = q.dim(3);
        int hk = k.dim(1), sk = k.dim(2), dv = v.dim(3);
        if (k.dim(0) != b || v.dim(0) != b || k.dim(3) != d || v.dim(1) != hk || v.dim(2) != sk || hk == 0 || h % hk != 0) {
            throw new ShapeException("attention shapes do not fit: q " + q.describe() + ", k " + k.describe() + ", v " + v.describe());
        }
        Shapes.requireShape(out, "attention out", b, h, sq, dv);
        Tensor m = mask == null ? null : mask.expand(b, h, sq, sk);
        double[] s = new double[sk];
        for (int bi = 0; bi < b; bi++) for (int hi = 0; hi < h; hi++) {
            int kh = hi / (h / hk);
            for (int i = 0; i < sq; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < sk; j++) {
                    if (causal && j > i + (sk - sq)) { s[j] = Double.NEGATIVE_INFINITY; continue; }
                    double acc = 0;
                    for (int p = 0; p < d; p++) acc += (double) q.getFloat(bi, hi, i, p) * k.getFloat(bi, kh, j, p);
                    acc *= scale;
                    if (m != null) acc += m.getFloat(bi, hi, i, j);
                    s[j] = acc;
                    max = Math.max(max, acc);
                }
                double sum = 0;
                for (int j = 0; j < sk; j++) { s[j] = max == Double.NEGATIVE_INFINITY ? 0 : Math.exp(s[j] - max); sum += s[j]; }
                for (int p = 0; p < dv; p++) {
                    double acc = 0;
                    for (int j = 0; j < sk; j++) if (s[j] != 0) acc += s[j] * v.getFloat(bi, kh, j, p);
                    out.setFloat((float) (sum == 0 ? 0 : acc / sum), bi, hi, i, p);
                }
            }
        }
    }

    // ---- reductions ---------------------------------------------------------------------------

    @Override public void reduce(ReduceOp op, Tensor x, int dim, Tensor out) {
        int a = x.axis(dim);
        int[] os = x.shape();
        int len = os[a];
        os[a] = 1;
        if (!Arrays.equals(os, out.shape())) throw new ShapeException("reduce out " + out.describe() + " should be " + Arrays.toString(os));
        Tensor moved = x.transpose(a, -1); // reduce over the last dim of this view
        Tensor outMoved = out.transpose(a, -1);
        int[] lead = Arrays.copyOf(moved.shape(), moved.rank() - 1);
        long[] idx = new long[lead.length];
        long rows = Tensor.numel(lead);
        for (long r = 0; r < rows; r++) {
            long xo = moved.offset(), oo = outMoved.offset();
            for (int d = 0; d < lead.length; d++) { xo += idx[d] * moved.stride(d); oo += idx[d] * outMoved.stride(d); }
            double acc = switch (op) { case SUM, MEAN -> 0; case MAX -> Double.NEGATIVE_INFINITY; case MIN -> Double.POSITIVE_INFINITY; };
            for (int i = 0; i < len; i++) {
                double v = Elements.get(moved, xo + i * moved.stride(-1));
                acc = switch (op) { case SUM, MEAN -> acc + v; case MAX -> Math.max(acc, v); case MIN -> Math.min(acc, v); };
            }
            if (op == ReduceOp.MEAN) acc /= len;
            Elements.set(outMoved, oo, (float) acc);
            increment(idx, lead);
        }
    }

    @Override public void argmax(Tensor x, Tensor out) {
        int n = x.dim(-1);
        int[] lead = Arrays.copyOf(x.shape(), x.rank() - 1);
        Shapes.requireShape(out, "argmax out", lead);
        float[] xs = x.toFloatArray();
        long rows = Tensor.numel(lead);
        long[] idx = new long[lead.length];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int i = 1; i < n; i++) if (xs[r * n + i] > xs[r * n + best]) best = i;
            Elements.setLong(out, off(out, idx), best);
            increment(idx, lead);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private interface OffsetVisitor { void accept(long off); }
    private interface PairVisitor { void accept(long a, long b); }
    private interface IndexVisitor { void accept(long[] idx, long off); }
    private interface RowFn { void apply(float[] row, int n); }

    private static int[] concat(int[] a, int... b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static boolean increment(long[] idx, int[] shape) { return Elements.increment(idx, shape); }

    private static long off(Tensor t, long[] idx) {
        long o = t.offset();
        for (int i = 0; i < idx.length; i++) o += idx[i] * t.stride(i);
        return o;
    }

    private static void forEach1(Tensor t, OffsetVisitor v) {
        long n = t.numel();
        long[] idx = new long[t.rank()];
        int[] shape = t.shape();
        for (long i = 0; i < n; i++) { v.accept(off(t, idx)); increment(idx, shape); }
    }

    private static void forEach2(Tensor a, Tensor b, PairVisitor v) {
        Shapes.requireSameShape(a, "input", b, "output");
        long n = a.numel();
        long[] idx = new long[a.rank()];
        int[] shape = a.shape();
        for (long i = 0; i < n; i++) { v.accept(off(a, idx), off(b, idx)); increment(idx, shape); }
    }

    private static void forEachIndex(Tensor t, IndexVisitor v) {
        long n = t.numel();
        long[] idx = new long[t.rank()];
        int[] shape = t.shape();
        for (long i = 0; i < n; i++) { v.accept(idx, off(t, idx)); increment(idx, shape); }
    }

    /** Applies {@code fn} to each last-dim row of x (a float copy), storing the result in out. */
    private static void rows(Tensor x, Tensor out, RowFn fn) {
        float[] xs = x.toFloatArray();
        int n = x.dim(-1);
        float[] row = new float[n];
        for (int r = 0; r + n <= xs.length && n > 0; r += n) {
            System.arraycopy(xs, r, row, 0, n);
            fn.apply(row, n);
            System.arraycopy(row, 0, xs, r, n);
        }
        store(xs, out);
    }

    private static void store(float[] values, Tensor out) {
        long[] idx = new long[out.rank()];
        int[] shape = out.shape();
        for (float v : values) { Elements.set(out, off(out, idx), v); increment(idx, shape); }
    }

    private static float[] checkVec(Tensor t, int n, String name) {
        Shapes.requireShape(t, name, n);
        return t.toFloatArray();
    }

    private static void unflat(int flat, int[] dims, int[] out) {
        for (int i = dims.length - 1; i >= 0; i--) { out[i] = flat % dims[i]; flat /= dims[i]; }
    }
}
