package dev.codi4j.loaders.media;

import dev.codi4j.tensor.Tensor;

/**
 * Decoded audio: a sample rate and one float array per channel (planar, like torchaudio's
 * {@code (channels, frames)} tensors), samples nominally in [-1, 1) — integer PCM is scaled as
 * torchaudio's {@code load(normalize=True)} does (int16 / 32768, int24 / 2^23, int32 / 2^31,
 * uint8 (x - 128) / 128). Immutable: accessors return copies.
 */
public final class Audio {
    private final int sampleRate;
    private final float[][] channels;

    private Audio(int sampleRate, float[][] channels, boolean copy) {
        if (sampleRate <= 0) throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        if (channels.length == 0) throw new IllegalArgumentException("audio needs at least one channel");
        int n = channels[0].length;
        for (float[] c : channels) if (c.length != n) throw new IllegalArgumentException("all channels must have the same length (" + n + " vs " + c.length + ")");
        this.sampleRate = sampleRate;
        if (copy) {
            float[][] cc = new float[channels.length][];
            for (int i = 0; i < cc.length; i++) cc[i] = channels[i].clone();
            this.channels = cc;
        } else {
            this.channels = channels;
        }
    }

    /** Audio over copies of {@code channels} (each the same length). */
    public static Audio of(int sampleRate, float[]... channels) { return new Audio(sampleRate, channels, true); }

    static Audio wrap(int sampleRate, float[][] channels) { return new Audio(sampleRate, channels, false); }

    /** From a (channels, frames) or (frames) F32 tensor. */
    public static Audio fromTensor(Tensor t, int sampleRate) {
        int[] s = t.shape();
        float[] v = t.toFloatArray();
        if (s.length == 1) return wrap(sampleRate, new float[][] {v});
        if (s.length != 2) throw new IllegalArgumentException("expected a (channels, frames) or (frames) tensor, got " + t.describe());
        float[][] ch = new float[s[0]][];
        for (int c = 0; c < s[0]; c++) ch[c] = java.util.Arrays.copyOfRange(v, c * s[1], (c + 1) * s[1]);
        return wrap(sampleRate, ch);
    }

    public int sampleRate() { return sampleRate; }
    public int channelCount() { return channels.length; }
    public int frames() { return channels[0].length; }
    public double seconds() { return (double) frames() / sampleRate; }

    /** A copy of channel {@code c}. */
    public float[] channel(int c) { return channels[c].clone(); }

    float[] channelView(int c) { return channels[c]; }

    /** (channels, frames) F32 host tensor, as {@code torchaudio.load} returns. */
    public Tensor toTensor() {
        int n = frames();
        float[] v = new float[channels.length * n];
        for (int c = 0; c < channels.length; c++) System.arraycopy(channels[c], 0, v, c * n, n);
        return Tensor.fromFloats(v, channels.length, n);
    }

    /** Mean over channels ({@code waveform.mean(0, keepdim=True)}), in float like torch. */
    public Audio mono() {
        if (channels.length == 1) return this;
        int n = frames();
        float[] m = new float[n];
        for (int i = 0; i < n; i++) {
            float s = 0;
            for (float[] c : channels) s += c[i];
            m[i] = s / channels.length;
        }
        return wrap(sampleRate, new float[][] {m});
    }

    /** Frames {@code [from, from + count)}. */
    public Audio slice(int from, int count) {
        if (from < 0 || count < 0 || from + count > frames()) throw new IllegalArgumentException("slice [" + from + ", " + (from + count) + ") outside " + frames() + " frames");
        float[][] ch = new float[channels.length][];
        for (int c = 0; c < ch.length; c++) ch[c] = java.util.Arrays.copyOfRange(channels[c], from, from + count);
        return wrap(sampleRate, ch);
    }

    /** This audio at {@code newRate}, with torchaudio's default resampler (see {@link Resample}). */
    public Audio resample(int newRate) { return Resample.resample(this, newRate); }

    @Override public String toString() { return "Audio(" + channels.length + " ch, " + sampleRate + " Hz, " + frames() + " frames)"; }
}
