package dev.codi4j.models.imagebind;

/**
 * Log mel filterbank features with the semantics of {@code torchaudio.compliance.kaldi.fbank}
 * (torchaudio 0.13) for {@code snip_edges=True, dither=0, use_energy=False, use_power=True,
 * use_log_fbank=True, round_to_power_of_two=True}: frames of {@code frame_length} ms every
 * {@code frame_shift} ms that fit entirely in the signal; per frame the DC offset removed, pre-emphasis
 * {@code x[j] - k·x[j-1]} (with x[-1] = x[0]), a window, zero padding to the next power of two, the
 * power spectrum, triangular filters equally spaced on the mel scale {@code 1127·ln(1 + f/700)} between
 * {@code low_freq} and {@code high_freq} (≤ 0: offset from Nyquist), then {@code log(max(e, FLT_EPSILON))}.
 *
 * <p>Values are rounded to float where torch stores float32 tensors (after DC removal, pre-emphasis,
 * windowing, filter weights); sums and the FFT run in double. Agreement with torchaudio is a few
 * 1e-6 on the log scale (see {@code KaldiFbankTest}).
 */
public final class KaldiFbank {
    /** Kaldi window functions (torchaudio's names). */
    public enum Window { HANNING, HAMMING, POVEY, RECTANGULAR }

    /** The options ImageBind passes (waveform2melspec) are {@link #imageBind()}. */
    public record Options(double sampleFrequency, double frameLengthMs, double frameShiftMs, int numMelBins, Window window,
                          double preemphasis, boolean removeDcOffset, double lowFreq, double highFreq) {
        /** {@code fbank(htk_compat=True, sample_frequency=16000, use_energy=False, window_type="hanning", num_mel_bins=128, dither=0.0, frame_length=25, frame_shift=10)}. */
        public static Options imageBind() { return new Options(16000, 25, 10, 128, Window.HANNING, 0.97, true, 20, 0); }
    }

    private static final float EPSILON = 1.1920928955078125e-07f; // torch.finfo(torch.float).eps

    private final Options options;
    private final int windowSize, windowShift, padded;
    private final float[] window;
    private final int[] bankStart;     // first FFT bin of each filter
    private final float[][] bankWeights;
    private final double[] cos, sin;   // FFT twiddles

    public KaldiFbank(Options o) {
        this.options = o;
        this.windowShift = (int) (o.sampleFrequency() * o.frameShiftMs() * 0.001);
        this.windowSize = (int) (o.sampleFrequency() * o.frameLengthMs() * 0.001);
        if (windowSize < 2 || windowShift < 1) throw new IllegalArgumentException("frame length and shift give window " + windowSize + " and shift " + windowShift + " samples; need ≥ 2 and ≥ 1");
        this.padded = Integer.highestOneBit(windowSize - 1) << 1;
        if (o.numMelBins() <= 3) throw new IllegalArgumentException("need at least 4 mel bins, got " + o.numMelBins());
        this.window = window(o.window(), windowSize);
        this.bankStart = new int[o.numMelBins()];
        this.bankWeights = new float[o.numMelBins()][];
        melBanks();
        this.cos = new double[padded / 2];
        this.sin = new double[padded / 2];
        for (int i = 0; i < padded / 2; i++) {
            cos[i] = Math.cos(2 * Math.PI * i / padded);
            sin[i] = -Math.sin(2 * Math.PI * i / padded);
        }
    }

    public Options options() { return options; }

    /** Frames a signal of {@code samples} samples yields (0 when shorter than one window). */
    public int frameCount(int samples) { return samples < windowSize ? 0 : 1 + (samples - windowSize) / windowShift; }

