package dev.codi4j.loaders.config;

import dev.codi4j.loaders.FormatException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Hugging Face {@code LlamaConfig} ({@code config.json} of {@code LlamaForCausalLM}), field names as
 * upstream. The size fields (vocab_size, hidden_size, intermediate_size, num_hidden_layers,
 * num_attention_heads) are required: a silent default there would build a model that only fails
 * later on a shape mismatch. The others take transformers' defaults; num_key_value_heads defaults
 * to num_attention_heads (no grouped-query attention) and head_dim to hidden_size / heads.
 */
public record LlamaConfig(
        int vocab_size, int hidden_size, int intermediate_size, int num_hidden_layers, int num_attention_heads,
        int num_key_value_heads, int head_dim, String hidden_act, int max_position_embeddings, double rms_norm_eps,
        double rope_theta, boolean tie_word_embeddings, boolean attention_bias, boolean mlp_bias,
        Integer bos_token_id, Integer eos_token_id, Integer pad_token_id, String torch_dtype) {

    public LlamaConfig {
        if (hidden_size <= 0 || num_attention_heads <= 0 || num_key_value_heads <= 0 || head_dim <= 0)
            throw new IllegalArgumentException("LlamaConfig sizes must be positive: hidden_size " + hidden_size + ", heads " + num_attention_heads + ", kv heads " + num_key_value_heads);
        if (num_attention_heads % num_key_value_heads != 0)
            throw new IllegalArgumentException("num_attention_heads " + num_attention_heads + " is not a multiple of num_key_value_heads " + num_key_value_heads);
    }

    public static LlamaConfig load(Path configJson) throws IOException { return from(ConfigJson.read(configJson)); }

    public static LlamaConfig from(ConfigJson c) throws FormatException {
        int heads = c.reqInt("num_attention_heads"), hidden = c.reqInt("hidden_size");
        int kv = c.optInt("num_key_value_heads", heads);
        if (c.has("rope_scaling")) throw new FormatException(c.source(), "sets rope_scaling " + c.json().get("rope_scaling") + ", which codi4j does not implement yet (Llama-2 has none)");
        // newer Llama configs list several end tokens; the first is the one Llama-2 uses
        int eos = c.has("eos_token_id") && c.json().get("eos_token_id").isJsonArray() ? c.optInts("eos_token_id", null)[0] : c.optInt("eos_token_id", 2);
        try {
            return new LlamaConfig(c.reqInt("vocab_size"), hidden, c.reqInt("intermediate_size"), c.reqInt("num_hidden_layers"), heads, kv,
                    c.optInt("head_dim", hidden / heads), c.optString("hidden_act", "silu"), c.optInt("max_position_embeddings", 2048),
                    c.optDouble("rms_norm_eps", 1e-6), c.optDouble("rope_theta", 10000.0), c.optBool("tie_word_embeddings", false),
                    c.optBool("attention_bias", false), c.optBool("mlp_bias", false), c.optInt("bos_token_id", 1),
                    eos, c.optInteger("pad_token_id"), c.optString("torch_dtype", null));
        } catch (IllegalArgumentException e) {
            throw new FormatException(c.source(), e.getMessage());
        }
    }

    /** meta-llama/Llama-2-7b-hf and -chat-hf. */
    public static LlamaConfig llama2_7b() {
        return new LlamaConfig(32000, 4096, 11008, 32, 32, 32, 128, "silu", 4096, 1e-5, 10000.0, false, false, false, 1, 2, null, "float16");
    }

    /** meta-llama/Llama-2-13b-hf and -chat-hf. */
    public static LlamaConfig llama2_13b() {
        return new LlamaConfig(32000, 5120, 13824, 40, 40, 40, 128, "silu", 4096, 1e-5, 10000.0, false, false, false, 1, 2, null, "float16");
    }

    /** A tiny random-weights configuration for tests (grouped-query attention: 4 heads, 2 KV heads). */
    public static LlamaConfig tiny() {
        return new LlamaConfig(128, 64, 160, 2, 4, 2, 16, "silu", 128, 1e-5, 10000.0, false, false, false, 1, 2, null, "float32");
    }

    /** Query heads per key/value head (1 without grouped-query attention). */
    public int groups() { return num_attention_heads / num_key_value_heads; }
}
