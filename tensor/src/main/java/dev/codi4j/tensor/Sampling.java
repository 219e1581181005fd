package dev.codi4j.tensor;

import java.util.Arrays;

/**
 * Token-sampling helpers over a host logits vector (a vocabulary is small: 32k floats), with the
 * semantics of HF transformers' logits processors. Deterministic for a given seed on every JVM
 * (our own SplitMix64 generator, not java.util.Random).
 */
public final class Sampling {
    private Sampling() {}

    /** Index of the largest value; the first on ties (torch.argmax). */
    public static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** HF RepetitionPenaltyLogitsProcessor: positive logits of seen tokens divided by p, negative multiplied. */
    public static void repetitionPenalty(float[] logits, int[] seen, int seenCount, float penalty) {
        if (penalty == 1f) return;
        boolean[] done = new boolean[logits.length];
        for (int i = 0; i < seenCount; i++) {
            int t = seen[i];
            if (t < 0 || t >= logits.length || done[t]) continue;
            done[t] = true;
            logits[t] = logits[t] > 0 ? logits[t] / penalty : logits[t] * penalty;
        }
    }

    /** Keeps the {@code k} largest logits (ties at the k-th value kept), sets the rest to -inf. */
    public static void topK(float[] logits, int k) {
        if (k <= 0 || k >= logits.length) return;
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        float kth = sorted[sorted.length - k];
        for (int i = 0; i < logits.length; i++) if (logits[i] < kth) logits[i] = Float.NEGATIVE_INFINITY;
    }

    /** Nucleus filtering as HF TopPLogitsWarper: keeps the smallest set of most likely tokens with mass ≥ p (at least one). */
    public static void topP(float[] logits, float p) {
        if (p >= 1f) return;
        float[] probs = softmax(logits);
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(probs[b], probs[a]));
        double cum = 0;
        boolean[] keep = new boolean[logits.length];
        for (int r = 0; r < order.length; r++) {
            keep[order[r]] = true;
            cum += probs[order[r]];
            if (cum >= p) break;
        }
        for (int i = 0; i < logits.length; i++) if (!keep[i]) logits[i] = Float.NEGATIVE_INFINITY;
    }

    public static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) { e[i] = Math.exp(logits[i] - max); sum += e[i]; }
        float[] p = new float[logits.length];
        for (int i = 0; i < p.length; i++) p[i] = (float) (e[i] / sum);
        return p;
    }

    /** Draws an index from softmax(logits / temperature); temperature ≤ 0 means argmax. */
    public static int sample(float[] logits, float temperature, Rng rng) {
        if (temperature <= 0) return argmax(logits);
        float[] scaled = new float[logits.length];
        for (int i = 0; i < logits.length; i++) scaled[i] = logits[i] / temperature;
        float[] p = softmax(scaled);
        double u = rng.nextDouble(), cum = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] <= 0) continue;
            last = i;
            cum += p[i];
            if (u < cum) return i;
        }
        return last < 0 ? argmax(logits) : last;
    }

    /** SplitMix64: tiny, fast, and the same sequence everywhere for a seed. */
    public static final class Rng {
        private long state;
        public Rng(long seed) { this.state = seed; }
        public long nextLong() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
        /** Uniform in [0, 1) with 53 random bits. */
        public double nextDouble() { return (nextLong() >>> 11) * 0x1.0p-53; }
        /** Standard normal (Box–Muller). */
        public double nextGaussian() {
            double u1 = nextDouble(), u2 = nextDouble();
            return Math.sqrt(-2 * Math.log(u1 + 1e-300)) * Math.cos(2 * Math.PI * u2);
        }
    }
}
