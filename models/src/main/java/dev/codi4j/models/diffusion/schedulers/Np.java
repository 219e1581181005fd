package dev.codi4j.models.diffusion.schedulers;

/**
 * The few NumPy/PyTorch numerics the schedulers' tables are built with, reproduced operation by
 * operation (including float32 rounding points) so timestep tables match diffusers exactly.
 */
final class Np {
    private Np() {}

    /** {@code np.linspace(start, stop, num)} in float64: {@code i·step + start}, last value {@code stop} exactly. */
    static double[] linspace(double start, double stop, int num) {
        double[] y = new double[num];
        if (num == 0) return y;
        int div = num - 1;
        double step = div > 0 ? (stop - start) / div : Double.NaN;
        for (int i = 0; i < num; i++) y[i] = div > 0 ? (step == 0 ? i / (double) div * (stop - start) : i * step) + start : start;
        if (num > 1) y[num - 1] = stop;
        return y;
    }

    /** {@code np.arange(start, stop, step)} for float arguments: {@code ceil((stop − start)/step)} values. */
    static double[] arange(double start, double stop, double step) {
        int n = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = start + i * step;
        return y;
    }

    /**
     * {@code torch.linspace(start, end, steps, dtype=float32)} on CPU: a float step, the first half
     * counted from {@code start}, the second half from {@code end}.
     */
    static float[] torchLinspaceF32(double start, double end, int steps) {
        float[] y = new float[steps];
        if (steps == 1) { y[0] = (float) start; return y; }
        float s = (float) start, e = (float) end;
        float step = (e - s) / (float) (steps - 1);
        int half = steps / 2;
        for (int i = 0; i < steps; i++) y[i] = i < half ? s + step * i : e - step * (steps - i - 1);
        return y;
    }

    /** {@code np.interp(x, arange(len(fp)), fp)} in float64 (the x grid is 0, 1, 2, ...). */
    static double interpIndex(double x, float[] fp) {
        int n = fp.length;
        if (x <= 0) return fp[0];
        if (x >= n - 1) return fp[n - 1];
        int j = (int) Math.floor(x);
        if (x == j) return fp[j];
        double slope = ((double) fp[j + 1] - fp[j]) / 1.0;
        return slope * (x - j) + fp[j];
    }

    /** NumPy's {@code round}: half to even. */
    static double round(double x) { return Math.rint(x); }

    static float[] reverse(float[] a) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[a.length - 1 - i];
        return r;
    }
}
