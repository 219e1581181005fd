package dev.codi4j.models.diffusion.schedulers;

/** The σ-space helpers of diffusers' Karras-style schedulers (Euler, DPM-Solver). */
final class SigmaTables {
    private SigmaTables() {}

    /** Karras et al. (2022) ρ = 7 schedule between the given σ_max and σ_min, in float64. */
    static double[] karras(double sigmaMax, double sigmaMin, int n) {
        double rho = 7.0;
        double[] ramp = Np.linspace(0, 1, n);
        double minInv = Math.pow(sigmaMin, 1 / rho), maxInv = Math.pow(sigmaMax, 1 / rho);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) s[i] = Math.pow(maxInv + ramp[i] * (minInv - maxInv), rho);
        return s;
    }

    /**
     * diffusers' {@code _sigma_to_t}: the fractional training timestep whose σ (log-interpolated) is
     * {@code sigma}. {@code logSigmas} is float32 like the NumPy array it mirrors; the bracketing
     * comparison is done in float32 as NumPy's value-based casting does.
     */
    static double sigmaToT(double sigma, float[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        float ls = (float) logSigma;
        int count = 0;
        for (float l : logSigmas) if (ls - l >= 0) count++;
        // cumsum(dists >= 0).argmax(): the first index where the running count reaches its maximum
        int low = 0, running = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (ls - logSigmas[i] >= 0) running++;
            if (running == count) { low = i; break; }
        }
        low = Math.min(low, logSigmas.length - 2);
        int high = low + 1;
        double lo = logSigmas[low], hi = logSigmas[high];
        double w = (lo - logSigma) / (lo - hi);
        w = Math.min(Math.max(w, 0), 1);
        return (1 - w) * low + w * high;
    }

    static float[] logs(float[] sigmas) {
        float[] l = new float[sigmas.length];
        for (int i = 0; i < l.length; i++) l[i] = (float) Math.log(sigmas[i]);
        return l;
    }

    static float max(float[] a) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : a) m = Math.max(m, v);
        return m;
    }
}
