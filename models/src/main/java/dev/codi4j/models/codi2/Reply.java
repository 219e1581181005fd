package dev.codi4j.models.codi2;

import java.util.List;

/**
 * What one turn produced: the reply text (streamed while it was generated), the images painted from
 * its output features, and notices for outputs that could not be produced (e.g. "the audio decoder
 * is not available yet") — the text is never lost because of them. Immutable.
 *
 * @param text the reply as decoded text (special tokens and the stop token left out)
 * @param tokens the generated token ids, stop/EOS token excluded
 * @param stopReason why generation ended
 * @param features every output feature, in reply order
 * @param images the images painted, in order
 * @param notices outputs or inputs that were skipped and why
 * @param officialPrompt the turn in CoDi-2's string form ({@code ... #image#_0 ...}), for transcripts
 * @param promptPositions sequence positions the turn took (tokens plus media feature rows)
 */
public record Reply(String text, int[] tokens, StopReason stopReason, List<OutputFeature> features, List<GeneratedImage> images,
        List<String> notices, String officialPrompt, int promptPositions, long generateNanos, long imageNanos) {

    /** Why the text ended. */
    public enum StopReason {
        /** The tokenizer's end-of-sequence token. */
        EOS,
        /** A configured stop token (CoDi-2's 2277, "##"). */
        STOP_TOKEN,
        /** The reply reached {@code max_new_tokens}. */
        MAX_TOKENS,
        /** The context window is full. */
        CONTEXT_FULL,
        /** No LLM: the turn only painted (ImageBind-direct mode without an LLM). */
        NO_LLM
    }

    public Reply {
        tokens = tokens.clone();
        features = List.copyOf(features);
        images = List.copyOf(images);
        notices = List.copyOf(notices);
    }

    @Override public int[] tokens() { return tokens.clone(); }
}
