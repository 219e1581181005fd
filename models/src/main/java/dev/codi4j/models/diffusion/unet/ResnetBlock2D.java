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
 * diffusers' {@code ResnetBlock2D} with the "default" time conditioning: GroupNorm → SiLU → conv1
 * (+ time_emb_proj(SiLU(temb)) per channel) → GroupNorm → SiLU → conv2, plus a 1×1 {@code conv_shortcut}
 * when the channel count changes; the sum divided by {@code output_scale_factor}.
 */
public final class ResnetBlock2D {
    private final GroupNorm norm1, norm2;
    private final Conv conv1, conv2, shortcut;
    private final Linear timeEmbProj;
    private final float outputScale;

    /** @param tembChannels 0 for the VAE's blocks, which have no time embedding */
    public ResnetBlock2D(Layers l, Weights w, int in, int out, int tembChannels, int groups, double eps, double outputScale) {
        norm1 = l.groupNorm(w.pp("norm1"), groups, in, eps);
        conv1 = l.conv(w.pp("conv1"), in, out, 3, 1, 1);
        timeEmbProj = tembChannels > 0 ? l.linear(w.pp("time_emb_proj"), tembChannels, out, true) : null;
        norm2 = l.groupNorm(w.pp("norm2"), groups, out, eps);
        conv2 = l.conv(w.pp("conv2"), out, out, 3, 1, 1);
        shortcut = in != out ? l.conv(w.pp("conv_shortcut"), in, out, 1, 1, 0) : null;
        this.outputScale = (float) outputScale;
    }

    /**
     * @param x (B, in, H, W)
     * @param siluTemb SiLU of the time embedding (B, temb), computed once per UNet call, or null
     * @return (B, out, H, W)
     */
    public Tensor forward(Backend b, Tensor x, Tensor siluTemb) {
        try (Scope s = Scope.open()) {
            Tensor h = Layers.siluInPlace(b, norm1.forward(b, x));
            Tensor h1 = conv1.forward(b, h);
            h.close();
            if (timeEmbProj != null && siluTemb != null) {
                Tensor t = timeEmbProj.forward(b, siluTemb); // (B, out)
                b.binary(BinaryOp.ADD, h1, t.view(t.dim(0), t.dim(1), 1, 1), h1);
            }
            Tensor h2 = Layers.siluInPlace(b, norm2.forward(b, h1));
            h1.close();
            Tensor out = conv2.forward(b, h2);
            h2.close();
            if (shortcut != null) {
                Tensor sc = shortcut.forward(b, x);
                b.binary(BinaryOp.ADD, sc, out, out);
            } else {
                b.binary(BinaryOp.ADD, x, out, out);
            }
            if (outputScale != 1f) b.affine(out, 1f / outputScale, 0, out);
            return s.keep(out);
        }
    }
}
