package dev.codi4j.models.diffusion.schedulers;

import dev.codi4j.loaders.config.SchedulerConfig;

/**
 * DPM-Solver(++) multistep (Lu et al. 2022), diffusers' {@code DPMSolverMultistepScheduler}: orders
 * 1–3, midpoint or Heun second-order update, optional Karras σ spacing ("DPM++ 2M Karras"), lower-order
 * final steps. The SDE variants are not implemented.
 */
public final class DPMSolverMultistepScheduler implements Scheduler {
    private final SchedulerConfig c;
    private final NoiseSchedule sched;
    private final boolean plusPlus;
    private int[] timesteps;
    private float[] sigmas;
    private float[][] modelOutputs;
    private int lowerOrderNums;

    public DPMSolverMultistepScheduler(SchedulerConfig c) {
        this.c = c;
        this.sched = NoiseSchedule.of(c).forSigmaSpace(c);
        this.plusPlus = c.algorithm_type().equals("dpmsolver++");
        if (!plusPlus && !c.algorithm_type().equals("dpmsolver")) throw new IllegalArgumentException("DPM-Solver algorithm_type '" + c.algorithm_type() + "' is not implemented; codi4j implements dpmsolver++ and dpmsolver");
        if (!c.solver_type().equals("midpoint") && !c.solver_type().equals("heun")) throw new IllegalArgumentException("DPM-Solver solver_type '" + c.solver_type() + "' is not one of midpoint, heun");
        if (c.solver_order() < 1 || c.solver_order() > 3) throw new IllegalArgumentException("DPM-Solver solver_order " + c.solver_order() + " is not 1, 2 or 3");
        if (!c.final_sigmas_type().equals("zero") && !c.final_sigmas_type().equals("sigma_min")) throw new IllegalArgumentException("final_sigmas_type '" + c.final_sigmas_type() + "' is not one of zero, sigma_min");
        if (!plusPlus && c.final_sigmas_type().equals("zero")) throw new IllegalArgumentException("final_sigmas_type 'zero' needs algorithm_type dpmsolver++ (diffusers refuses it too); use sigma_min");
    }

    @Override public SchedulerConfig config() { return c; }
    @Override public String name() { return (plusPlus ? "dpm++" : "dpm") + c.solver_order() + "m" + (c.use_karras_sigmas() ? "-karras" : ""); }
    @Override public float initNoiseSigma() { return 1f; }

    @Override public void setTimesteps(int n) {
        Spacing.checkSteps(c, n);
        int T = c.num_train_timesteps();
        float[] table = sched.karrasSigmas();
        int lastTimestep = T - clippedIndex();
        int[] ts;
        switch (c.timestep_spacing()) {
            case "linspace" -> {
                double[] l = Np.linspace(0, lastTimestep - 1, n + 1);
                ts = new int[n];
                for (int i = 0; i < n; i++) ts[i] = (int) Np.round(l[n - i]);
            }
            case "leading" -> {
                int ratio = lastTimestep / (n + 1);
                ts = new int[n];
                for (int i = 0; i < n; i++) ts[i] = (n - i) * ratio + c.steps_offset();
            }
            case "trailing" -> {
                double[] a = Np.arange(lastTimestep, 0, -((double) T / n));
                ts = new int[a.length];
                for (int i = 0; i < a.length; i++) ts[i] = (int) Np.round(a[i]) - 1;
            }
            default -> throw new IllegalArgumentException("timestep_spacing " + c.timestep_spacing());
        }
        double[] s;
        if (c.use_karras_sigmas()) {
            float[] logTable = SigmaTables.logs(table);
            double smin = c.sigma_min() != null ? c.sigma_min() : table[0];
            double smax = c.sigma_max() != null ? c.sigma_max() : table[table.length - 1];
            s = SigmaTables.karras(smax, smin, n);
            ts = new int[n];
            for (int i = 0; i < n; i++) ts[i] = (int) Np.round(SigmaTables.sigmaToT(s[i], logTable));
        } else {
            s = new double[ts.length];
            for (int i = 0; i < ts.length; i++) s[i] = Np.interpIndex(ts[i], table);
        }
        double last = c.final_sigmas_type().equals("sigma_min") ? table[0] : 0;
        sigmas = new float[s.length + 1];
        for (int i = 0; i < s.length; i++) sigmas[i] = (float) s[i];
        sigmas[s.length] = (float) last;
        timesteps = ts;
        modelOutputs = new float[c.solver_order()][];
        lowerOrderNums = 0;
    }

