package dev.codi4j.models.diffusion.unet;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.Layers;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;

/**
 * diffusers' {@code Attention} (self- or cross-attention): to_q, to_k, to_v, to_out.0, scale
 * 1/√head_dim, computed by {@link Backend#attention} in tiles with an online softmax so the
 * (tokens × tokens) score matrix of a 96×96 latent (9216²) never exists. {@code upcast_attention} and
 * {@code upcast_softmax} only matter for fp16 activations; codi4j's activations are F32 throughout.
 */
public final class Attention {
    private final Linear q, k, v, out;
    private final int heads, headDim;

    /**
     * @param qkvBias whether to_q/k/v have biases (false in the UNet, true in the VAE)
     * @param legacyNames read the VAE's pre-0.14 names {@code query/key/value/proj_attn} when {@code to_q} is absent
     */
    public Attention(Layers l, Weights w, int queryDim, int contextDim, int heads, int headDim, boolean qkvBias, boolean legacyNames) {
        int inner = heads * headDim;
        boolean legacy = legacyNames && !w.contains("to_q.weight") && w.contains("query.weight");
        this.q = load(l, w.pp(legacy ? "query" : "to_q"), queryDim, inner, qkvBias);
        this.k = load(l, w.pp(legacy ? "key" : "to_k"), contextDim, inner, qkvBias);
        this.v = load(l, w.pp(legacy ? "value" : "to_v"), contextDim, inner, qkvBias);
        this.out = load(l, legacy ? w.pp("proj_attn") : w.pp("to_out").pp(0), inner, queryDim, true);
        this.heads = heads;
        this.headDim = headDim;
    }

    /** Old diffusers checkpoints (and original LDM ones) stored 1×1 convolution kernels here. */
    private static Linear load(Layers l, Weights w, int in, int out, boolean bias) {
        var info = w.info("weight");
        if (info != null && info.shape().length == 4) {
            Tensor wt = w.get("weight", DType.F32, out, in, 1, 1).view(out, in);
            Tensor bt = bias ? w.get("bias", DType.F32, out) : null;
            return new Linear(l.backend().toDevice(wt), bt == null ? null : l.backend().toDevice(bt));
        }
        return l.linear(w, in, out, bias);
    }

    /**
     * @param x (B, S, queryDim)
     * @param context (B, Sk, contextDim), or null for self-attention
     * @return (B, S, queryDim)
     */
    public Tensor forward(Backend b, Tensor x, Tensor context) {
        Tensor ctx = context == null ? x : context;
        int n = x.dim(0), s = x.dim(1), sk = ctx.dim(1);
        Tensor qt = q.forward(b, x), kt = k.forward(b, ctx), vt = v.forward(b, ctx);
        Tensor o = b.empty(DType.F32, n, heads, s, headDim);
        b.attention(heads(qt, n, s), heads(kt, n, sk), heads(vt, n, sk), null, false, (float) (1 / Math.sqrt(headDim)), o);
        qt.close();
        kt.close();
        vt.close();
        Tensor merged = b.empty(DType.F32, n, s, heads, headDim);
        b.copy(o.permute(0, 2, 1, 3), merged);
        o.close();
        Tensor y = out.forward(b, merged.view(n, s, heads * headDim));
        merged.close();
        return y;
    }

    /** (B, S, H·D) → (B, H, S, D) view. */
    private Tensor heads(Tensor t, int n, int s) { return t.view(n, s, heads, headDim).permute(0, 2, 1, 3); }
}
