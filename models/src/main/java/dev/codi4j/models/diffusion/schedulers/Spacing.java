package dev.codi4j.models.diffusion.schedulers;

import dev.codi4j.loaders.config.SchedulerConfig;

/** The three {@code timestep_spacing} rules of diffusers, as each scheduler family spells them. */
final class Spacing {
    private Spacing() {}

    static void checkSteps(SchedulerConfig c, int n) {
        if (n < 1) throw new IllegalArgumentException("the number of inference steps must be at least 1, got " + n);
        if (n > c.num_train_timesteps()) throw new IllegalArgumentException("num_inference_steps " + n + " cannot be larger than num_train_timesteps " + c.num_train_timesteps());
    }

    /** DDIM and DDPM: integer timesteps, descending. */
    static int[] discrete(SchedulerConfig c, int n) {
        checkSteps(c, n);
        int T = c.num_train_timesteps();
        return switch (c.timestep_spacing()) {
            case "linspace" -> {
                double[] l = Np.linspace(0, T - 1, n);
                int[] t = new int[n];
                for (int i = 0; i < n; i++) t[i] = (int) Np.round(l[n - 1 - i]);
                yield t;
            }
            case "leading" -> {
                int ratio = T / n;
                int[] t = new int[n];
                for (int i = 0; i < n; i++) t[i] = (n - 1 - i) * ratio + c.steps_offset();
                yield t;
            }
            case "trailing" -> {
                double[] a = Np.arange(T, 0, -((double) T / n));
                int[] t = new int[a.length];
                for (int i = 0; i < a.length; i++) t[i] = (int) Np.round(a[i]) - 1;
                yield t;
            }
            default -> throw new IllegalArgumentException("timestep_spacing '" + c.timestep_spacing() + "' is not supported");
        };
    }

    /** Euler-type schedulers: float timesteps, descending. */
    static float[] continuous(SchedulerConfig c, int n) {
        checkSteps(c, n);
        int T = c.num_train_timesteps();
        return switch (c.timestep_spacing()) {
            case "linspace" -> {
                double[] l = Np.linspace(0, T - 1, n);
                float[] t = new float[n];
                for (int i = 0; i < n; i++) t[i] = (float) l[n - 1 - i];
                yield t;
            }
            case "leading" -> {
                int ratio = T / n;
                float[] t = new float[n];
                for (int i = 0; i < n; i++) t[i] = (float) ((n - 1 - i) * ratio) + c.steps_offset();
                yield t;
            }
            case "trailing" -> {
                double[] a = Np.arange(T, 0, -((double) T / n));
                float[] t = new float[a.length];
                for (int i = 0; i < a.length; i++) t[i] = (float) Np.round(a[i]) - 1f;
                yield t;
            }
            default -> throw new IllegalArgumentException("timestep_spacing '" + c.timestep_spacing() + "' is not supported");
        };
    }

    static float[] toFloat(int[] t) {
        float[] f = new float[t.length];
        for (int i = 0; i < t.length; i++) f[i] = t[i];
        return f;
    }

    static float sqrt(float x) { return (float) Math.sqrt(x); }
}