    /** torch.searchsorted(flip(λ_t), lambda_min_clipped): how many of the noisiest timesteps are clipped. */
    private int clippedIndex() {
        double lmin = c.lambda_min_clipped();
        if (lmin == Double.NEGATIVE_INFINITY) return 0;
        float[] ac = sched.alphasCumprod();
        int n = ac.length, idx = 0;
        for (int i = n - 1; i >= 0; i--) { // flipped: ascending λ
            float lam = (float) Math.log(Spacing.sqrt(ac[i])) - (float) Math.log(Spacing.sqrt(1f - ac[i]));
            if (lam >= lmin) break;
            idx++;
        }
        return idx;
    }

    @Override public float[] timesteps() { return Spacing.toFloat(requireTimesteps()); }

    @Override public float[] scaleModelInput(float[] sample, int index) { return sample; }

    private static float alphaOf(float sigma) { return 1f / Spacing.sqrt(sigma * sigma + 1f); }

    private static float lambda(float alpha, float sigmaT) { return (float) Math.log(alpha) - (float) Math.log(sigmaT); }

    @Override public float[] step(float[] mo, int index, float[] sample, NoiseSource noise) {
        int[] ts = requireTimesteps();
        int len = ts.length;
        boolean lowerFinal = index == len - 1 && (c.euler_at_final() || (c.lower_order_final() && len < 15) || c.final_sigmas_type().equals("zero"));
        boolean lowerSecond = index == len - 2 && c.lower_order_final() && len < 15;
        float[] m = convert(mo, index, sample);
        int order = c.solver_order();
        for (int i = 0; i < order - 1; i++) modelOutputs[i] = modelOutputs[i + 1];
        modelOutputs[order - 1] = m;
        float[] prev;
        if (order == 1 || lowerOrderNums < 1 || lowerFinal) prev = firstOrder(m, index, sample);
        else if (order == 2 || lowerOrderNums < 2 || lowerSecond) prev = secondOrder(index, sample);
        else prev = thirdOrder(index, sample);
        if (lowerOrderNums < order) lowerOrderNums++;
        return prev;
    }

    /** The model output as the solver's variable: x̂₀ for DPM-Solver++, ε for DPM-Solver. */
    private float[] convert(float[] mo, int index, float[] sample) {
        float sigma = sigmas[index];
        float a = alphaOf(sigma), s = sigma * a;
        int n = mo.length;
        float[] out = new float[n];
        String p = c.prediction_type();
        if (plusPlus) {
            switch (p) {
                case "epsilon" -> { for (int i = 0; i < n; i++) out[i] = (sample[i] - s * mo[i]) / a; }
                case "sample" -> System.arraycopy(mo, 0, out, 0, n);
                case "v_prediction" -> { for (int i = 0; i < n; i++) out[i] = a * sample[i] - s * mo[i]; }
                default -> throw new IllegalArgumentException("prediction_type " + p);
            }
        } else {
            switch (p) {
                case "epsilon" -> System.arraycopy(mo, 0, out, 0, n);
                case "sample" -> { for (int i = 0; i < n; i++) out[i] = (sample[i] - a * mo[i]) / s; }
                case "v_prediction" -> { for (int i = 0; i < n; i++) out[i] = a * mo[i] + s * sample[i]; }
                default -> throw new IllegalArgumentException("prediction_type " + p);
            }
        }
        return out;
    }

    private float[] firstOrder(float[] m, int index, float[] sample) {
        float st = sigmas[index + 1], ss = sigmas[index];
        float at = alphaOf(st), as = alphaOf(ss);
        st = st * at;
        ss = ss * as;
        float h = lambda(at, st) - lambda(as, ss);
        int n = sample.length;
        float[] out = new float[n];
        if (plusPlus) {
            float c1 = st / ss, c2 = at * ((float) Math.exp(-h) - 1f);
            for (int i = 0; i < n; i++) out[i] = c1 * sample[i] - c2 * m[i];
        } else {
            float c1 = at / as, c2 = st * ((float) Math.exp(h) - 1f);
            for (int i = 0; i < n; i++) out[i] = c1 * sample[i] - c2 * m[i];
        }
        return out;
    }

