package dev.codi4j.loaders.tokenizer;

/**
 * How {@link Tokenizer#encode(String, EncodeOptions)} treats the ends of the text and special-token strings.
 *
 * @param addBos       put the beginning-of-sequence token first (Llama {@code <s>}, CLIP {@code <|startoftext|>})
 * @param addEos       put the end-of-sequence token last (Llama {@code </s>}, CLIP {@code <|endoftext|>})
 * @param parseSpecial recognise the text of special tokens (e.g. {@code "<s>"}, {@code "</s>"}) inside the text
 *                     and emit their ids, like llama.cpp's {@code parse_special} and Hugging Face's default;
 *                     when false they are tokenized as plain characters, like SentencePiece does, so that user
 *                     text can never inject a control token
 */
public record EncodeOptions(boolean addBos, boolean addEos, boolean parseSpecial) {
    /** Plain text: no BOS/EOS, special-token strings are ordinary text. */
    public static final EncodeOptions PLAIN = new EncodeOptions(false, false, false);
    /** A prompt as Llama expects it: BOS first, special-token strings are ordinary text. */
    public static final EncodeOptions WITH_BOS = new EncodeOptions(true, false, false);

    public EncodeOptions withParseSpecial(boolean parse) {
        return new EncodeOptions(addBos, addEos, parse);
    }
}
