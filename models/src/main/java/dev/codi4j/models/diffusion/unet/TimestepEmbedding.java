package dev.codi4j.models.diffusion.unet;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.Layers;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Tensor;

/**
 * diffusers' {@code TimestepEmbedding}: linear_1 → SiLU → linear_2 (→ SiLU when {@code post_act}).
 * Also unCLIP's class embedding ({@code class_embed_type: "projection"}), fed the noise-augmented
 * image embedding instead of a sinusoidal timestep.
 */
public record TimestepEmbedding(Linear linear1, Linear linear2, boolean postAct) {

    public static TimestepEmbedding load(Layers l, Weights w, int in, int dim, boolean postAct) {
        return new TimestepEmbedding(l.linear(w.pp("linear_1"), in, dim, true), l.linear(w.pp("linear_2"), dim, dim, true), postAct);
    }

    /** (B, in) → (B, dim). */
    public Tensor forward(Backend b, Tensor x) {
        Tensor h = linear1.forward(b, x);
        Layers.siluInPlace(b, h);
        Tensor out = linear2.forward(b, h);
        h.close();
        return postAct ? Layers.siluInPlace(b, out) : out;
    }
}
