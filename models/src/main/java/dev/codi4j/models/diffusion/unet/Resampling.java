package dev.codi4j.models.diffusion.unet;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.Layers;
import dev.codi4j.models.nn.Conv;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;

/** diffusers' {@code Downsample2D} and {@code Upsample2D} with convolutions (the variants SD uses). */
public final class Resampling {
    private Resampling() {}

    /**
     * A stride-2 3×3 convolution ({@code downsamplers.0.conv}). With {@code padding} 0 (the VAE
     * encoder) the input is first padded by one on the bottom and right, as diffusers does.
     */
    public record Downsample2D(Conv conv) {
        public static Downsample2D load(Layers l, Weights w, int channels, int padding) {
            int[] pad = padding == 0 ? new int[] {0, 1, 0, 1} : new int[] {padding, padding, padding, padding};
            return new Downsample2D(l.conv(w.pp("conv"), channels, channels, 3, 2, pad));
        }

        public Tensor forward(Backend b, Tensor x) { return conv.forward(b, x); }
    }

    /** Nearest-neighbour ×2 (or to an explicit size) followed by a 3×3 convolution ({@code upsamplers.0.conv}). */
    public record Upsample2D(Conv conv) {
        public static Upsample2D load(Layers l, Weights w, int channels) {
            return new Upsample2D(l.conv(w.pp("conv"), channels, channels, 3, 1, 1));
        }

        /** @param outH target height (≤ 0: twice the input), {@code outW} likewise */
        public Tensor forward(Backend b, Tensor x, int outH, int outW) {
            try (Scope s = Scope.open()) {
                Tensor up = upsampleNearest(b, x, outH > 0 ? outH : 2 * x.dim(2), outW > 0 ? outW : 2 * x.dim(3));
                return s.keep(conv.forward(b, up));
            }
        }
    }

    /**
     * PyTorch's {@code F.interpolate(mode="nearest")} to (outH, outW): source index
     * floor(dst · in/out) with the scale in float32. Integer factors use the backend's kernel; other
     * sizes (latents whose side is not a multiple of 2^(blocks−1)) are gathered row by row.
     */
    public static Tensor upsampleNearest(Backend b, Tensor x, int outH, int outW) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        Tensor out = b.empty(DType.F32, n, c, outH, outW);
        if (outH % h == 0 && outW % w == 0) {
            b.upsampleNearest(x, out);
            return out;
        }
        float sh = (float) h / outH, sw = (float) w / outW;
        // widen each source row once, then copy it to every output row that maps to it
        Tensor wide = b.empty(DType.F32, n, c, h, outW);
        for (int j = 0; j < outW; j++) {
            int src = Math.min((int) Math.floor(j * sw), w - 1);
            b.copy(x.narrow(3, src, 1), wide.narrow(3, j, 1));
        }
        for (int i = 0; i < outH; i++) {
            int src = Math.min((int) Math.floor(i * sh), h - 1);
            b.copy(wide.narrow(2, src, 1), out.narrow(2, i, 1));
        }
        wide.close();
        return out;
    }
}
