package dev.codi4j.loaders.tokenizer;

import java.util.List;

/**
 * The tokenizer as a GGUF file stores it, key by key, for {@link SentencePieceTokenizer#fromGguf}. A null
 * object field means "key absent"; the default is then llama.cpp's for a {@code llama} (SentencePiece) vocab.
 *
 * @param model                  {@code tokenizer.ggml.model}; must be {@code "llama"}
 * @param tokens                 {@code tokenizer.ggml.tokens}
 * @param scores                 {@code tokenizer.ggml.scores} (null: all 0, merges then go left to right)
 * @param tokenTypes             {@code tokenizer.ggml.token_type} (null: all NORMAL; 1 NORMAL, 2 UNKNOWN,
 *                               3 CONTROL, 4 USER_DEFINED, 5 UNUSED, 6 BYTE)
 * @param bosId                  {@code tokenizer.ggml.bos_token_id} (null: 1)
 * @param eosId                  {@code tokenizer.ggml.eos_token_id} (null: 2)
 * @param unkId                  {@code tokenizer.ggml.unknown_token_id} (null: 0)
 * @param padId                  {@code tokenizer.ggml.padding_token_id} (null: none)
 * @param addBos                 {@code tokenizer.ggml.add_bos_token} (null: true)
 * @param addEos                 {@code tokenizer.ggml.add_eos_token} (null: false)
 * @param addSpacePrefix         {@code tokenizer.ggml.add_space_prefix} (null: true)
 * @param removeExtraWhitespaces {@code tokenizer.ggml.remove_extra_whitespaces} (null: false)
 * @param precompiledCharsmap    {@code tokenizer.ggml.precompiled_charsmap} (null or empty: identity)
 * @param source                 names the file in error messages
 */
public record GgufTokenizerData(String model, List<String> tokens, float[] scores, int[] tokenTypes,
                                Integer bosId, Integer eosId, Integer unkId, Integer padId,
                                Boolean addBos, Boolean addEos, Boolean addSpacePrefix,
                                Boolean removeExtraWhitespaces, byte[] precompiledCharsmap, String source) {

    /** The keys a Llama-2 GGUF has, with the other keys absent. */
    public static GgufTokenizerData llama(List<String> tokens, float[] scores, int[] tokenTypes, int bos, int eos,
                                          int unk, String source) {
        return new GgufTokenizerData("llama", tokens, scores, tokenTypes, bos, eos, unk, null, null, null, null, null,
                null, source);
    }

    SentencePieceTokenizer.Config toConfig() {
        String src = source == null ? "GGUF tokenizer" : source;
        if (!"llama".equals(model)) {
            throw new TokenizerException(src + ": tokenizer.ggml.model is '" + model + "'; this loader handles 'llama' "
                    + "(SentencePiece BPE). Other GGUF tokenizers (gpt2, bert, ...) are not supported.");
        }
        if (tokens == null || tokens.isEmpty()) {
            throw new TokenizerException(src + ": tokenizer.ggml.tokens is missing or empty; a llama vocab has e.g. 32000");
        }
        int n = tokens.size();
        if (scores != null && scores.length != n) {
            throw new TokenizerException(src + ": tokenizer.ggml.scores has " + scores.length + " entries, expected "
                    + n + " (one per token)");
        }
        if (tokenTypes != null && tokenTypes.length != n) {
            throw new TokenizerException(src + ": tokenizer.ggml.token_type has " + tokenTypes.length
                    + " entries, expected " + n + " (one per token)");
        }
        if (precompiledCharsmap != null && precompiledCharsmap.length > 0) {
            throw new TokenizerException(src + ": tokenizer.ggml.precompiled_charsmap is set; codi4j implements only the "
                    + "identity normalizer that Llama vocabularies use");
        }
        String[] pieces = new String[n];
        float[] sc = new float[n];
        PieceType[] types = new PieceType[n];
        boolean hasBytes = false;
        for (int i = 0; i < n; i++) {
            String t = tokens.get(i);
            if (t == null || t.isEmpty()) {
                throw new TokenizerException(src + ": tokenizer.ggml.tokens[" + i + "] is empty; every token needs text");
            }
            pieces[i] = t;
            sc[i] = scores == null ? 0f : scores[i];
            int code = tokenTypes == null ? 1 : tokenTypes[i];
            PieceType pt = PieceType.fromCode(code);
            if (pt == null) {
                throw new TokenizerException(src + ": tokenizer.ggml.token_type[" + i + "] = " + code
                        + ", expected 1..6 (NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE)");
            }
            types[i] = pt;
            hasBytes |= pt == PieceType.BYTE;
        }
        int unk = checkId(unkId, 0, n, "tokenizer.ggml.unknown_token_id", src);
        int bos = checkId(bosId, 1, n, "tokenizer.ggml.bos_token_id", src);
        int eos = checkId(eosId, 2, n, "tokenizer.ggml.eos_token_id", src);
        int pad = checkId(padId, -1, n, "tokenizer.ggml.padding_token_id", src);
        boolean prefix = addSpacePrefix == null || addSpacePrefix;
        boolean extra = removeExtraWhitespaces != null && removeExtraWhitespaces;
        return new SentencePieceTokenizer.Config(src, pieces, sc, types, SentencePieceTokenizer.MergeRule.SCORE, null,
                hasBytes, true, false, unk, bos, eos, pad, new SentencePieceNormalizer(prefix, extra, true, true),
                false, prefix || extra, extra, " \u2047 ", addBos == null || addBos, addEos != null && addEos,
                List.of(), List.of(), List.of());
    }

    private static int checkId(Integer id, int dflt, int n, String key, String src) {
        int v = id == null ? dflt : id;
        if (v >= n || v < -1) {
            throw new TokenizerException(src + ": " + key + " = " + v + " is outside the vocabulary (0.." + (n - 1) + ")");
        }
        return v;
    }
}
