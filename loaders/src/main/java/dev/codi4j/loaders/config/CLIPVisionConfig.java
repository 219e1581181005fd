package dev.codi4j.loaders.config;

import dev.codi4j.loaders.FormatException;
import java.io.IOException;
import java.nio.file.Path;

/** transformers {@code CLIPVisionConfig} (an {@code image_encoder/config.json}, or {@code vision_config} inside a CLIPModel config). */
public record CLIPVisionConfig(int hidden_size, int intermediate_size, int projection_dim, int num_hidden_layers, int num_attention_heads,
        int num_channels, int image_size, int patch_size, String hidden_act, double layer_norm_eps) {

    public static CLIPVisionConfig load(Path configJson) throws IOException { return from(ConfigJson.read(configJson)); }

    public static CLIPVisionConfig from(ConfigJson c) throws FormatException {
        if (c.json().has("vision_config") && c.json().get("vision_config").isJsonObject())
            c = ConfigJson.parse(c.json().get("vision_config").toString(), c.source() + " (vision_config)");
        CLIPVisionConfig v = new CLIPVisionConfig(c.reqInt("hidden_size"), c.reqInt("intermediate_size"), c.optInt("projection_dim", 512),
                c.reqInt("num_hidden_layers"), c.reqInt("num_attention_heads"), c.optInt("num_channels", 3), c.optInt("image_size", 224),
                c.optInt("patch_size", 32), c.optString("hidden_act", "quick_gelu"), c.optDouble("layer_norm_eps", 1e-5));
        if (v.patch_size <= 0 || v.image_size % v.patch_size != 0)
            throw new FormatException(c.source(), "image_size " + v.image_size + " is not a multiple of patch_size " + v.patch_size);
        return v;
    }

    /** OpenCLIP ViT-H/14 as the image_encoder of stable-diffusion-2-1-unclip (CLIPVisionModelWithProjection). */
    public static CLIPVisionConfig vitH14() { return new CLIPVisionConfig(1280, 5120, 1024, 32, 16, 3, 224, 14, "gelu", 1e-5); }

    public static CLIPVisionConfig tiny() { return new CLIPVisionConfig(32, 37, 32, 2, 4, 3, 30, 2, "gelu", 1e-5); }

    /** Patches per side. */
    public int gridSize() { return image_size / patch_size; }
}
