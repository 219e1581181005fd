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

    private static volatile boolean phaseDecomposition = true;

    /**
     * Turns the four-phase form of upsample+conv on or off (on by default; both compute the same
     * function). Benchmarks switch it off to count the work of the upstream graph, and to measure it.
     * @return the previous setting
     */
    public static boolean phaseDecomposition(boolean on) {
        boolean old = phaseDecomposition;
        phaseDecomposition = on;
        return old;
    }

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

    /**
     * Nearest-neighbour ×2 (or to an explicit size) followed by a 3×3 convolution ({@code upsamplers.0.conv}).
     *
     * <p>Why four 2×2 convolutions: a 3×3 convolution of a nearest-upsampled image reads, for each of the
     * four output phases (row parity, column parity), only a 2×2 neighbourhood of the small image, with
     * the 3×3 taps that land on the same source pixel summed. So the exact ×2 case runs as four 2×2
     * convolutions of the input (4/9 of the multiply-adds, and the 4× larger upsampled tensor is never
     * made); the phases are interleaved into the output. Explicit sizes (odd latent sides) use the plain
     * upsample-then-convolve path.
     */
    public static final class Upsample2D {
        private final Conv conv;
        private final Tensor[] phaseWeights; // [dy*2+dx] (O, C, 2, 2) F32
        private final Tensor bias;

        private Upsample2D(Conv conv, Tensor[] phaseWeights) {
            this.conv = conv;
            this.phaseWeights = phaseWeights;
            this.bias = conv.bias();
        }

        public static Upsample2D load(Layers l, Weights w, int channels) {
            Conv c = l.conv(w.pp("conv"), channels, channels, 3, 1, 1);
            return new Upsample2D(c, phases(l.backend(), c.weight()));
        }

        public Conv conv() { return conv; }

        /** Sums the 3×3 taps per phase: rows (dy=0): {−1: k0, 0: k1+k2}, (dy=1): {0: k0+k1, +1: k2}; columns alike. */
        static Tensor[] phases(Backend b, Tensor w3) {
            int o = w3.dim(0), c = w3.dim(1);
            float[] w = b.toHost(w3).toFloatArray(); // (O, C, 3, 3)
            int[][][] taps = {{{0}, {1, 2}}, {{0, 1}, {2}}}; // [parity][tap of the 2-wide window] → 3×3 indices
            Tensor[] out = new Tensor[4];
            for (int dy = 0; dy < 2; dy++) {
                for (int dx = 0; dx < 2; dx++) {
                    float[] p = new float[o * c * 4];
                    for (int oc = 0; oc < o * c; oc++) {
                        for (int ry = 0; ry < 2; ry++) {
                            for (int rx = 0; rx < 2; rx++) {
                                float sum = 0;
                                for (int ky : taps[dy][ry]) for (int kx : taps[dx][rx]) sum += w[oc * 9 + ky * 3 + kx];
                                p[oc * 4 + ry * 2 + rx] = sum;
                            }
                        }
                    }
                    // F32 even for a half checkpoint: rounding the tap sums to fp16 would move results by ~1e-3
                    out[dy * 2 + dx] = b.toDevice(Tensor.fromFloats(p, o, c, 2, 2));
                }
            }
            return out;
        }

        /** @param outH target height (≤ 0: twice the input), {@code outW} likewise */
        public Tensor forward(Backend b, Tensor x, int outH, int outW) {
            int n = x.dim(0), h = x.dim(2), w = x.dim(3);
            int th = outH > 0 ? outH : 2 * h, tw = outW > 0 ? outW : 2 * w;
            try (Scope s = Scope.open()) {
                if (th != 2 * h || tw != 2 * w || !phaseDecomposition) {
                    Tensor up = upsampleNearest(b, x, th, tw);
                    return s.keep(conv.forward(b, up));
                }
                int o = conv.outChannels();
                Tensor out = b.empty(DType.F32, n, o, th, tw);
                Tensor phased = out.view(n, o, h, 2, w, 2);
                for (int dy = 0; dy < 2; dy++) {
                    for (int dx = 0; dx < 2; dx++) {
                        // dy = 0 reads rows i−1, i (pad one on top); dy = 1 reads rows i, i+1 (pad one below)
                        int[] pad = {dy == 0 ? 1 : 0, dy == 0 ? 0 : 1, dx == 0 ? 1 : 0, dx == 0 ? 0 : 1};
                        Tensor ph = b.conv(x, phaseWeights[dy * 2 + dx], bias, new int[] {1, 1}, pad, null, 1);
                        b.copy(ph, phased.select(5, dx).select(3, dy));
                        ph.close();
                    }
                }
                return s.keep(out);
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
