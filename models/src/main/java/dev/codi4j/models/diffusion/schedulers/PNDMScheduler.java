package dev.codi4j.models.diffusion.schedulers;

import dev.codi4j.loaders.config.SchedulerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Pseudo numerical methods (Liu et al. 2022), diffusers' {@code PNDMScheduler}: Runge–Kutta warm-up
 * steps (unless {@code skip_prk_steps}) followed by linear multistep; epsilon or v prediction.
 */
public final class PNDMScheduler implements Scheduler {
    private static final int PNDM_ORDER = 4;
    private final SchedulerConfig c;
    private final NoiseSchedule sched;
    private final float finalAlphaCumprod;
    private int numInferenceSteps;
    private int[] prk, plms, timesteps;
    private int counter;
    private List<float[]> ets;
    private float[] curModelOutput, curSample;

    public PNDMScheduler(SchedulerConfig c) {
        if (!c.prediction_type().equals("epsilon") && !c.prediction_type().equals("v_prediction")) throw new IllegalArgumentException("PNDM supports prediction_type epsilon or v_prediction, not " + c.prediction_type());
        this.c = c;
        this.sched = NoiseSchedule.of(c);
        this.finalAlphaCumprod = c.set_alpha_to_one() ? 1f : sched.alphaCumprod(0);
    }

    @Override public SchedulerConfig config() { return c; }
    @Override public String name() { return "pndm"; }
    @Override public float initNoiseSigma() { return 1f; }

    @Override public void setTimesteps(int n) {
        Spacing.checkSteps(c, n);
        int T = c.num_train_timesteps();
        numInferenceSteps = n;
        int[] base; // ascending
        switch (c.timestep_spacing()) {
            case "linspace" -> {
                double[] l = Np.linspace(0, T - 1, n);
                base = new int[n];
                for (int i = 0; i < n; i++) base[i] = (int) Np.round(l[i]);
            }
            case "leading" -> {
                int ratio = T / n;
                base = new int[n];
                for (int i = 0; i < n; i++) base[i] = i * ratio + c.steps_offset();
            }
            case "trailing" -> {
                double[] a = Np.arange(T, 0, -((double) T / n));
                base = new int[a.length];
                for (int i = 0; i < a.length; i++) base[i] = (int) Np.round(a[a.length - 1 - i]) - 1;
            }
            default -> throw new IllegalArgumentException("timestep_spacing " + c.timestep_spacing());
        }
        int m = base.length;
        if (c.skip_prk_steps()) {
            prk = new int[0];
            // concat(base[:-1], base[-2:-1], base[-1:]) reversed
            int[] cat = new int[m + 1];
            System.arraycopy(base, 0, cat, 0, m - 1);
            cat[m - 1] = base[m - 2];
            cat[m] = base[m - 1];
            plms = reverse(cat);
        } else {
            if (m < PNDM_ORDER) throw new IllegalArgumentException("PNDM with Runge–Kutta warm-up needs at least " + PNDM_ORDER + " steps, got " + n);
            int half = T / n / 2;
            int[] p = new int[2 * PNDM_ORDER];
            for (int i = 0; i < PNDM_ORDER; i++) {
                int v = base[m - PNDM_ORDER + i];
                p[2 * i] = v;
                p[2 * i + 1] = v + half;
            }
            // prk_timesteps[:-1].repeat(2)[1:-1][::-1]
            int[] rep = new int[2 * (p.length - 1)];
            for (int i = 0; i < p.length - 1; i++) { rep[2 * i] = p[i]; rep[2 * i + 1] = p[i]; }
            int[] cut = java.util.Arrays.copyOfRange(rep, 1, rep.length - 1);
            prk = reverse(cut);
            plms = reverse(java.util.Arrays.copyOfRange(base, 0, Math.max(0, m - 3)));
        }
        timesteps = new int[prk.length + plms.length];
        System.arraycopy(prk, 0, timesteps, 0, prk.length);
        System.arraycopy(plms, 0, timesteps, prk.length, plms.length);
        counter = 0;
        ets = new ArrayList<>();
        curModelOutput = null;
        curSample = null;
    }

