package dev.codi4j.models.llama;

import dev.codi4j.tensor.Sampling;
import java.util.Arrays;
import java.util.List;

/**
 * Autoregressive generation on a {@link Llama}: prefill the new tokens, then sample and decode one
 * token at a time, streaming each token (and the text it completes) to a listener.
 */
public final class Generator {
    private final Llama model;

    public Generator(Llama model) { this.model = model; }

    /** Turns tokens into text as they arrive (a tokenizer's streaming decoder). */
    public interface TextStream {
        /** Text completed by {@code id} (may be empty while a multi-byte character is incomplete). */
        String next(int id);
        /** Text still held back at the end. */
        String finish();

        /** No text: generation by ids only (stop strings never match). */
        TextStream NONE = new TextStream() {
            @Override public String next(int id) { return ""; }
            @Override public String finish() { return ""; }
        };
    }

    /** Receives each generated token and the text it releases (stop strings are never released). */
    @FunctionalInterface
    public interface Listener {
        void onToken(int id, String text);

        Listener NONE = (id, text) -> {};
    }

    public enum StopReason { EOS, STOP_STRING, MAX_TOKENS, CONTEXT_FULL }

    /**
     * @param tokens the generated ids (EOS excluded; the tokens of a stop string included)
     * @param text their text up to (not including) a stop string
     * @param fedTokens how many of {@code tokens} went through the model (the last one usually did not:
     *     it was sampled from the final logits); see {@link ChatSession} for how a conversation continues
     */
    public record Result(int[] tokens, String text, StopReason reason, int promptTokens, int fedTokens, long prefillNanos, long decodeNanos) {
        /** Prompt tokens per second of prefill. */
        public double prefillTokensPerSecond() { return promptTokens / Math.max(prefillNanos * 1e-9, 1e-9); }
        /** Generated tokens per second of decoding (each decoded token is one forward pass). */
        public double decodeTokensPerSecond() { return fedTokens / Math.max(decodeNanos * 1e-9, 1e-9); }
    }

    /**
     * Feeds {@code newTokens} to {@code state} and generates.
     *
     * @param history every token already in {@code state} (for the repetition penalty), may be empty
     */
    public Result generate(LlamaState state, int[] history, int[] newTokens, GenerationConfig cfg, TextStream text, Listener listener) {
        if (newTokens.length == 0) throw new IllegalArgumentException("generation needs at least one new token to feed (e.g. BOS)");
        long t0 = System.nanoTime();
        float[] logits = model.prefill(state, newTokens);
        long t1 = System.nanoTime();
        int vocab = model.config().vocabSize();
        int[] seen = Arrays.copyOf(history, history.length + newTokens.length + cfg.maxNewTokens());
        System.arraycopy(newTokens, 0, seen, history.length, newTokens.length);
        int seenCount = history.length + newTokens.length;
        int[] out = new int[cfg.maxNewTokens()];
        int n = 0, fed = 0;
        float[] work = new float[vocab];
        Sampling.Rng rng = new Sampling.Rng(cfg.seed());
        StopFilter stop = new StopFilter(cfg.stopStrings());
        StopReason reason = StopReason.MAX_TOKENS;
        long decodeNanos = 0;
        while (n < cfg.maxNewTokens()) {
            System.arraycopy(logits, 0, work, 0, vocab);
            int tok = pick(work, seen, seenCount, cfg, rng);
            if (cfg.eosIds().contains(tok)) { reason = StopReason.EOS; break; }
            out[n++] = tok;
            seen[seenCount++] = tok;
            String released = stop.add(text.next(tok));
            listener.onToken(tok, released);
            if (stop.stopped()) { reason = StopReason.STOP_STRING; break; }
            if (n == cfg.maxNewTokens()) break;
            if (state.remaining() == 0) { reason = StopReason.CONTEXT_FULL; break; }
            long d0 = System.nanoTime();
            logits = model.decode(state, tok);
            decodeNanos += System.nanoTime() - d0;
            fed++;
        }
        if (!stop.stopped()) {
            String tail = stop.finish(text.finish());
            if (!tail.isEmpty()) listener.onToken(-1, tail);
        }
        return new Result(Arrays.copyOf(out, n), stop.text(), reason, newTokens.length, fed, t1 - t0, decodeNanos);
    }

    /** Applies the configured processors to {@code logits} (modified) and picks a token. */
    static int pick(float[] logits, int[] seen, int seenCount, GenerationConfig cfg, Sampling.Rng rng) {
        Sampling.repetitionPenalty(logits, seen, seenCount, cfg.repetitionPenalty());
        if (cfg.temperature() <= 0) return Sampling.argmax(logits);
        float inv = 1f / cfg.temperature();
        for (int i = 0; i < logits.length; i++) logits[i] *= inv;
        Sampling.topK(logits, cfg.topK());
        Sampling.topP(logits, cfg.topP());
        return Sampling.sample(logits, 1f, rng);
    }

    /** Holds back text that might be the start of a stop string; cuts the text at the first stop string. */
    static final class StopFilter {
        private final List<String> stops;
        private final StringBuilder all = new StringBuilder();
        private int released;
        private boolean stopped;

        StopFilter(List<String> stops) { this.stops = stops; }

        String add(String s) {
            all.append(s);
            int cut = -1;
            for (String st : stops) {
                int i = all.indexOf(st, Math.max(0, released - st.length()));
                if (i >= 0 && (cut < 0 || i < cut)) cut = i;
            }
            if (cut >= 0) {
                stopped = true;
                all.setLength(cut);
                return take(cut);
            }
            int hold = 0;
            for (String st : stops) {
                for (int k = Math.min(st.length() - 1, all.length() - released); k > hold; k--) {
                    if (endsWith(all, st, k)) { hold = k; break; }
                }
            }
            return take(all.length() - hold);
        }

        String finish(String s) {
            all.append(s);
            return take(all.length());
        }

        private String take(int upTo) {
            if (upTo <= released) return "";
            String r = all.substring(released, upTo);
            released = upTo;
            return r;
        }

        /** Whether {@code sb} ends with the first {@code k} characters of {@code s}. */
        private static boolean endsWith(StringBuilder sb, String s, int k) {
            int off = sb.length() - k;
            for (int i = 0; i < k; i++) if (sb.charAt(off + i) != s.charAt(i)) return false;
            return true;
        }

        boolean stopped() { return stopped; }
        String text() { return all.toString(); }
    }
}
