package dev.codi4j.models.diffusion.schedulers;

import dev.codi4j.tensor.Sampling;

/** Standard-normal noise for stochastic scheduler steps and initial latents. */
@FunctionalInterface
public interface NoiseSource {
    /** {@code n} fresh N(0, 1) values. */
    float[] gaussian(int n);

    /** Noise from codi4j's seeded generator: the same seed gives the same values on every JVM. */
    static NoiseSource of(Sampling.Rng rng) {
        return n -> {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
            return v;
        };
    }

    /** For deterministic schedulers: asking for noise is a bug. */
    NoiseSource NONE = n -> { throw new IllegalStateException("this scheduler step needs noise but none was given"); };
}
