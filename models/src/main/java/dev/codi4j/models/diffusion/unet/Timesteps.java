package dev.codi4j.models.diffusion.unet;

import dev.codi4j.tensor.Tensor;

/**
 * Sinusoidal embeddings of (possibly fractional) timesteps, diffusers' {@code get_timestep_embedding}
 * (DDPM's positional encoding): frequencies exp(−ln(max_period)·i/(half − shift)) in float32, the
 * products and sin/cos in float32 as torch computes them, cosines first when {@code flipSinToCos}.
 */
public final class Timesteps {
    private Timesteps() {}

    /** (N) timesteps → (N, dim) host tensor. */
    public static Tensor embedding(float[] timesteps, int dim, boolean flipSinToCos, double downscaleFreqShift) {
        return Tensor.fromFloats(embed(timesteps, dim, flipSinToCos, downscaleFreqShift, 1.0, 10000), timesteps.length, dim);
    }

    /** The same as a flat row-major array (N × dim). */
    public static float[] embed(float[] timesteps, int dim, boolean flipSinToCos, double downscaleFreqShift, double scale, int maxPeriod) {
        int half = dim / 2;
        float[] freq = new float[half];
        float logMax = (float) -Math.log(maxPeriod);
        float denom = (float) (half - downscaleFreqShift);
        for (int i = 0; i < half; i++) freq[i] = (float) Math.exp(logMax * (float) i / denom);
        float[] out = new float[timesteps.length * dim];
        for (int n = 0; n < timesteps.length; n++) {
            int row = n * dim;
            for (int i = 0; i < half; i++) {
                float a = timesteps[n] * freq[i];
                if (scale != 1) a = (float) (scale * a);
                float s = (float) Math.sin(a), c = (float) Math.cos(a);
                if (flipSinToCos) { out[row + i] = c; out[row + half + i] = s; }
                else { out[row + i] = s; out[row + half + i] = c; }
            }
        }
        return out;
    }
}
