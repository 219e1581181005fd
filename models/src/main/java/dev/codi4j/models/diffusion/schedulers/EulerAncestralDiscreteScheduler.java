package dev.codi4j.models.diffusion.schedulers;

import dev.codi4j.loaders.config.SchedulerConfig;

/**
 * Ancestral Euler sampling in σ-space (k-diffusion's {@code sample_euler_ancestral}), diffusers'
 * {@code EulerAncestralDiscreteScheduler}: each step goes to σ_down and adds fresh noise of σ_up.
 */
public final class EulerAncestralDiscreteScheduler implements Scheduler {
    private final SchedulerConfig c;
    private final NoiseSchedule sched;
    private float[] timesteps, sigmas;

    public EulerAncestralDiscreteScheduler(SchedulerConfig c) {
        if (c.prediction_type().equals("sample")) throw new IllegalArgumentException("EulerAncestralDiscreteScheduler does not implement prediction_type 'sample' (neither does diffusers)");
        this.c = c;
        this.sched = NoiseSchedule.of(c).forSigmaSpace(c);
    }

    @Override public SchedulerConfig config() { return c; }
    @Override public String name() { return "euler_a"; }

    @Override public void setTimesteps(int n) {
        float[] ts = Spacing.continuous(c, n);
        float[] table = sched.karrasSigmas();
        sigmas = new float[ts.length + 1];
        for (int i = 0; i < ts.length; i++) sigmas[i] = (float) Np.interpIndex(ts[i], table);
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
        float sigma = sigmas[index];
        int n = sample.length;
        float[] x0 = new float[n];
        if (c.prediction_type().equals("epsilon")) {
            for (int i = 0; i < n; i++) x0[i] = sample[i] - sigma * mo[i];
        } else {
            float s2 = sigma * sigma + 1f;
            float a = -sigma / Spacing.sqrt(s2);
            for (int i = 0; i < n; i++) x0[i] = mo[i] * a + sample[i] / s2;
        }
        float from = sigmas[index], to = sigmas[index + 1];
        float up = Spacing.sqrt(to * to * (from * from - to * to) / (from * from));
        float down = Spacing.sqrt(to * to - up * up);
        float dt = down - sigma;
        float[] z = noise.gaussian(n);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            float derivative = (sample[i] - x0[i]) / sigma;
            out[i] = sample[i] + derivative * dt + z[i] * up;
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

    private float[] requireTimesteps() {
        if (timesteps == null) throw new IllegalStateException("call setTimesteps before stepping the scheduler");
        return timesteps;
    }
}
