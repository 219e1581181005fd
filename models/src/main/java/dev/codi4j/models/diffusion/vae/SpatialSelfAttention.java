package dev.codi4j.models.diffusion.vae;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.Layers;
import dev.codi4j.models.diffusion.unet.Attention;
import dev.codi4j.models.nn.GroupNorm;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;

/**
 * The VAE mid-block attention (diffusers' {@code Attention} with {@code _from_deprecated_attn_block}):
 * GroupNorm, one head over all H·W positions with head size = channels, residual connection. Reads
 * both the current names (to_q/to_k/to_v/to_out.0) and the pre-0.14 ones (query/key/value/proj_attn)
 * that the SD 2.1 and InstructPix2Pix checkpoints still use.
 */
public final class SpatialSelfAttention {
    private final GroupNorm norm;
    private final Attention attn;

    public SpatialSelfAttention(Layers l, Weights w, int channels, int groups, double eps) {
        norm = l.groupNorm(w.pp("group_norm"), groups, channels, eps);
        attn = new Attention(l, w, channels, channels, 1, channels, true, true);
    }

    /** (B, C, H, W) → (B, C, H, W). */
    public Tensor forward(Backend b, Tensor x) {
        int h = x.dim(2), wd = x.dim(3);
        try (Scope s = Scope.open()) {
            Tensor n = norm.forward(b, x);
            Tensor t = Layers.toTokens(b, n);
            n.close();
            Tensor a = attn.forward(b, t, null);
            t.close();
            Tensor out = Layers.fromTokens(b, a, h, wd);
            a.close();
            b.binary(BinaryOp.ADD, out, x, out);
            return s.keep(out);
        }
    }
}
