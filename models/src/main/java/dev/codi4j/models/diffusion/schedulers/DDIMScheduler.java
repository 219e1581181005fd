package dev.codi4j.models.diffusion.schedulers;

import dev.codi4j.loaders.config.SchedulerConfig;

/**
 * DDIM (Song et al. 2020), diffusers' {@code DDIMScheduler}: deterministic for η = 0 (the default;
 * {@link #eta(float)} sets it), epsilon / v / sample prediction, optional clipping of x̂₀.
 */
public final class DDIMScheduler implements Scheduler {
    private final SchedulerConfig c;
    private final NoiseSchedule sched;
    private final float finalAlphaCumprod;
    private int[] timesteps;
    private int numInferenceSteps;
    private float eta;

    public DDIMScheduler(SchedulerConfig c) {
        this.c = c;
        this.sched = NoiseSchedule.of(c);
        this.finalAlphaCumprod = c.set_alpha_to_one() ? 1f : sched.alphaCumprod(0);
    }

    public DDIMScheduler eta(float eta) { this.eta = eta; return this; }

    @Override public SchedulerConfig config() { return c; }
    @Override public String name() { return "ddim"; }
    @Override public float initNoiseSigma() { return 1f; }

    @Override public void setTimesteps(int n) {
        timesteps = Spacing.discrete(c, n);
        numInferenceSteps = n;
    }

    @Override public float[] timesteps() { return Spacing.toFloat(requireTimesteps()); }

    @Override public float[] scaleModelInput(float[] sample, int index) { return sample; }

    @Override public float[] step(float[] mo, int index, float[] sample, NoiseSource noise) {
        int t = requireTimesteps()[index];
        int prev = t - c.num_train_timesteps() / numInferenceSteps;
        float aT = sched.alphaCumprod(t);
        float aPrev = prev >= 0 ? sched.alphaCumprod(prev) : finalAlphaCumprod;
        float bT = 1f - aT;
        float sqA = Spacing.sqrt(aT), sqB = Spacing.sqrt(bT);
        int n = sample.length;
        float[] x0 = new float[n], eps = new float[n];
        switch (c.prediction_type()) {
            case "epsilon" -> { for (int i = 0; i < n; i++) { x0[i] = (sample[i] - sqB * mo[i]) / sqA; eps[i] = mo[i]; } }
            case "sample" -> { for (int i = 0; i < n; i++) { x0[i] = mo[i]; eps[i] = (sample[i] - sqA * x0[i]) / sqB; } }
            case "v_prediction" -> { for (int i = 0; i < n; i++) { x0[i] = sqA * sample[i] - sqB * mo[i]; eps[i] = sqA * mo[i] + sqB * sample[i]; } }
            default -> throw new IllegalArgumentException("prediction_type " + c.prediction_type());
        }
        if (c.clip_sample()) {
            float r = (float) c.clip_sample_range();
            for (int i = 0; i < n; i++) x0[i] = Math.min(Math.max(x0[i], -r), r);
        }
        float variance = ((1f - aPrev) / bT) * (1f - aT / aPrev);
        float std = eta * Spacing.sqrt(variance);
        float dirCoef = Spacing.sqrt(1f - aPrev - std * std), sqAPrev = Spacing.sqrt(aPrev);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = sqAPrev * x0[i] + dirCoef * eps[i];
        if (eta > 0) {
            float[] z = noise.gaussian(n);
            for (int i = 0; i < n; i++) out[i] = out[i] + std * z[i];
        }
        return out;
    }

    @Override public float[] addNoise(float[] original, float[] noise, int index) {
        float[] out = new float[original.length];
        sched.addNoise(original, noise, requireTimesteps()[index], out);
        return out;
    }

    private int[] requireTimesteps() {
        if (timesteps == null) throw new IllegalStateException("call setTimesteps before stepping the scheduler");
        return timesteps;
    }
}