    private float[] secondOrder(int index, float[] sample) {
        float st = sigmas[index + 1], s0 = sigmas[index], s1 = sigmas[index - 1];
        float at = alphaOf(st), a0 = alphaOf(s0), a1 = alphaOf(s1);
        st *= at;
        s0 *= a0;
        s1 *= a1;
        float lt = lambda(at, st), l0 = lambda(a0, s0), l1 = lambda(a1, s1);
        float[] m0 = modelOutputs[modelOutputs.length - 1], m1 = modelOutputs[modelOutputs.length - 2];
        float h = lt - l0, h0 = l0 - l1;
        float r0 = h0 / h;
        float invR0 = 1f / r0;
        int n = sample.length;
        float[] out = new float[n];
        if (plusPlus) {
            float em = (float) Math.exp(-h) - 1f;
            float c1 = st / s0, c2 = at * em;
            float c3 = c.solver_type().equals("midpoint") ? 0.5f * (at * em) : at * (em / h + 1f);
            boolean mid = c.solver_type().equals("midpoint");
            for (int i = 0; i < n; i++) {
                float d1 = invR0 * (m0[i] - m1[i]);
                out[i] = mid ? c1 * sample[i] - c2 * m0[i] - c3 * d1 : c1 * sample[i] - c2 * m0[i] + c3 * d1;
            }
        } else {
            float ep = (float) Math.exp(h) - 1f;
            float c1 = at / a0, c2 = st * ep;
            float c3 = c.solver_type().equals("midpoint") ? 0.5f * (st * ep) : st * (ep / h - 1f);
            for (int i = 0; i < n; i++) {
                float d1 = invR0 * (m0[i] - m1[i]);
                out[i] = c1 * sample[i] - c2 * m0[i] - c3 * d1;
            }
        }
        return out;
    }

    private float[] thirdOrder(int index, float[] sample) {
        float st = sigmas[index + 1], s0 = sigmas[index], s1 = sigmas[index - 1], s2 = sigmas[index - 2];
        float at = alphaOf(st), a0 = alphaOf(s0), a1 = alphaOf(s1), a2 = alphaOf(s2);
        st *= at;
        s0 *= a0;
        s1 *= a1;
        s2 *= a2;
        float lt = lambda(at, st), l0 = lambda(a0, s0), l1 = lambda(a1, s1), l2 = lambda(a2, s2);
        int k = modelOutputs.length;
        float[] m0 = modelOutputs[k - 1], m1 = modelOutputs[k - 2], m2 = modelOutputs[k - 3];
        float h = lt - l0, h0 = l0 - l1, h1 = l1 - l2;
        float r0 = h0 / h, r1 = h1 / h;
        float i0 = 1f / r0, i1 = 1f / r1, w = r0 / (r0 + r1), i01 = 1f / (r0 + r1);
        int n = sample.length;
        float[] out = new float[n];
        if (plusPlus) {
            float em = (float) Math.exp(-h) - 1f;
            float c1 = st / s0, c2 = at * em, c3 = at * (em / h + 1f), c4 = at * (((float) Math.exp(-h) - 1f + h) / (h * h) - 0.5f);
            for (int i = 0; i < n; i++) {
                float d10 = i0 * (m0[i] - m1[i]), d11 = i1 * (m1[i] - m2[i]);
                float d1 = d10 + w * (d10 - d11), d2 = i01 * (d10 - d11);
                out[i] = c1 * sample[i] - c2 * m0[i] + c3 * d1 - c4 * d2;
            }
        } else {
            float ep = (float) Math.exp(h) - 1f;
            float c1 = at / a0, c2 = st * ep, c3 = st * (ep / h - 1f), c4 = st * (((float) Math.exp(h) - 1f - h) / (h * h) - 0.5f);
            for (int i = 0; i < n; i++) {
                float d10 = i0 * (m0[i] - m1[i]), d11 = i1 * (m1[i] - m2[i]);
                float d1 = d10 + w * (d10 - d11), d2 = i01 * (d10 - d11);
                out[i] = c1 * sample[i] - c2 * m0[i] - c3 * d1 - c4 * d2;
            }
        }
        return out;
    }

    @Override public float[] addNoise(float[] original, float[] noise, int index) {
        requireTimesteps();
        float sigma = sigmas[index];
        float a = alphaOf(sigma), s = sigma * a;
        float[] out = new float[original.length];
        for (int i = 0; i < out.length; i++) out[i] = a * original[i] + s * noise[i];
        return out;
    }

    private int[] requireTimesteps() {
        if (timesteps == null) throw new IllegalStateException("call setTimesteps before stepping the scheduler");
        return timesteps;
    }
}