    private static int[] reverse(int[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[a.length - 1 - i];
        return r;
    }

    @Override public float[] timesteps() { return Spacing.toFloat(requireTimesteps()); }

    @Override public float[] scaleModelInput(float[] sample, int index) { return sample; }

    @Override public float[] step(float[] mo, int index, float[] sample, NoiseSource noise) {
        int t = requireTimesteps()[index];
        return counter < prk.length && !c.skip_prk_steps() ? stepPrk(mo, t, sample) : stepPlms(mo, t, sample);
    }

    private float[] stepPrk(float[] mo, int timestep, float[] sample) {
        int diffToPrev = counter % 2 != 0 ? 0 : c.num_train_timesteps() / numInferenceSteps / 2;
        int prevTimestep = timestep - diffToPrev;
        timestep = prk[counter / 4 * 4];
        int n = mo.length;
        if (counter % 4 == 0) {
            curModelOutput = accumulate(curModelOutput, 1f / 6f, mo);
            ets.add(mo);
            curSample = sample;
        } else if ((counter - 1) % 4 == 0 || (counter - 2) % 4 == 0) {
            curModelOutput = accumulate(curModelOutput, 1f / 3f, mo);
        } else {
            float[] out = new float[n];
            float k = 1f / 6f;
            for (int i = 0; i < n; i++) out[i] = curModelOutput[i] + k * mo[i];
            mo = out;
            curModelOutput = null;
        }
        float[] cur = curSample != null ? curSample : sample;
        float[] prev = prevSample(cur, timestep, prevTimestep, mo);
        counter++;
        return prev;
    }

    /** cur += k·x, where an absent cur is diffusers' integer 0. */
    private static float[] accumulate(float[] cur, float k, float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (cur == null ? 0f : cur[i]) + k * x[i];
        return out;
    }

    private float[] stepPlms(float[] mo, int timestep, float[] sample) {
        if (!c.skip_prk_steps() && ets.size() < 3) throw new IllegalStateException("PNDM's linear multistep needs the Runge–Kutta warm-up first");
        int stride = c.num_train_timesteps() / numInferenceSteps;
        int prevTimestep = timestep - stride;
        if (counter != 1) {
            if (ets.size() > 3) ets = new ArrayList<>(ets.subList(ets.size() - 3, ets.size()));
            ets.add(mo);
        } else {
            prevTimestep = timestep;
            timestep = timestep + stride;
        }
        int n = mo.length, e = ets.size();
        float[] m = new float[n];
        if (e == 1 && counter == 0) {
            m = mo;
            curSample = sample;
        } else if (e == 1 && counter == 1) {
            float[] e1 = ets.get(0);
            for (int i = 0; i < n; i++) m[i] = (mo[i] + e1[i]) / 2f;
            sample = curSample;
            curSample = null;
        } else if (e == 2) {
            float[] e1 = ets.get(1), e2 = ets.get(0);
            for (int i = 0; i < n; i++) m[i] = (3f * e1[i] - e2[i]) / 2f;
        } else if (e == 3) {
            float[] e1 = ets.get(2), e2 = ets.get(1), e3 = ets.get(0);
            for (int i = 0; i < n; i++) m[i] = (23f * e1[i] - 16f * e2[i] + 5f * e3[i]) / 12f;
        } else {
            float[] e1 = ets.get(e - 1), e2 = ets.get(e - 2), e3 = ets.get(e - 3), e4 = ets.get(e - 4);
            float k = 1f / 24f;
            for (int i = 0; i < n; i++) m[i] = k * (55f * e1[i] - 59f * e2[i] + 37f * e3[i] - 9f * e4[i]);
        }
        float[] prev = prevSample(sample, timestep, prevTimestep, m);
        counter++;
        return prev;
    }

    private float[] prevSample(float[] sample, int t, int prevT, float[] mo) {
        float aT = sched.alphaCumprod(t), aPrev = prevT >= 0 ? sched.alphaCumprod(prevT) : finalAlphaCumprod;
        float bT = 1f - aT, bPrev = 1f - aPrev;
        int n = sample.length;
        if (c.prediction_type().equals("v_prediction")) {
            float sa = Spacing.sqrt(aT), sb = Spacing.sqrt(bT);
            float[] eps = new float[n];
            for (int i = 0; i < n; i++) eps[i] = sa * mo[i] + sb * sample[i];
            mo = eps;
        }
        float sampleCoeff = Spacing.sqrt(aPrev / aT);
        float denom = aT * Spacing.sqrt(bPrev) + Spacing.sqrt(aT * bT * aPrev);
        float diff = aPrev - aT;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = sampleCoeff * sample[i] - diff * mo[i] / denom;
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
