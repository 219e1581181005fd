package dev.codi4j.tensor;

import java.util.Arrays;
import java.util.List;

/**
 * The op interface every backend implements: the scalar reference (the oracle), the Vector-API CPU
 * backend, and the GPU backends. Models see only this interface; backends are found at run time
 * through {@link Backends}.
 *
 * <p>Conventions. Primitive ops write into a caller-given {@code out} (which may alias an input
 * for element-wise ops) so hot loops can reuse buffers; each has an allocating convenience form.
 * Activations are F32. Weights given to {@link #linear}, {@link #embedding} and {@link #conv} may be
 * F32, F16, BF16, Q8_0 or Q4_0 and are never dequantised into a full copy by fast backends. Inputs
 * may be any strided view unless a method says otherwise; outputs should be contiguous.
 * Every tensor passed must live on {@link #device()}.
 *
 * <p>A backend may be used from several threads only if its javadoc says so; the CPU backends run
 * each op on their own thread pool and are safe to call from one thread at a time per instance.
 */
public interface Backend extends AutoCloseable {

    /** Short name: "reference", "cpu", "opencl", "cuda". */
    String name();

    Device device();

    /** Worker threads the backend uses (1 for the reference). */
    default int threads() { return 1; }

    // ---- memory ---------------------------------------------------------------------------

    /** A new contiguous tensor with undefined contents, owned by the current {@link Scope} if any. */
    Tensor empty(DType dtype, int... shape);

    default Tensor zeros(DType dtype, int... shape) {
        Tensor t = empty(dtype, shape);
        fill(t, 0);
        return t;
    }

    /** A copy of a host tensor on this device (the tensor itself when already here). */
    Tensor toDevice(Tensor host);

    /** A host copy of a tensor of this device (the tensor itself on CPU backends). */
    Tensor toHost(Tensor t);

    /** Waits until queued work is done (no-op on CPU backends). */
    default void synchronize() {}

    /**
     * Copies {@code src} into {@code dst} converting dtypes (any to any; rounding to nearest even
     * for F16/BF16, GGML's reference quantisation for Q8_0/Q4_0). {@code src} is broadcast to
     * {@code dst}'s shape.
     */
    void copy(Tensor src, Tensor dst);

    void fill(Tensor dst, float value);

    // ---- element-wise --------------------------------------------------------------------

    /** out = op(x). */
    void unary(UnaryOp op, Tensor x, Tensor out);

    /** out = op(a, b) with broadcasting; out has the broadcast shape. */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** out = alpha·x + beta. */
    void affine(Tensor x, float alpha, float beta, Tensor out);

    /** out = act(gate)·up (SwiGLU with SILU, GEGLU with GELU). */
    void gated(UnaryOp act, Tensor gate, Tensor up, Tensor out);

    // ---- linear algebra ------------------------------------------------------------------

    /**
     * Batched matrix product of F32 operands: a (..., M, K) · b (..., K, N) → out (..., M, N), batch
     * dimensions broadcast. Transposed operands are expressed as views ({@code b.transpose(-1, -2)}).
     */
    void matmul(Tensor a, Tensor b, Tensor out);

    /**
     * out = x · wᵀ + bias, the PyTorch {@code nn.Linear}: x (..., K) F32, w (N, K) in any floating
     * dtype, bias (N) or null, out (..., N).
     */
    void linear(Tensor x, Tensor w, Tensor bias, Tensor out);

    // ---- normalisation and positions -----------------------------------------------------

    /** Softmax over the last dimension. */
    void softmax(Tensor x, Tensor out);

