package dev.codi4j.models.codi2;

/**
 * How the LLM samples its reply, with Hugging Face {@code generate(do_sample=True)} semantics:
 * temperature, then top-k, then top-p, then a draw (argmax when {@code temperature ≤ 0}). CoDi-2's
 * code passes {@code top_p} and {@code temperature} and leaves {@code top_k} at transformers'
 * default of 50; the values the authors used are not published, so the defaults here are
 * Llama-2-chat's own ({@code generation_config.json}: temperature 0.6, top-p 0.9).
 *
 * @param maxNewTokens upper bound on reply tokens ({@code max_tgt_len} upstream)
 * @param temperature 0 for greedy decoding
 * @param topK 0 = off
 * @param topP 1 = off
 * @param seed seeds the sampler; the same seed gives the same reply on the same backend
 */
public record GenerationSettings(int maxNewTokens, float temperature, int topK, float topP, long seed) {
    public GenerationSettings {
        if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens must be ≥ 1, is " + maxNewTokens);
        if (Float.isNaN(temperature)) throw new IllegalArgumentException("temperature is NaN");
        if (topK < 0) throw new IllegalArgumentException("top-k must be ≥ 0, is " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], is " + topP);
    }

    public static GenerationSettings defaults() { return new GenerationSettings(256, 0.6f, 50, 0.9f, 0); }

    /** Greedy decoding (what the parity test compares). */
    public static GenerationSettings greedy(int maxNewTokens) { return new GenerationSettings(maxNewTokens, 0, 0, 1, 0); }

    public GenerationSettings withSeed(long s) { return new GenerationSettings(maxNewTokens, temperature, topK, topP, s); }
    public GenerationSettings withMaxNewTokens(int n) { return new GenerationSettings(n, temperature, topK, topP, seed); }
    public GenerationSettings withTemperature(float t) { return new GenerationSettings(maxNewTokens, t, topK, topP, seed); }
    public GenerationSettings withTopP(float p) { return new GenerationSettings(maxNewTokens, temperature, topK, p, seed); }
}
