package dev.codi4j.models.diffusion.pipelines;

import dev.codi4j.loaders.config.SchedulerConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.schedulers.NoiseSchedule;
import dev.codi4j.models.diffusion.unet.Timesteps;
import dev.codi4j.tensor.DType;

/**
 * unCLIP's conditioning on an image embedding, exactly as diffusers' {@code noise_image_embeddings}
 * (StableUnCLIPImg2ImgPipeline): normalise with the checkpoint's {@code image_normalizer}
 * (StableUnCLIPImageNormalizer: (x − mean)/std), noise to {@code noise_level} with the
 * {@code image_noising_scheduler}'s {@code add_noise}, un-normalise (x·std + mean), and append the
 * sinusoidal embedding of the noise level (flip_sin_to_cos, shift 0) of the same width. The result,
 * twice the embedding width (2048 for SD 2.1-unCLIP-h), is the UNet's class label.
 */
public final class UnClipNoiseAugmentation {
    private final float[] mean, std;
    private final NoiseSchedule noising;

    public UnClipNoiseAugmentation(float[] mean, float[] std, SchedulerConfig noisingScheduler) {
        if (mean.length != std.length) throw new IllegalArgumentException("image_normalizer mean has " + mean.length + " entries but std has " + std.length);
        this.mean = mean.clone();
        this.std = std.clone();
        this.noising = NoiseSchedule.of(noisingScheduler);
    }

    /** Reads {@code mean} and {@code std} ((1, D) upstream) of an {@code image_normalizer} checkpoint. */
    public static UnClipNoiseAugmentation load(Weights normalizer, int dim, SchedulerConfig noisingScheduler) {
        float[] m = normalizer.get("mean", DType.F32, 1, dim).toFloatArray();
        float[] s = normalizer.get("std", DType.F32, 1, dim).toFloatArray();
        return new UnClipNoiseAugmentation(m, s, noisingScheduler);
    }

    public int embeddingSize() { return mean.length; }

    /** Largest valid noise level (the noising scheduler's training steps − 1). */
    public int maxNoiseLevel() { return noising.length() - 1; }

    /**
     * @param embeds n embeddings, row-major (n × D)
     * @param noise n × D standard-normal values
     * @return n × 2D class labels: [noised embedding, noise-level embedding] per row
     */
    public float[] apply(float[] embeds, int n, int noiseLevel, float[] noise) {
        int d = mean.length;
        if (embeds.length != n * d) throw new IllegalArgumentException("expected " + n + " embeddings of " + d + " values, got " + embeds.length + " values");
        if (noiseLevel < 0 || noiseLevel > maxNoiseLevel()) throw new IllegalArgumentException("noise level " + noiseLevel + " is outside [0, " + maxNoiseLevel() + "]");
        float[] scaled = new float[n * d];
        for (int r = 0; r < n; r++) for (int i = 0; i < d; i++) scaled[r * d + i] = (embeds[r * d + i] - mean[i]) * 1.0f / std[i];
        float[] noised = new float[n * d];
        noising.addNoise(scaled, noise, noiseLevel, noised);
        float[] levels = new float[n];
        java.util.Arrays.fill(levels, noiseLevel);
        float[] sinus = Timesteps.embed(levels, d, true, 0, 1, 10000);
        float[] out = new float[n * 2 * d];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < d; i++) out[r * 2 * d + i] = noised[r * d + i] * std[i] + mean[i];
            System.arraycopy(sinus, r * d, out, r * 2 * d + d, d);
        }
        return out;
    }
}
