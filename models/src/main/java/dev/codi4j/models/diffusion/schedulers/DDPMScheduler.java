package dev.codi4j.models.diffusion.schedulers;

import dev.codi4j.loaders.config.SchedulerConfig;

/**
 * DDPM ancestral sampling (Ho et al. 2020), diffusers' {@code DDPMScheduler} with the fixed variances.
 * Also the unCLIP image-embedding noiser: {@link #noiseSchedule()} gives its {@code add_noise}.
 */
public final class DDPMScheduler implements Scheduler {
    private final SchedulerConfig c;
    private final NoiseSchedule sched;
    private int[] timesteps;
    private int numInferenceSteps;

    public DDPMScheduler(SchedulerConfig c) {
        String v = c.variance_type();
        if (!java.util.Set.of("fixed_small", "fixed_small_log", "fixed_large").contains(v))
            throw new IllegalArgumentException("DDPM variance_type '" + v + "' is not supported; codi4j implements fixed_small, fixed_small_log and fixed_large");
        this.c = c;
        this.sched = NoiseSchedule.of(c);
    }

    public NoiseSchedule noiseSchedule() { return sched; }

    @Override public SchedulerConfig config() { return c; }
    @Override public String name() { return "ddpm"; }
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
        float aT = sched.alphaCumprod(t), aPrev = prev >= 0 ? sched.alphaCumprod(prev) : 1f;
        float bT = 1f - aT, bPrev = 1f - aPrev;
        float curAlpha = aT / aPrev, curBeta = 1f - curAlpha;
        int n = sample.length;
        float[] x0 = new float[n];
        float sqA = Spacing.sqrt(aT), sqB = Spacing.sqrt(bT);
        switch (c.prediction_type()) {
            case "epsilon" -> { for (int i = 0; i < n; i++) x0[i] = (sample[i] - sqB * mo[i]) / sqA; }
            case "sample" -> System.arraycopy(mo, 0, x0, 0, n);
            case "v_prediction" -> { for (int i = 0; i < n; i++) x0[i] = sqA * sample[i] - sqB * mo[i]; }
            default -> throw new IllegalArgumentException("prediction_type " + c.prediction_type());
        }
        if (c.clip_sample()) {
            float r = (float) c.clip_sample_range();
            for (int i = 0; i < n; i++) x0[i] = Math.min(Math.max(x0[i], -r), r);
        }
        float x0Coef = Spacing.sqrt(aPrev) * curBeta / bT;
        float curCoef = Spacing.sqrt(curAlpha) * bPrev / bT;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = x0Coef * x0[i] + curCoef * sample[i];
        if (t > 0) {
            float[] z = noise.gaussian(n);
            float variance = Math.max(bPrev / bT * curBeta, 1e-20f);
            float scale = switch (c.variance_type()) {
                case "fixed_small" -> Spacing.sqrt(variance);
                case "fixed_small_log" -> (float) Math.exp(0.5f * (float) Math.log(variance));
                case "fixed_large" -> Spacing.sqrt(curBeta);
                default -> throw new IllegalArgumentException("variance_type " + c.variance_type());
            };
            for (int i = 0; i < n; i++) out[i] = out[i] + scale * z[i];
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
