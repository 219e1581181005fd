package dev.codi4j.models.diffusion.unet;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.Layers;
import dev.codi4j.models.nn.LayerNorm;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;

/**
 * diffusers' {@code BasicTransformerBlock} with layer norms: x += attn1(norm1(x)) (self-attention, or
 * cross-attention when {@code only_cross_attention}); x += attn2(norm2(x), context); x += ff(norm3(x)).
 */
public final class BasicTransformerBlock {
    private final LayerNorm norm1, norm2, norm3;
    private final Attention attn1, attn2;
    private final FeedForward ff;
    private final boolean onlyCross;

    public BasicTransformerBlock(Layers l, Weights w, int dim, int heads, int headDim, int crossDim, boolean onlyCross, double eps) {
        norm1 = l.layerNorm(w.pp("norm1"), dim, eps);
        attn1 = new Attention(l, w.pp("attn1"), dim, onlyCross ? crossDim : dim, heads, headDim, false, false);
        norm2 = l.layerNorm(w.pp("norm2"), dim, eps);
        attn2 = new Attention(l, w.pp("attn2"), dim, crossDim, heads, headDim, false, false);
        norm3 = l.layerNorm(w.pp("norm3"), dim, eps);
        ff = new FeedForward(l, w.pp("ff"), dim, 4);
        this.onlyCross = onlyCross;
    }

    /** x (B, S, dim) is updated in place and returned; context (B, Sk, crossDim). */
    public Tensor forward(Backend b, Tensor x, Tensor context) {
        try (Scope s = Scope.open()) {
            Tensor h = norm1.forward(b, x);
            Tensor a = attn1.forward(b, h, onlyCross ? context : null);
            h.close();
            b.binary(BinaryOp.ADD, x, a, x);
            a.close();
            h = norm2.forward(b, x);
            a = attn2.forward(b, h, context);
            h.close();
            b.binary(BinaryOp.ADD, x, a, x);
            a.close();
            h = norm3.forward(b, x);
            a = ff.forward(b, h);
            h.close();
            b.binary(BinaryOp.ADD, x, a, x);
            return x;
        }
    }
}
