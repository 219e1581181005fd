package dev.codi4j.models.diffusion.schedulers;

import dev.codi4j.loaders.config.SchedulerConfig;

/**
 * The training noise schedule shared by every scheduler: betas and their cumulative products
 * ᾱ_t = Π(1 − β), computed in float32 as diffusers does (torch.linspace, then a cumulative product
 * accumulated in double and stored as float, which is what torch.cumprod does on CPU).
 */
public final class NoiseSchedule {
    private final float[] betas;
    private final float[] alphasCumprod;

    private NoiseSchedule(float[] betas, boolean rescaleZeroSnr) {
        if (rescaleZeroSnr) betas = rescaleZeroTerminalSnr(betas);
        this.betas = betas;
        this.alphasCumprod = cumprod(betas);
    }

    private NoiseSchedule(float[] betas, float[] alphasCumprod) {
        this.betas = betas;
        this.alphasCumprod = alphasCumprod;
    }

    /**
     * The schedule as diffusers' σ-space schedulers (Euler, DPM-Solver) hold it: with a zero-terminal-SNR
     * rescale they replace the last ᾱ (exactly 0, an infinite σ) by 2⁻²⁴.
     */
    NoiseSchedule forSigmaSpace(SchedulerConfig c) {
        if (!c.rescale_betas_zero_snr()) return this;
        float[] ac = alphasCumprod.clone();
        ac[ac.length - 1] = 0x1p-24f;
        return new NoiseSchedule(betas, ac);
    }

    public static NoiseSchedule of(SchedulerConfig c) {
        int T = c.num_train_timesteps();
        float[] betas;
        if (c.trained_betas() != null) {
            betas = new float[T];
            for (int i = 0; i < T; i++) betas[i] = (float) c.trained_betas()[i];
        } else {
            betas = switch (c.beta_schedule()) {
                case "linear" -> Np.torchLinspaceF32(c.beta_start(), c.beta_end(), T);
                case "scaled_linear" -> {
                    float[] b = Np.torchLinspaceF32(Math.sqrt(c.beta_start()), Math.sqrt(c.beta_end()), T);
                    for (int i = 0; i < T; i++) b[i] = b[i] * b[i];
                    yield b;
                }
                case "squaredcos_cap_v2" -> cosine(T, 0.999);
                default -> throw new IllegalArgumentException("beta_schedule '" + c.beta_schedule() + "' is not supported");
            };
        }
        return new NoiseSchedule(betas, c.rescale_betas_zero_snr());
    }

    /** β_t (a copy). */
    public float[] betas() { return betas.clone(); }

    /** ᾱ_t for t in [0, T) (a copy). */
    public float[] alphasCumprod() { return alphasCumprod.clone(); }

    public float alphaCumprod(int t) {
        if (t < 0 || t >= alphasCumprod.length) throw new IllegalArgumentException("timestep " + t + " is outside [0, " + alphasCumprod.length + ")");
        return alphasCumprod[t];
    }

    public int length() { return alphasCumprod.length; }

    /** σ_t = sqrt((1 − ᾱ)/ᾱ) per training timestep, in float32 as diffusers' Karras-style schedulers build it. */
    float[] karrasSigmas() {
        float[] s = new float[alphasCumprod.length];
        for (int i = 0; i < s.length; i++) {
            float a = alphasCumprod[i];
            s[i] = (float) Math.sqrt((1f - a) / a);
        }
        return s;
    }

    /** DDPM/DDIM forward noising: sqrt(ᾱ_t)·x + sqrt(1 − ᾱ_t)·noise, into {@code out}. */
    public void addNoise(float[] x, float[] noise, int t, float[] out) {
        float a = alphaCumprod(t);
        float sa = (float) Math.sqrt(a), s1 = (float) Math.sqrt(1f - a);
        for (int i = 0; i < x.length; i++) out[i] = sa * x[i] + s1 * noise[i];
    }

    /** The squared-cosine schedule (Nichol & Dhariwal), in float64 then stored as float32. */
    private static float[] cosine(int T, double maxBeta) {
        float[] b = new float[T];
        for (int i = 0; i < T; i++) {
            double t1 = (double) i / T, t2 = (double) (i + 1) / T;
            b[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), maxBeta);
        }
        return b;
    }

    private static double alphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    private static float[] cumprod(float[] betas) {
        float[] ac = new float[betas.length];
        double acc = 1;
        for (int i = 0; i < betas.length; i++) {
            acc *= (1f - betas[i]);
            ac[i] = (float) acc;
        }
        return ac;
    }

    /** Lin et al. 2023, Algorithm 1, in float32 as diffusers' rescale_zero_terminal_snr. */
    private static float[] rescaleZeroTerminalSnr(float[] betas) {
        int n = betas.length;
        float[] ac = cumprod(betas);
        float[] s = new float[n];
        for (int i = 0; i < n; i++) s[i] = (float) Math.sqrt(ac[i]);
        float s0 = s[0], sT = s[n - 1];
        float k = s0 / (s0 - sT);
        for (int i = 0; i < n; i++) { s[i] -= sT; s[i] *= k; }
        float[] out = new float[n];
        float prev = 0;
        for (int i = 0; i < n; i++) {
            float bar = s[i] * s[i];
            float alpha = i == 0 ? bar : bar / prev;
            out[i] = 1f - alpha;
            prev = bar;
        }
        return out;
    }
}
