package dev.codi4j.loaders.tokenizer;

/**
 * How ids become text.
 *
 * @param skipSpecial        render control/special tokens ({@code <s>}, {@code </s>}) as nothing (SentencePiece and
 *                           Hugging Face {@code skip_special_tokens=True}); when false they appear as their text
 * @param stripLeadingSpace  drop the one space that the encoder's dummy prefix put before the first word
 *                           (SentencePiece's decode does this). Turn it off when decoding a continuation, e.g. the
 *                           tokens a model generates after a prompt, where that space is real.
 */
public record DecodeOptions(boolean skipSpecial, boolean stripLeadingSpace) {
    /** What SentencePiece's {@code decode} does: specials hidden, dummy-prefix space removed. */
    public static final DecodeOptions DEFAULT = new DecodeOptions(true, true);
    /** For text generated after a prompt: specials hidden, every space kept. */
    public static final DecodeOptions CONTINUATION = new DecodeOptions(true, false);
}
