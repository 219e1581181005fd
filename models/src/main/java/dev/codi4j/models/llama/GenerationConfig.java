package dev.codi4j.models.llama;

import java.util.List;
import java.util.Set;

/**
 * How {@link Generator} picks tokens, with the semantics of Hugging Face's {@code generate}:
 * repetition penalty, then temperature, top-k and top-p, then a draw from the softmax (argmax when
 * {@code temperature ≤ 0}). The same seed gives the same tokens on the same backend.
 *
 * @param maxNewTokens upper bound on generated tokens
 * @param temperature 0 (or less) for greedy decoding
 * @param topK keep the k most likely tokens (0 = off)
 * @param topP keep the smallest set of tokens with probability mass ≥ p (1 = off)
 * @param repetitionPenalty HF's CTRL penalty over every token of the sequence so far (1 = off)
 * @param seed seeds the sampler's generator
 * @param stopStrings generation ends when the text contains one of these; the stop string is not returned
 * @param eosIds token ids that end generation (not returned)
 */
public record GenerationConfig(int maxNewTokens, float temperature, int topK, float topP, float repetitionPenalty, long seed,
        List<String> stopStrings, Set<Integer> eosIds) {

    public GenerationConfig {
        stopStrings = List.copyOf(stopStrings);
        eosIds = Set.copyOf(eosIds);
        if (maxNewTokens < 0) throw new IllegalArgumentException("max new tokens must be ≥ 0, is " + maxNewTokens);
        if (topK < 0) throw new IllegalArgumentException("top-k must be ≥ 0, is " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], is " + topP);
        if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition penalty must be positive, is " + repetitionPenalty);
        if (Float.isNaN(temperature)) throw new IllegalArgumentException("temperature is NaN");
        for (String s : stopStrings) if (s.isEmpty()) throw new IllegalArgumentException("empty stop string");
    }

    /** Greedy decoding of up to {@code maxNewTokens}, stopping at {@code eos}. */
    public static GenerationConfig greedy(int maxNewTokens, int... eos) {
        Set<Integer> e = new java.util.HashSet<>();
        for (int x : eos) e.add(x);
        return new GenerationConfig(maxNewTokens, 0, 0, 1, 1, 0, List.of(), e);
    }

    /** Llama-2-chat's usual sampling (temperature 0.6, top-p 0.9, as Meta's example_chat_completion.py). */
    public static GenerationConfig chatDefaults(int maxNewTokens, long seed, Set<Integer> eos) {
        return new GenerationConfig(maxNewTokens, 0.6f, 0, 0.9f, 1, seed, List.of(), eos);
    }

    public GenerationConfig withMaxNewTokens(int n) { return new GenerationConfig(n, temperature, topK, topP, repetitionPenalty, seed, stopStrings, eosIds); }
    public GenerationConfig withSeed(long s) { return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, s, stopStrings, eosIds); }
    public GenerationConfig withStopStrings(List<String> s) { return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, s, eosIds); }
    public GenerationConfig withEos(Set<Integer> e) { return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, stopStrings, e); }
}
