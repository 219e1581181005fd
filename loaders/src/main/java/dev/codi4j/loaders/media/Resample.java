package dev.codi4j.loaders.media;

/**
 * Band-limited resampling with the algorithm and defaults of
 * {@code torchaudio.functional.resample} (torchaudio 0.13, {@code resampling_method="sinc_interpolation"}):
 * the rates are reduced by their gcd to {@code orig -> new}; one windowed-sinc FIR per output
 * phase, cut off at {@code rolloff * min(orig, new)} with a Hann-type window
 * {@code cos(pi t / (2 w))^2} over {@code lowpass_filter_width = 6} zero crossings; the input is
 * zero-padded by {@code width} on the left and {@code width + orig} on the right, convolved with
 * stride {@code orig}, and cut to {@code ceil(new * length / orig)} samples.
 *
 * <p>The kernel is computed in float like torchaudio does for float32 waveforms; the dot products
 * accumulate in double (torch's conv1d sums float products in an order of its own), so results
 * agree with torchaudio to a few 1e-7 on full-scale signals.
 */
public final class Resample {
    private Resample() {}

    public static final int DEFAULT_LOWPASS_FILTER_WIDTH = 6;
    public static final double DEFAULT_ROLLOFF = 0.99;

    /** Every channel of {@code a} resampled to {@code newRate} with torchaudio's defaults. */
    public static Audio resample(Audio a, int newRate) {
        if (newRate <= 0) throw new IllegalArgumentException("sample rate must be positive, got " + newRate);
        if (newRate == a.sampleRate()) return a;
        Kernel k = kernel(a.sampleRate(), newRate, DEFAULT_LOWPASS_FILTER_WIDTH, DEFAULT_ROLLOFF);
        float[][] out = new float[a.channelCount()][];
        for (int c = 0; c < out.length; c++) out[c] = apply(a.channelView(c), k);
        return Audio.wrap(newRate, out);
    }

    /** One channel resampled from {@code origRate} to {@code newRate}. */
    public static float[] resample(float[] x, int origRate, int newRate, int lowpassFilterWidth, double rolloff) {
        if (origRate == newRate) return x.clone();
        return apply(x, kernel(origRate, newRate, lowpassFilterWidth, rolloff));
    }

    record Kernel(int orig, int next, int width, float[][] taps) {}

    static Kernel kernel(int origRate, int newRate, int lowpassFilterWidth, double rolloff) {
        if (origRate <= 0 || newRate <= 0) throw new IllegalArgumentException("sample rates must be positive: " + origRate + " -> " + newRate);
        if (lowpassFilterWidth <= 0) throw new IllegalArgumentException("lowpass filter width must be positive, got " + lowpassFilterWidth);
        int g = gcd(origRate, newRate);
        int orig = origRate / g, next = newRate / g;
        double base = Math.min(orig, next) * rolloff;
        int width = (int) Math.ceil(lowpassFilterWidth * orig / base);
        int len = 2 * width + orig;
        if ((long) len * next > 50_000_000L)
            throw new IllegalArgumentException("resampling " + origRate + " -> " + newRate + " Hz needs a " + next + " x " + len + " kernel; the rates share too small a factor (gcd " + g + "). Resample through a rate with a larger common factor");
        float baseF = (float) base, pi = (float) Math.PI, lw = lowpassFilterWidth, scale = (float) (base / orig);
        float[][] taps = new float[next][len];
        for (int j = 0; j < next; j++) {
            float phase = (float) -j / (float) next;
            for (int k = 0; k < len; k++) {
                float idx = (float) (k - width) / (float) orig;
                float t = (phase + idx) * baseF;
                t = Math.max(-lw, Math.min(lw, t));
                float cw = (float) Math.cos(t * pi / lw / 2f);
                float window = cw * cw;
                t = t * pi;
                float sinc = t == 0f ? 1f : (float) Math.sin(t) / t;
                taps[j][k] = sinc * (window * scale);
            }
        }
        return new Kernel(orig, next, width, taps);
    }

    static float[] apply(float[] x, Kernel k) {
        int n = x.length;
        long outLen = (long) Math.ceil((double) k.next * n / k.orig);
        float[] out = new float[(int) outLen];
        int len = k.taps[0].length;
        for (int i = 0; i < out.length; i++) {
            int q = i / k.next, j = i % k.next;
            int start = q * k.orig - k.width;   // position in x of tap 0 (x padded by width on the left)
            float[] tp = k.taps[j];
            double s = 0;
            int k0 = Math.max(0, -start), k1 = Math.min(len, n - start);
            for (int t = k0; t < k1; t++) s += tp[t] * x[start + t];
            out[i] = (float) s;
        }
        return out;
    }

    private static int gcd(int a, int b) { while (b != 0) { int t = a % b; a = b; b = t; } return a; }
}
