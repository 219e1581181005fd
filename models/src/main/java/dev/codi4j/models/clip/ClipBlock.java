package dev.codi4j.models.clip;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.models.nn.LayerNorm;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;

/**
 * One pre-LN transformer block as CLIP, OpenCLIP and ImageBind use it:
 * {@code x = x + out(attn(ln1(x)))}, {@code x = x + fc2(act(fc1(ln2(x))))}. q, k and v are held as
 * one fused (3·D, D) projection whatever the checkpoint family (HF's three Linears are concatenated
 * at load), so a block runs one GEMM for them.
 */
public final class ClipBlock {
    private final TransformerConfig config;
    private final LayerNorm ln1, ln2;
    private final Linear qkv, out, fc1, fc2;
    private final Tensor biasK, biasV; // (D) each, or null

    private ClipBlock(TransformerConfig config, LayerNorm ln1, Linear qkv, Linear out, Tensor biasK, Tensor biasV, LayerNorm ln2, Linear fc1, Linear fc2) {
        this.config = config;
        this.ln1 = ln1;
        this.qkv = qkv;
        this.out = out;
        this.biasK = biasK;
        this.biasV = biasV;
        this.ln2 = ln2;
        this.fc1 = fc1;
        this.fc2 = fc2;
    }

    /**
     * Reads a block under {@code w} (the block's own prefix, e.g. {@code encoder.layers.3} or
     * {@code modality_trunks.vision.blocks.3}).
     * @param weightDType dtype to hold the projection weights in; null keeps the checkpoint's
     */
    public static ClipBlock load(Backend b, Weights w, TransformerConfig c, TransformerNaming n, DType weightDType) {
        int d = c.width();
        Weights a = w.pp(n.attn);
        Linear qkv;
        if (n.fusedQkv()) {
            Tensor wt = weightDType == null ? a.get("in_proj_weight", 3 * d, d) : a.get("in_proj_weight", weightDType, 3 * d, d);
            qkv = new Linear(b.toDevice(wt), b.toDevice(a.get("in_proj_bias", DType.F32, 3 * d)));
        } else {
            Linear q = Linear.load(b, a.pp("q_proj"), d, d, true, weightDType);
            Linear k = Linear.load(b, a.pp("k_proj"), d, d, true, weightDType);
            Linear v = Linear.load(b, a.pp("v_proj"), d, d, true, weightDType);
            qkv = new Linear(b.concat(0, q.weight(), k.weight(), v.weight()), b.concat(0, q.bias(), k.bias(), v.bias()));
        }
        Tensor bk = null, bv = null;
        if (c.biasKv()) {
            bk = b.toDevice(a.get("bias_k", DType.F32, 1, 1, d).view(d));
            bv = b.toDevice(a.get("bias_v", DType.F32, 1, 1, d).view(d));
        } else if (a.contains("bias_k")) {
            throw new WeightsException(a.fullName("bias_k") + " is present but the configuration says the trunk has no add_bias_kv; "
                    + "set biasKv=true for this tower (ImageBind's audio, depth, thermal and IMU trunks use it)");
        }
        return new ClipBlock(c,
                LayerNorm.load(b, w.pp(n.norm1), d, c.eps()),
                qkv,
                Linear.load(b, a.pp(n.outProj), d, d, true, weightDType),
                bk, bv,
                LayerNorm.load(b, w.pp(n.norm2), d, c.eps()),
                Linear.load(b, w.pp(n.fc1), d, c.mlpDim(), true, weightDType),
                Linear.load(b, w.pp(n.fc2), c.mlpDim(), d, true, weightDType));
    }

    /**
     * x (B, S, D) → (B, S, D). {@code mask}: optional additive mask broadcastable to (B, H, S, S);
     * {@code causal}: query i sees keys ≤ i.
     */
    public Tensor forward(Backend b, Tensor x, Tensor mask, boolean causal) {
        int bs = x.dim(0), s = x.dim(1), d = config.width(), h = config.heads(), hd = config.headDim();
        if (x.rank() != 3 || x.dim(2) != d) throw new IllegalArgumentException("block input must be (B, S, " + d + "), got " + x.describe());
        if (biasK != null && (mask != null || causal)) {
            throw new UnsupportedOperationException("masks together with add_bias_kv are not supported (no ImageBind trunk combines them)");
        }
        try (Scope sc = Scope.open()) {
            Tensor qkvOut = qkv.forward(b, ln1.forward(b, x));                 // (B, S, 3D)
            Tensor q = qkvOut.narrow(2, 0, d), k = qkvOut.narrow(2, d, d), v = qkvOut.narrow(2, 2 * d, d);
            if (biasK != null) {                                                // nn.MultiheadAttention(add_bias_kv=True)
                k = b.concat(1, k, biasK.view(1, 1, d).expand(bs, 1, d));        // (B, S+1, D)
                v = b.concat(1, v, biasV.view(1, 1, d).expand(bs, 1, d));
            }
            int sk = k.dim(1);
            Tensor qh = q.view(bs, s, h, hd).permute(0, 2, 1, 3);               // (B, H, S, hd)
            Tensor kh = k.view(bs, sk, h, hd).permute(0, 2, 1, 3);              // (B, H, Sk, hd)
            Tensor vh = v.view(bs, sk, h, hd).permute(0, 2, 1, 3);
            Tensor att = b.attention(qh, kh, vh, mask, causal, (float) (1.0 / Math.sqrt(hd))); // (B, H, S, hd)
            Tensor merged = b.contiguous(att.permute(0, 2, 1, 3)).view(bs, s, d); // (B, S, D)
            Tensor x1 = out.forward(b, merged);
            b.binary(dev.codi4j.tensor.BinaryOp.ADD, x1, x, x1);                   // residual
            Tensor m = fc1.forward(b, ln2.forward(b, x1));                        // (B, S, mlp)
            b.unary(config.activation(), m, m);
            Tensor y = fc2.forward(b, m);
            b.binary(dev.codi4j.tensor.BinaryOp.ADD, y, x1, y);
            return sc.keep(y);
        }
    }

    public TransformerConfig config() { return config; }
}