    /** LayerNorm over the last dimension; weight and bias (D) may be null. */
    void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor out);

    /** RMSNorm over the last dimension (Llama): x / sqrt(mean(x²) + eps) · weight. */
    void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out);

    /** GroupNorm of x (N, C, *spatial) with {@code groups} groups; weight and bias (C) may be null. */
    void groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps, Tensor out);

    /**
     * Rotary position embedding of x (..., S, H, D) at integer {@code positions} (S) I32, rotating
     * the first {@code rotaryDim} features. {@code interleaved=false} is HF's rotate-half (pairs i and
     * i + rotaryDim/2, frequency θ^(-2i/rotaryDim)); {@code true} is GPT-J style (pairs 2i, 2i+1).
     */
    void rope(Tensor x, Tensor positions, int rotaryDim, double theta, boolean interleaved, Tensor out);

    // ---- gathers and spatial ops ---------------------------------------------------------

    /** Rows of {@code table} (V, D) (any floating dtype) at {@code ids} (...) I32/I64 → out (..., D) F32. */
    void embedding(Tensor table, Tensor ids, Tensor out);

    /**
     * Convolution over 1, 2 or 3 spatial dimensions: x (N, C, *in), w (O, C/groups, *k), bias (O) or
     * null, out (N, O, *outSize). {@code padding} has one value per dimension or two (before, after).
     */
    void conv(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups, Tensor out);

    /** Nearest-neighbour upsampling of x (N, C, H, W) to out (N, C, H·s, W·t) for integer s, t. */
    void upsampleNearest(Tensor x, Tensor out);

    /**
     * Scaled dot-product attention, computed in tiles with an online softmax so no (Sq × Sk) score
     * matrix is materialised: q (B, H, Sq, D), k (B, Hk, Sk, D), v (B, Hk, Sk, Dv) with H a multiple of
     * Hk (grouped-query attention), optional additive {@code mask} broadcastable to (B, H, Sq, Sk),
     * {@code causal} letting query i see keys j ≤ i + (Sk − Sq). out (B, H, Sq, Dv).
     */
    void attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, float scale, Tensor out);

    // ---- reductions ------------------------------------------------------------------------

    /** Reduces dimension {@code dim} of x into out, whose shape is x's with size 1 at {@code dim}. */
    void reduce(ReduceOp op, Tensor x, int dim, Tensor out);

    /** Index of the largest value along the last dimension (first one on ties) → I32 (...). */
    void argmax(Tensor x, Tensor out);

    @Override default void close() {}

    // ---- allocating conveniences -------------------------------------------------------

    default Tensor copyOf(Tensor src, DType dtype) {
        Tensor out = empty(dtype, src.shape());
        copy(src, out);
        return out;
    }

    default Tensor contiguous(Tensor t) { return t.isContiguous() ? t : copyOf(t, t.dtype()); }

    default Tensor unary(UnaryOp op, Tensor x) { Tensor o = empty(DType.F32, x.shape()); unary(op, x, o); return o; }

    default Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        Tensor o = empty(DType.F32, Shapes.broadcast(a.shape(), b.shape()));
        binary(op, a, b, o);
        return o;
    }

    default Tensor add(Tensor a, Tensor b) { return binary(BinaryOp.ADD, a, b); }
    default Tensor sub(Tensor a, Tensor b) { return binary(BinaryOp.SUB, a, b); }
    default Tensor mul(Tensor a, Tensor b) { return binary(BinaryOp.MUL, a, b); }
    default Tensor div(Tensor a, Tensor b) { return binary(BinaryOp.DIV, a, b); }

    default Tensor scale(Tensor x, float s) { Tensor o = empty(DType.F32, x.shape()); affine(x, s, 0, o); return o; }

    default Tensor gated(UnaryOp act, Tensor gate, Tensor up) { Tensor o = empty(DType.F32, gate.shape()); gated(act, gate, up, o); return o; }

    default Tensor matmul(Tensor a, Tensor b) {
        Tensor o = empty(DType.F32, Shapes.matmulShape(a, b));
        matmul(a, b, o);
        return o;
    }

    default Tensor linear(Tensor x, Tensor w, Tensor bias) {
        int[] os = x.shape();
        os[os.length - 1] = w.dim(0);
        Tensor o = empty(DType.F32, os);
        linear(x, w, bias, o);
        return o;
    }

    default Tensor softmax(Tensor x) { Tensor o = empty(DType.F32, x.shape()); softmax(x, o); return o; }

    default Tensor layerNorm(Tensor x, Tensor w, Tensor b, float eps) { Tensor o = empty(DType.F32, x.shape()); layerNorm(x, w, b, eps, o); return o; }

    default Tensor rmsNorm(Tensor x, Tensor w, float eps) { Tensor o = empty(DType.F32, x.shape()); rmsNorm(x, w, eps, o); return o; }

    default Tensor groupNorm(Tensor x, int groups, Tensor w, Tensor b, float eps) { Tensor o = empty(DType.F32, x.shape()); groupNorm(x, groups, w, b, eps, o); return o; }

    default Tensor rope(Tensor x, Tensor positions, int rotaryDim, double theta, boolean interleaved) {
        Tensor o = empty(DType.F32, x.shape());
        rope(x, positions, rotaryDim, theta, interleaved, o);
        return o;
    }

    default Tensor embedding(Tensor table, Tensor ids) {
        int[] os = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        os[ids.rank()] = table.dim(1);
        Tensor o = empty(DType.F32, os);
        embedding(table, ids, o);
        return o;
    }

    default Tensor conv(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        int n = x.rank() - 2;
        if (n < 1 || n > 3 || w.rank() != n + 2) throw new ShapeException("conv needs x (N, C, *spatial) and w (O, C/g, *k) of matching rank, got " + x.describe() + " and " + w.describe());
        int[] p = Shapes.padding2(padding, n);
        int[] s = stride == null ? Shapes.repeat(1, n) : stride, d = dilation == null ? Shapes.repeat(1, n) : dilation;
        int[] os = new int[n + 2];
        os[0] = x.dim(0);
        os[1] = w.dim(0);
        for (int i = 0; i < n; i++) os[i + 2] = Shapes.convOut(x.dim(i + 2), w.dim(i + 2), s[i], p[2 * i], p[2 * i + 1], d[i]);
        Tensor o = empty(DType.F32, os);
        conv(x, w, bias, s, p, d, groups, o);
        return o;
    }

    default Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        return conv(x, w, bias, new int[] {stride, stride}, new int[] {padding, padding}, null, 1);
    }

    default Tensor upsampleNearest(Tensor x, int factor) {
        int[] s = x.shape();
        Tensor o = empty(DType.F32, s[0], s[1], s[2] * factor, s[3] * factor);
        upsampleNearest(x, o);
        return o;
    }

    default Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, float scale) {
        Tensor o = empty(DType.F32, q.dim(0), q.dim(1), q.dim(2), v.dim(3));
        attention(q, k, v, mask, causal, scale, o);
        return o;
    }

    default Tensor reduce(ReduceOp op, Tensor x, int dim) {
        int[] os = x.shape();
        os[x.axis(dim)] = 1;
        Tensor o = empty(DType.F32, os);
        reduce(op, x, dim, o);
        return o;
    }

    default Tensor argmax(Tensor x) {
        Tensor o = empty(DType.I32, Arrays.copyOf(x.shape(), x.rank() - 1));
        argmax(x, o);
        return o;
    }

    /** Concatenation along {@code dim}, by copies into views of the result. */
    default Tensor concat(int dim, List<Tensor> parts) {
        if (parts.isEmpty()) throw new ShapeException("concat of nothing");
        Tensor first = parts.get(0);
        int a = first.axis(dim);
        int[] os = first.shape();
        int total = 0;
        for (Tensor p : parts) {
            if (p.rank() != first.rank()) throw new ShapeException("concat: ranks differ, " + first.describe() + " vs " + p.describe());
            for (int i = 0; i < os.length; i++) if (i != a && p.dim(i) != os[i]) throw new ShapeException("concat along " + dim + ": " + first.describe() + " vs " + p.describe());
            total += p.dim(a);
        }
        os[a] = total;
        Tensor out = empty(first.dtype(), os);
        int at = 0;
        for (Tensor p : parts) {
            copy(p, out.narrow(a, at, p.dim(a)));
            at += p.dim(a);
        }
        return out;
    }

    default Tensor concat(int dim, Tensor... parts) { return concat(dim, List.of(parts)); }

    /** Constant padding: {@code pads} holds (before, after) per dimension from the first. */
    default Tensor pad(Tensor x, int[] pads, float value) {
        if (pads.length != 2 * x.rank()) throw new ShapeException("pad needs 2 values per dimension of " + x.describe());
        int[] os = x.shape();
        Tensor view;
        for (int i = 0; i < os.length; i++) os[i] += pads[2 * i] + pads[2 * i + 1];
        Tensor out = empty(x.dtype(), os);
        fill(out, value);
        view = out;
        for (int i = 0; i < os.length; i++) view = view.narrow(i, pads[2 * i], x.dim(i));
        copy(x, view);
        return out;
    }
}
