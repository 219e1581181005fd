package dev.codi4j.models.diffusion.unet;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.Layers;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;

/**
 * diffusers' {@code FeedForward} with GEGLU (the SD transformer MLP): net.0.proj (dim → 2·inner), the
 * first half multiplied by GELU (exact erf) of the second half, then net.2 (inner → dim); inner = 4·dim.
 */
public final class FeedForward {
    private final Linear proj, out;
    private final int inner;

    public FeedForward(Layers l, Weights w, int dim, int mult) {
        inner = dim * mult;
        proj = l.linear(w.pp("net").pp(0).pp("proj"), dim, 2 * inner, true);
        out = l.linear(w.pp("net").pp(2), inner, dim, true);
    }

    /** (..., dim) → (..., dim). */
    public Tensor forward(Backend b, Tensor x) {
        Tensor h = proj.forward(b, x);
        Tensor up = h.narrow(-1, 0, inner), gate = h.narrow(-1, inner, inner);
        int[] shape = up.shape();
        Tensor g = b.empty(DType.F32, shape);
        b.gated(UnaryOp.GELU, gate, up, g);
        h.close();
        Tensor y = out.forward(b, g);
        g.close();
        return y;
    }
}
