package dev.codi4j.loaders.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.gguf.GgufFile;
import dev.codi4j.loaders.gguf.GgufValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Llama-family configuration, mirroring the fields of Hugging Face's {@code LlamaConfig}
 * ({@code config.json}); component names are the JSON names in camel case
 * ({@code num_key_value_heads} → {@link #numKeyValueHeads}). Grouped-query attention is expressed by
 * {@code numKeyValueHeads < numAttentionHeads}.
 *
 * @param eosTokenId every end-of-sequence id ({@code eos_token_id} may be a number or a list)
 * @param headDim {@code head_dim}, defaulting to hidden_size / num_attention_heads
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        String hiddenAct,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean mlpBias,
        int bosTokenId,
        List<Integer> eosTokenId,
        String torchDtype) {

    public LlamaConfig {
        eosTokenId = List.copyOf(eosTokenId);
        String where = "Llama config";
        positive(vocabSize, "vocab_size", where);
        positive(hiddenSize, "hidden_size", where);
        positive(intermediateSize, "intermediate_size", where);
        positive(numHiddenLayers, "num_hidden_layers", where);
        positive(numAttentionHeads, "num_attention_heads", where);
        positive(numKeyValueHeads, "num_key_value_heads", where);
        positive(headDim, "head_dim", where);
        positive(maxPositionEmbeddings, "max_position_embeddings", where);
        if (numAttentionHeads % numKeyValueHeads != 0)
            throw new IllegalArgumentException(where + ": num_attention_heads " + numAttentionHeads + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
        if (headDim % 2 != 0) throw new IllegalArgumentException(where + ": head_dim " + headDim + " must be even for rotary embeddings");
        if (!(rmsNormEps > 0)) throw new IllegalArgumentException(where + ": rms_norm_eps must be positive, is " + rmsNormEps);
        if (!(ropeTheta > 0)) throw new IllegalArgumentException(where + ": rope_theta must be positive, is " + ropeTheta);
        if (hiddenAct == null || !hiddenAct.equals("silu"))
            throw new IllegalArgumentException(where + ": hidden_act '" + hiddenAct + "' is not supported (Llama uses 'silu')");
    }

    private static void positive(int v, String name, String where) {
        if (v <= 0) throw new IllegalArgumentException(where + ": " + name + " must be positive, is " + v);
    }

    /** Query heads sharing one key/value head. */
    public int groupSize() { return numAttentionHeads / numKeyValueHeads; }

    /** Same as {@link #groupSize()}. */
    public int groups() { return groupSize(); }

    /** Reads a Hugging Face {@code config.json} (same as {@link #fromJson}). */
    public static LlamaConfig load(Path configJson) throws IOException { return fromJson(configJson); }

    /** From an already parsed {@link ConfigJson}. */
    public static LlamaConfig from(ConfigJson c) throws FormatException { return parse(c.json().toString(), c.source()); }

    /** Parameters, counting a tied classifier once. */
    public long parameterCount() {
        long d = hiddenSize, attn = d * numAttentionHeads * headDim * 2L + d * numKeyValueHeads * headDim * 2L;
        long mlp = 3L * d * intermediateSize;
        long perLayer = attn + mlp + 2 * d;
        return (long) vocabSize * d * (tieWordEmbeddings ? 1 : 2) + numHiddenLayers * perLayer + d;
    }

    /** A copy with another vocabulary size (e.g. when a GGUF file's token list says otherwise). */
    public LlamaConfig withVocabSize(int v) {
        return new LlamaConfig(v, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim,
                maxPositionEmbeddings, rmsNormEps, ropeTheta, hiddenAct, tieWordEmbeddings, attentionBias, mlpBias, bosTokenId, eosTokenId, torchDtype);
    }

    public LlamaConfig withTieWordEmbeddings(boolean tie) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim,
                maxPositionEmbeddings, rmsNormEps, ropeTheta, hiddenAct, tie, attentionBias, mlpBias, bosTokenId, eosTokenId, torchDtype);
    }

    // ---- presets -------------------------------------------------------------------------------

    /** {@code meta-llama/Llama-2-7b-hf} and {@code -chat-hf}. */
    public static LlamaConfig llama2_7b() {
        return new LlamaConfig(32000, 4096, 11008, 32, 32, 32, 128, 4096, 1e-5, 10000.0, "silu", false, false, false, 1, List.of(2), "float16");
    }

    /** {@code meta-llama/Llama-2-13b-hf} and {@code -chat-hf}. */
    public static LlamaConfig llama2_13b() {
        return new LlamaConfig(32000, 5120, 13824, 40, 40, 40, 128, 4096, 1e-5, 10000.0, "silu", false, false, false, 1, List.of(2), "float16");
    }

    /** A tiny grouped-query configuration for tests (2 layers, 4 query heads over 2 KV heads). */
    public static LlamaConfig tiny() {
        return new LlamaConfig(128, 32, 64, 2, 4, 2, 8, 128, 1e-5, 10000.0, "silu", false, false, false, 1, List.of(2), "float32");
    }

    // ---- config.json ---------------------------------------------------------------------------

    /** Reads a Hugging Face {@code config.json}. */
    public static LlamaConfig fromJson(Path configJson) throws IOException {
        String text = Files.readString(configJson, StandardCharsets.UTF_8);
        return parse(text, configJson.toString());
    }

    /** Parses {@code config.json} text; {@code source} names it in messages. */
    public static LlamaConfig parse(String json, String source) throws FormatException {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) throw new FormatException(source, "is not a JSON object");
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new FormatException(source, "is not valid JSON: " + e.getMessage(), e);
        }
        String modelType = str(o, "model_type", "llama", source);
        if (!List.of("llama", "mistral", "codi2").contains(modelType))
            throw new FormatException(source, "has model_type '" + modelType + "', not a Llama-family model; give the folder of a LlamaForCausalLM checkpoint");
        JsonElement rs = o.get("rope_scaling");
        if (rs != null && !rs.isJsonNull())
            throw new FormatException(source, "sets rope_scaling " + rs + ", which codi4j does not implement yet (Llama-2 checkpoints have none)");
        int hidden = integer(o, "hidden_size", null, source);
        int heads = integer(o, "num_attention_heads", null, source);
        int kv = integer(o, "num_key_value_heads", heads, source);
        int headDim = integer(o, "head_dim", heads > 0 ? hidden / heads : 0, source);
        List<Integer> eos = new ArrayList<>();
        JsonElement e = o.get("eos_token_id");
        if (e != null && e.isJsonArray()) for (JsonElement x : (JsonArray) e) eos.add(x.getAsInt());
        else if (e != null && !e.isJsonNull()) eos.add(integer(o, "eos_token_id", null, source));
        else eos.add(2);
        try {
            return new LlamaConfig(
                    integer(o, "vocab_size", null, source), hidden, integer(o, "intermediate_size", null, source),
                    integer(o, "num_hidden_layers", null, source), heads, kv, headDim,
                    integer(o, "max_position_embeddings", 2048, source),
                    number(o, "rms_norm_eps", 1e-6, source), number(o, "rope_theta", 10000.0, source),
                    str(o, "hidden_act", "silu", source), bool(o, "tie_word_embeddings", false, source),
                    bool(o, "attention_bias", false, source), bool(o, "mlp_bias", false, source),
                    integer(o, "bos_token_id", 1, source), eos, str(o, "torch_dtype", "float32", source));
        } catch (IllegalArgumentException ex) {
            throw new FormatException(source, ex.getMessage().replace("Llama config: ", ""), ex);
        }
    }

    private static JsonElement field(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e;
    }

    private static int integer(JsonObject o, String key, Integer dflt, String source) throws FormatException {
        JsonElement e = field(o, key);
        if (e == null) {
            if (dflt == null) throw new FormatException(source, "has no '" + key + "'; it is not a complete Llama config.json");
            return dflt;
        }
        try {
            double d = e.getAsDouble();
            if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw new NumberFormatException();
            return (int) d;
        } catch (RuntimeException ex) {
            throw new FormatException(source, "'" + key + "' should be an integer, found " + e);
        }
    }

    private static double number(JsonObject o, String key, double dflt, String source) throws FormatException {
        JsonElement e = field(o, key);
        if (e == null) return dflt;
        try { return e.getAsDouble(); } catch (RuntimeException ex) { throw new FormatException(source, "'" + key + "' should be a number, found " + e); }
    }

    private static boolean bool(JsonObject o, String key, boolean dflt, String source) throws FormatException {
        JsonElement e = field(o, key);
        if (e == null) return dflt;
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) throw new FormatException(source, "'" + key + "' should be true or false, found " + e);
        return e.getAsBoolean();
    }

    private static String str(JsonObject o, String key, String dflt, String source) throws FormatException {
        JsonElement e = field(o, key);
        if (e == null) return dflt;
        if (!e.isJsonPrimitive()) throw new FormatException(source, "'" + key + "' should be a string, found " + e);
        return e.getAsString();
    }

    // ---- GGUF ----------------------------------------------------------------------------------

    /**
     * Reads the {@code llama.*} metadata llama.cpp's converter writes. The vocabulary size comes
     * from {@code llama.vocab_size} or, in older files, the token list's length; the classifier is
     * tied when the file has no {@code output.weight}.
     */
    public static LlamaConfig fromGguf(GgufFile f) throws FormatException {
        String src = f.path().toString();
        String arch = f.getOrNull("general.architecture") == null ? null : f.getString("general.architecture");
        if (!"llama".equals(arch))
            throw new FormatException(src, "has general.architecture '" + arch + "'; codi4j's Llama loader reads 'llama' GGUF files");
        try {
            int hidden = f.getInt("llama.embedding_length");
            int heads = f.getInt("llama.attention.head_count");
            int kv = f.getOrNull("llama.attention.head_count_kv") == null ? heads : f.getInt("llama.attention.head_count_kv");
            int vocab;
            if (f.getOrNull("llama.vocab_size") != null) vocab = f.getInt("llama.vocab_size");
            else if (f.getOrNull("tokenizer.ggml.tokens") != null) vocab = f.get("tokenizer.ggml.tokens").size();
            else if (f.tensorInfo("token_embd.weight") != null) vocab = f.tensorInfo("token_embd.weight").shape()[0];
            else throw new FormatException(src, "has no llama.vocab_size, token list or token_embd.weight");
            int headDim = hidden / heads;
            GgufValue kl = f.getOrNull("llama.attention.key_length");
            if (kl != null) headDim = kl.asInt();
            int rot = f.getOrNull("llama.rope.dimension_count") == null ? headDim : f.getInt("llama.rope.dimension_count");
            if (rot != headDim) throw new FormatException(src, "rotates " + rot + " of " + headDim + " head features; codi4j's Llama rotates them all");
            double eps = f.getOrNull("llama.attention.layer_norm_rms_epsilon") == null ? 1e-5 : f.getFloat("llama.attention.layer_norm_rms_epsilon");
            double theta = f.getOrNull("llama.rope.freq_base") == null ? 10000.0 : f.getFloat("llama.rope.freq_base");
            int ctx = f.getOrNull("llama.context_length") == null ? 2048 : f.getInt("llama.context_length");
            int bos = f.getOrNull("tokenizer.ggml.bos_token_id") == null ? 1 : f.getInt("tokenizer.ggml.bos_token_id");
            int eos = f.getOrNull("tokenizer.ggml.eos_token_id") == null ? 2 : f.getInt("tokenizer.ggml.eos_token_id");
            boolean tied = f.tensorInfo("output.weight") == null;
            return new LlamaConfig(vocab, hidden, f.getInt("llama.feed_forward_length"), f.getInt("llama.block_count"), heads, kv, headDim,
                    ctx, eps, theta, "silu", tied, false, false, bos, List.of(eos), "gguf");
        } catch (IllegalArgumentException e) {
            throw new FormatException(src, e.getMessage(), e);
        }
    }
}
