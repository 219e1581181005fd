package dev.codi4j.loaders.config;

import dev.codi4j.loaders.FormatException;
import java.io.IOException;
import java.nio.file.Path;

/** transformers {@code CLIPTextConfig} (a {@code text_encoder/config.json}, or {@code text_config} inside a CLIPModel config). */
public record CLIPTextConfig(int vocab_size, int hidden_size, int intermediate_size, int projection_dim, int num_hidden_layers,
        int num_attention_heads, int max_position_embeddings, String hidden_act, double layer_norm_eps,
        int pad_token_id, int bos_token_id, int eos_token_id) {

    public static CLIPTextConfig load(Path configJson) throws IOException { return from(ConfigJson.read(configJson)); }

    /** Reads a text config; for a full CLIPModel config its {@code text_config} part is used. */
    public static CLIPTextConfig from(ConfigJson c) throws FormatException {
        if (c.json().has("text_config") && c.json().get("text_config").isJsonObject())
            c = ConfigJson.parse(c.json().get("text_config").toString(), c.source() + " (text_config)");
        return new CLIPTextConfig(c.optInt("vocab_size", 49408), c.reqInt("hidden_size"), c.reqInt("intermediate_size"),
                c.optInt("projection_dim", 512), c.reqInt("num_hidden_layers"), c.reqInt("num_attention_heads"),
                c.optInt("max_position_embeddings", 77), c.optString("hidden_act", "quick_gelu"), c.optDouble("layer_norm_eps", 1e-5),
                c.optInt("pad_token_id", 1), c.optInt("bos_token_id", 49406), c.optInt("eos_token_id", 49407));
    }

    /** The OpenCLIP ViT-H/14 text tower as stable-diffusion-2-1(-unclip) ships it (23 of its 24 layers; penultimate output). */
    public static CLIPTextConfig sd21() { return new CLIPTextConfig(49408, 1024, 4096, 512, 23, 16, 77, "gelu", 1e-5, 1, 0, 2); }

    /** A tiny configuration for tests. */
    public static CLIPTextConfig tiny() { return new CLIPTextConfig(1000, 32, 37, 32, 2, 4, 77, "gelu", 1e-5, 1, 0, 2); }

    public int headDim() { return hidden_size / num_attention_heads; }
}
