package dev.codi4j.models.imagebind;

import dev.codi4j.loaders.media.Audio;
import dev.codi4j.tensor.Tensor;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ImageBind's {@code load_and_transform_audio_data} (imagebind/data.py): resample to 16 kHz
 * (torchaudio's resampler), cut {@code clips} windows of {@code clipSeconds} with pytorchvideo's
 * {@code ConstantClipsPerVideoSampler}, turn each into a 128-bin Kaldi log-mel spectrogram
 * ({@link KaldiFbank}) of channel 0, pad with zeros or crop to 204 frames, and normalise with mean
 * −4.268 and std 9.138. Output: (clips, 1, mel, frames).
 *
 * <p>Two upstream details are kept on purpose, since they change the numbers: window bounds are exact
 * rationals ({@code fractions.Fraction}) truncated to sample indices, and {@code waveform2melspec}
 * subtracts each clip's mean <em>in place</em> from a view of the whole waveform, so a later clip that
 * overlaps an earlier one sees the earlier clip's mean already removed from the shared samples.
 */
public final class AudioPreprocessor {
    private static final Logger LOG = LoggerFactory.getLogger(AudioPreprocessor.class);

    /** The defaults of load_and_transform_audio_data. */
    public record Options(int sampleRate, int numMelBins, int targetLength, int clipSeconds, int clips, float mean, float std) {
        public static Options imageBind() { return new Options(16000, 128, 204, 2, 3, -4.268f, 9.138f); }
    }

    private final Options options;
    private final KaldiFbank fbank;

    public AudioPreprocessor(Options options) {
        this.options = options;
        KaldiFbank.Options f = KaldiFbank.Options.imageBind();
        this.fbank = new KaldiFbank(new KaldiFbank.Options(options.sampleRate(), f.frameLengthMs(), f.frameShiftMs(), options.numMelBins(),
                f.window(), f.preemphasis(), f.removeDcOffset(), f.lowFreq(), f.highFreq()));
    }

    public static AudioPreprocessor imageBind() { return new AudioPreprocessor(Options.imageBind()); }

    public Options options() { return options; }

    /** (clips, 1, numMelBins, targetLength) F32 for one recording. */
    public Tensor apply(Audio audio, String source) {
        Audio a = audio.sampleRate() == options.sampleRate() ? audio : audio.resample(options.sampleRate());
        int n = a.frames(), sr = options.sampleRate();
        float[][] ch = new float[a.channelCount()][];
        for (int c = 0; c < ch.length; c++) ch[c] = a.channel(c);
        int[] starts = clipStarts(n, sr, options.clipSeconds(), options.clips());
        int bins = options.numMelBins(), len = options.targetLength();
        float[] out = new float[options.clips() * bins * len];
        for (int k = 0; k < starts.length; k++) {
            int from = Math.min(starts[k], n), to = Math.min(starts[k] + options.clipSeconds() * sr, n);
            int count = to - from;
            if (fbank.frameCount(count) == 0) {
                throw new IllegalArgumentException(source + ": audio clip " + k + " has " + count + " samples at " + sr
                        + " Hz, shorter than one 25 ms analysis window; give at least 400 samples (25 ms) of audio");
            }
            // waveform -= waveform.mean(), in place on a view of the whole (channels, samples) waveform
            double sum = 0;
            for (float[] c : ch) for (int i = from; i < to; i++) sum += c[i];
            float mean = (float) (sum / ((double) count * ch.length));
            for (float[] c : ch) for (int i = from; i < to; i++) c[i] -= mean;
            float[] feats = fbank.compute(ch[0], from, count); // (frames, bins)
            int frames = feats.length / bins;
            if (Math.abs(len - frames) > 0.2 * frames) {
                LOG.debug("{}: clip {} has {} frames, padded or cut to {} (as upstream, which warns here)", source, k, frames, len);
            }
            float padValue = (0f - options.mean()) / options.std();
            int base = k * bins * len;
            for (int b = 0; b < bins; b++) {
                for (int t = 0; t < len; t++) {
                    out[base + b * len + t] = t < frames ? (feats[t * bins + b] - options.mean()) / options.std() : padValue;
                }
            }
        }
        return Tensor.fromFloats(out, options.clips(), 1, bins, len);
    }

    /**
     * First sample of each clip: {@code int(k · Fraction(max(duration − clip, 0)) / max(clips − 1, 1) · rate)}
     * with {@code duration = samples / rate} in double, as pytorchvideo and data.py compute it.
     */
    static int[] clipStarts(int samples, int rate, int clipSeconds, int clips) {
        double duration = (double) samples / rate;
        double maxStart = Math.max(duration - clipSeconds, 0);
        BigDecimal exact = new BigDecimal(maxStart); // the double's exact binary value, like Fraction(float)
        int[] starts = new int[clips];
        for (int k = 0; k < clips; k++) {
            BigDecimal v = exact.multiply(BigDecimal.valueOf((long) k * rate));
            starts[k] = v.divide(BigDecimal.valueOf(Math.max(clips - 1, 1)), 0, RoundingMode.FLOOR).intValueExact();
        }
        return starts;
    }
}
