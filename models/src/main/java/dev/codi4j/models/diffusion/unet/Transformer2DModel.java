package dev.codi4j.models.diffusion.unet;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.Layers;
import dev.codi4j.models.nn.Conv;
import dev.codi4j.models.nn.GroupNorm;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;

/**
 * diffusers' {@code Transformer2DModel} over continuous input (the UNet's spatial transformer):
 * GroupNorm (eps 1e-6) → proj_in (a linear layer when {@code use_linear_projection}, SD 2.x; a 1×1
 * convolution otherwise, SD 1.x) → transformer blocks over the H·W tokens → proj_out → + input.
 */
public final class Transformer2DModel {
    private final GroupNorm norm;
    private final Linear projInLinear, projOutLinear;
    private final Conv projInConv, projOutConv;
    private final BasicTransformerBlock[] blocks;

    public Transformer2DModel(Layers l, Weights w, int heads, int headDim, int channels, int layers, int crossDim, int groups,
                              boolean linearProjection, boolean onlyCross) {
        int inner = heads * headDim;
        norm = l.groupNorm(w.pp("norm"), groups, channels, 1e-6);
        if (linearProjection) {
            projInLinear = l.linear(w.pp("proj_in"), channels, inner, true);
            projOutLinear = l.linear(w.pp("proj_out"), inner, channels, true);
            projInConv = projOutConv = null;
        } else {
            projInConv = l.conv(w.pp("proj_in"), channels, inner, 1, 1, 0);
            projOutConv = l.conv(w.pp("proj_out"), inner, channels, 1, 1, 0);
            projInLinear = projOutLinear = null;
        }
        blocks = new BasicTransformerBlock[layers];
        for (int i = 0; i < layers; i++) blocks[i] = new BasicTransformerBlock(l, w.pp("transformer_blocks").pp(i), inner, heads, headDim, crossDim, onlyCross, 1e-5);
    }

    /** x (B, C, H, W), context (B, Sk, crossDim) → (B, C, H, W). */
    public Tensor forward(Backend b, Tensor x, Tensor context) {
        int h = x.dim(2), wd = x.dim(3);
        try (Scope s = Scope.open()) {
            Tensor n = norm.forward(b, x);
            Tensor tokens;
            if (projInLinear != null) {
                Tensor t = Layers.toTokens(b, n);
                n.close();
                tokens = projInLinear.forward(b, t);
                t.close();
            } else {
                Tensor p = projInConv.forward(b, n);
                n.close();
                tokens = Layers.toTokens(b, p);
                p.close();
            }
            for (BasicTransformerBlock blk : blocks) blk.forward(b, tokens, context);
            Tensor out;
            if (projOutLinear != null) {
                Tensor p = projOutLinear.forward(b, tokens);
                tokens.close();
                out = Layers.fromTokens(b, p, h, wd);
                p.close();
            } else {
                Tensor t = Layers.fromTokens(b, tokens, h, wd);
                tokens.close();
                out = projOutConv.forward(b, t);
                t.close();
            }
            b.binary(BinaryOp.ADD, out, x, out);
            return s.keep(out);
        }
    }
}
