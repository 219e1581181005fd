package dev.codi4j.models.diffusion.schedulers;

import dev.codi4j.loaders.config.SchedulerConfig;

/**
 * Euler's method in σ-space (Karras et al. 2022, Algorithm 2 without churn), diffusers'
 * {@code EulerDiscreteScheduler}; optional Karras σ spacing. Timesteps are fractional.
 * Stochastic churn ({@code s_churn}) is not implemented: the step is deterministic.
 */
public final class EulerDiscreteScheduler implements Scheduler {
    private final SchedulerConfig c;
    private final NoiseSchedule sched;
    private float[] timesteps, sigmas;

    public EulerDiscreteScheduler(SchedulerConfig c) {
        if (!c.interpolation_type().equals("linear")) throw new IllegalArgumentException("Euler interpolation_type '" + c.interpolation_type() + "' is not supported; codi4j implements linear");
        if (!c.timestep_type().equals("discrete")) throw new IllegalArgumentException("Euler timestep_type '" + c.timestep_type() + "' is not supported; codi4j implements discrete");
        this.c = c;
        this.sched = NoiseSchedule.of(c).forSigmaSpace(c);
    }

    @Override public SchedulerConfig config() { return c; }
    @Override public String name() { return c.use_karras_sigmas() ? "euler-karras" : "euler"; }

    @Override public void setTimesteps(int n) {
        float[] ts = Spacing.continuous(c, n);
        float[] table = sched.karrasSigmas();
        float[] logTable = SigmaTables.logs(table);
        double[] s = new double[ts.length];
        for (int i = 0; i < ts.length; i++) s[i] = Np.interpIndex(ts[i], table);
        if (c.use_karras_sigmas()) {
            double smin = c.sigma_min() != null ? c.sigma_min() : s[s.length - 1];
            double smax = c.sigma_max() != null ? c.sigma_max() : s[0];
            s = SigmaTables.karras(smax, smin, n);
            ts = new float[n];
            for (int i = 0; i < n; i++) ts[i] = (float) SigmaTables.sigmaToT(s[i], logTable);
        }
        sigmas = new float[s.length + 1];
        for (int i = 0; i < s.length; i++) sigmas[i] = (float) s[i];
        timesteps = ts;
    }

    @Override public float[] timesteps() { return requireTimesteps().clone(); }

    @Override public float initNoiseSigma() {
        float max = sigmas == null ? SigmaTables.max(sched.karrasSigmas()) : SigmaTables.max(sigmas);
        return c.timestep_spacing().equals("linspace") || c.timestep_spacing().equals("trailing") ? max : Spacing.sqrt(max * max + 1f);
    }

    @Override public float[] scaleModelInput(float[] sample, int index) {
        requireTimesteps();
        float sigma = sigmas[index];
        float d = Spacing.sqrt(sigma * sigma + 1f);
        float[] out = new float[sample.length];
        for (int i = 0; i < out.length; i++) out[i] = sample[i] / d;
        return out;
    }

    @Override public float[] step(float[] mo, int index, float[] sample, NoiseSource noise) {
        requireTimesteps();
        float sigma = sigmas[index], sigmaHat = sigma;
        int n = sample.length;
        float[] x0 = new float[n];
        switch (c.prediction_type()) {
            case "sample" -> System.arraycopy(mo, 0, x0, 0, n);
            case "epsilon" -> { for (int i = 0; i < n; i++) x0[i] = sample[i] - sigmaHat * mo[i]; }
            case "v_prediction" -> {
                float s2 = sigma * sigma + 1f;
                float a = -sigma / Spacing.sqrt(s2);
                for (int i = 0; i < n; i++) x0[i] = mo[i] * a + sample[i] / s2;
            }
            default -> throw new IllegalArgumentException("prediction_type " + c.prediction_type());
        }
        float dt = sigmas[index + 1] - sigmaHat;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            float derivative = (sample[i] - x0[i]) / sigmaHat;
            out[i] = sample[i] + derivative * dt;
        }
        return out;
    }

    @Override public float[] addNoise(float[] original, float[] noise, int index) {
        requireTimesteps();
        float sigma = sigmas[index];
        float[] out = new float[original.length];
        for (int i = 0; i < out.length; i++) out[i] = original[i] + noise[i] * sigma;
        return out;
    }

    /** σ per step plus the final 0 (a copy). */
    public float[] sigmas() { requireTimesteps(); return sigmas.clone(); }

    private float[] requireTimesteps() {
        if (timesteps == null) throw new IllegalStateException("call setTimesteps before stepping the scheduler");
        return timesteps;
    }
}