    /** Features (frames, numMelBins), row-major, of {@code x[from, from + length)}. */
    public float[] compute(float[] x, int from, int length) {
        int m = frameCount(length), bins = options.numMelBins();
        float[] out = new float[m * bins];
        float[] frame = new float[windowSize];
        double[] re = new double[padded], im = new double[padded];
        double[] power = new double[padded / 2 + 1];
        float k = (float) options.preemphasis();
        for (int f = 0; f < m; f++) {
            int at = from + f * windowShift;
            if (options.removeDcOffset()) {
                double mean = 0;
                for (int j = 0; j < windowSize; j++) mean += x[at + j];
                float mf = (float) (mean / windowSize);
                for (int j = 0; j < windowSize; j++) frame[j] = x[at + j] - mf;
            } else {
                System.arraycopy(x, at, frame, 0, windowSize);
            }
            if (k != 0) {
                for (int j = windowSize - 1; j >= 1; j--) frame[j] = frame[j] - k * frame[j - 1];
                frame[0] = frame[0] - k * frame[0];
            }
            for (int j = 0; j < padded; j++) {
                re[j] = j < windowSize ? frame[j] * window[j] : 0;
                im[j] = 0;
            }
            fft(re, im);
            for (int j = 0; j <= padded / 2; j++) {
                float mag = (float) Math.sqrt(re[j] * re[j] + im[j] * im[j]); // rfft(...).abs() is float32
                power[j] = mag * mag; // .pow(2.0) in float32
            }
            for (int b = 0; b < bins; b++) {
                float[] w = bankWeights[b];
                double e = 0;
                for (int j = 0; j < w.length; j++) e += w[j] * power[bankStart[b] + j];
                out[f * bins + b] = (float) Math.log(Math.max((float) e, EPSILON));
            }
        }
        return out;
    }

    private static float[] window(Window type, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            double hann = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1)); // torch.hann_window(n, periodic=False)
            w[i] = (float) switch (type) {
                case HANNING -> hann;
                case HAMMING -> 0.54 - 0.46 * Math.cos(2 * Math.PI * i / (n - 1));
                case POVEY -> Math.pow((float) hann, 0.85);
                case RECTANGULAR -> 1.0;
            };
        }
        return w;
    }

    /** get_mel_banks in float32 as torch computes it: triangles on the mel scale over the FFT bins. */
    private void melBanks() {
        double nyquist = 0.5 * options.sampleFrequency();
        double low = options.lowFreq(), high = options.highFreq() <= 0 ? options.highFreq() + nyquist : options.highFreq();
        if (!(0 <= low && low < nyquist && 0 < high && high <= nyquist && low < high)) {
            throw new IllegalArgumentException("bad mel range: low_freq " + low + ", high_freq " + high + " vs Nyquist " + nyquist);
        }
        int bins = options.numMelBins(), fftBins = padded / 2;
        float binWidth = (float) (options.sampleFrequency() / padded);
        double melLow = 1127.0 * Math.log(1.0 + low / 700.0), melHigh = 1127.0 * Math.log(1.0 + high / 700.0);
        float delta = (float) ((melHigh - melLow) / (bins + 1)), mlow = (float) melLow;
        float[] mel = new float[fftBins];
        for (int j = 0; j < fftBins; j++) {
            float freq = binWidth * j;
            mel[j] = 1127.0f * (float) Math.log(1.0f + freq / 700.0f);
        }
        for (int b = 0; b < bins; b++) {
            float left = mlow + (float) b * delta, center = mlow + (b + 1.0f) * delta, right = mlow + (b + 2.0f) * delta;
            float[] w = new float[fftBins];
            int first = -1, last = -1;
            for (int j = 0; j < fftBins; j++) {
                float up = (mel[j] - left) / (center - left), down = (right - mel[j]) / (right - center);
                w[j] = Math.max(0f, Math.min(up, down));
                if (w[j] > 0) {
                    if (first < 0) first = j;
                    last = j;
                }
            }
            if (first < 0) { first = 0; last = -1; }
            bankStart[b] = first;
            bankWeights[b] = java.util.Arrays.copyOfRange(w, first, last + 1);
        }
    }

    /** In-place iterative radix-2 FFT of length {@code padded}. */
    private void fft(double[] re, double[] im) {
        int n = re.length;
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) j ^= bit;
            j ^= bit;
            if (i < j) {
                double t = re[i]; re[i] = re[j]; re[j] = t;
                t = im[i]; im[i] = im[j]; im[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            int step = n / len;
            for (int i = 0; i < n; i += len) {
                for (int j = 0; j < len / 2; j++) {
                    double wr = cos[j * step], wi = sin[j * step];
                    int a = i + j, c = a + len / 2;
                    double xr = re[c] * wr - im[c] * wi, xi = re[c] * wi + im[c] * wr;
                    re[c] = re[a] - xr;
                    im[c] = im[a] - xi;
                    re[a] += xr;
                    im[a] += xi;
                }
            }
        }
    }
}
