package dev.codi4j.loaders.tokenizer;

import java.util.Map;

/**
 * Text ↔ token ids. Implementations are immutable and safe to share between threads.
 *
 * <p>Ids that are absent (a vocabulary without a pad token, say) are reported as {@code -1}.
 */
public interface Tokenizer {

    /** Tokens of {@code text}, without BOS/EOS, special-token strings treated as plain text. */
    default int[] encode(String text) {
        return encode(text, EncodeOptions.PLAIN);
    }

    /** Tokens of {@code text}, with BOS first when {@code addBos}; special-token strings are plain text. */
    default int[] encode(String text, boolean addBos) {
        return encode(text, addBos ? EncodeOptions.WITH_BOS : EncodeOptions.PLAIN);
    }

    int[] encode(String text, EncodeOptions options);

    /** Text of {@code ids} with {@link DecodeOptions#DEFAULT}. */
    default String decode(int[] ids) {
        return decode(ids, DecodeOptions.DEFAULT);
    }

    /** Text of {@code ids}; equal to feeding them one by one to {@link #newStreamingDecoder(DecodeOptions)}. */
    default String decode(int[] ids, DecodeOptions options) {
        StreamingDecoder d = newStreamingDecoder(options);
        StringBuilder sb = new StringBuilder(ids.length * 4);
        for (int id : ids) {
            sb.append(d.next(id));
        }
        return sb.append(d.finish()).toString();
    }

    /**
     * A decoder for tokens that arrive one at a time (generation). It holds back the bytes of a character that
     * byte-fallback tokens have only partly delivered, so that every string it returns is complete text.
     */
    StreamingDecoder newStreamingDecoder(DecodeOptions options);

    default StreamingDecoder newStreamingDecoder() {
        return newStreamingDecoder(DecodeOptions.DEFAULT);
    }

    int vocabSize();

    int bosId();

    int eosId();

    int padId();

    int unkId();

    /** Special tokens by their text (control tokens, {@code <unk>}, added special tokens), in id order. */
    Map<String, Integer> specialTokens();

    boolean isSpecial(int id);

    /** The vocabulary entry of {@code id} exactly as stored (e.g. {@code "▁Hello"}, {@code "<0x0A>"}). */
    String idToPiece(int id);

    /** Id of the vocabulary entry {@code piece}, or -1 when there is none. */
    int pieceToId(String piece);

    /** Whether the tokenizer file asks for BOS to be added to prompts (Hugging Face post-processor, GGUF add_bos). */
    boolean addsBosByDefault();
}
