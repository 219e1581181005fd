package dev.codi4j.loaders.config;

import dev.codi4j.loaders.FormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * diffusers {@code UNet2DConditionModel} config ({@code unet/config.json}), field names as upstream.
 * Fields that diffusers accepts as one value or one per down block (attention_head_dim,
 * num_attention_heads, layers_per_block, cross_attention_dim, transformer_layers_per_block,
 * only_cross_attention) are expanded to one value per block. Defaults follow diffusers; as in
 * diffusers, num_attention_heads defaults to attention_head_dim (which, for SD 2.x configs, holds
 * the head count despite its name).
 */
public record UNet2DConditionConfig(
        Integer sample_size, int in_channels, int out_channels, boolean center_input_sample, boolean flip_sin_to_cos, int freq_shift,
        List<String> down_block_types, String mid_block_type, List<String> up_block_types, boolean[] only_cross_attention,
        int[] block_out_channels, int[] layers_per_block, int downsample_padding, double mid_block_scale_factor, String act_fn,
        int norm_num_groups, double norm_eps, int[] cross_attention_dim, int[] transformer_layers_per_block,
        int[] attention_head_dim, int[] num_attention_heads, boolean dual_cross_attention, boolean use_linear_projection,
        String class_embed_type, String addition_embed_type, Integer num_class_embeds, boolean upcast_attention,
        String resnet_time_scale_shift, String time_embedding_type, Integer projection_class_embeddings_input_dim,
        boolean class_embeddings_concat, int conv_in_kernel, int conv_out_kernel) {

    public static UNet2DConditionConfig load(Path configJson) throws IOException { return from(ConfigJson.read(configJson)); }

    public static UNet2DConditionConfig from(ConfigJson c) throws FormatException {
        List<String> down = c.optStrings("down_block_types", List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"));
        List<String> up = c.optStrings("up_block_types", List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"));
        int n = down.size();
        int[] channels = c.optInts("block_out_channels", new int[] {320, 640, 1280, 1280});
        if (channels.length != n || up.size() != n)
            throw new FormatException(c.source(), "has " + n + " down blocks, " + up.size() + " up blocks and " + channels.length + " block_out_channels; they must agree");
        int[] headDim = c.intOrList("attention_head_dim", n, 8);
        int[] heads = c.has("num_attention_heads") ? c.intOrList("num_attention_heads", n, null) : headDim.clone();
        String classEmbed = c.optString("class_embed_type", null);
        Integer projDim = c.optInteger("projection_class_embeddings_input_dim");
        if ("projection".equals(classEmbed) && projDim == null)
            throw new FormatException(c.source(), "sets class_embed_type \"projection\" without projection_class_embeddings_input_dim");
        return new UNet2DConditionConfig(c.optInteger("sample_size"), c.optInt("in_channels", 4), c.optInt("out_channels", 4),
                c.optBool("center_input_sample", false), c.optBool("flip_sin_to_cos", true), c.optInt("freq_shift", 0),
                down, c.optString("mid_block_type", "UNetMidBlock2DCrossAttn"), up, c.boolOrList("only_cross_attention", n, false),
                channels, c.intOrList("layers_per_block", n, 2), c.optInt("downsample_padding", 1), c.optDouble("mid_block_scale_factor", 1),
                c.optString("act_fn", "silu"), c.optInt("norm_num_groups", 32), c.optDouble("norm_eps", 1e-5),
                c.intOrList("cross_attention_dim", n, 1280), c.intOrList("transformer_layers_per_block", n, 1), headDim, heads,
                c.optBool("dual_cross_attention", false), c.optBool("use_linear_projection", false), classEmbed,
                c.optString("addition_embed_type", null), c.optInteger("num_class_embeds"), c.optBool("upcast_attention", false),
                c.optString("resnet_time_scale_shift", "default"), c.optString("time_embedding_type", "positional"), projDim,
                c.optBool("class_embeddings_concat", false), c.optInt("conv_in_kernel", 3), c.optInt("conv_out_kernel", 3));
    }

    /**
     * stabilityai/stable-diffusion-2-1-unclip (the -h variant) UNet, derived from Stability's
     * v2-1-stable-unclip-h-inference.yaml the way diffusers' converter maps it (model_channels 320,
     * channel_mult 1,2,4,4, num_head_channels 64, context_dim 1024, adm_in_channels 2048 = 1024-d
     * image embedding ⊕ 1024-d noise-level embedding, use_linear_in_transformer, 768² → sample 96).
     */
    public static UNet2DConditionConfig sd21UnclipH() {
        List<String> down = List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D");
        List<String> up = List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D");
        return new UNet2DConditionConfig(96, 4, 4, false, true, 0, down, "UNetMidBlock2DCrossAttn", up, new boolean[4],
                new int[] {320, 640, 1280, 1280}, new int[] {2, 2, 2, 2}, 1, 1, "silu", 32, 1e-5, new int[] {1024, 1024, 1024, 1024},
                new int[] {1, 1, 1, 1}, new int[] {5, 10, 20, 20}, new int[] {5, 10, 20, 20}, false, true, "projection", null, null, true,
                "default", "positional", 2048, false, 3, 3);
    }

    /** A tiny UNet with the same block structure and a projection class embedding, for tests. */
    public static UNet2DConditionConfig tiny() {
        List<String> down = List.of("CrossAttnDownBlock2D", "DownBlock2D");
        List<String> up = List.of("UpBlock2D", "CrossAttnUpBlock2D");
        return new UNet2DConditionConfig(8, 4, 4, false, true, 0, down, "UNetMidBlock2DCrossAttn", up, new boolean[2],
                new int[] {32, 64}, new int[] {1, 1}, 1, 1, "silu", 8, 1e-5, new int[] {32, 32}, new int[] {1, 1}, new int[] {2, 4},
                new int[] {2, 4}, false, true, "projection", null, null, false, "default", "positional", 64, false, 3, 3);
    }

    /** Width of the time embedding: 4 × the first block's channels, as diffusers builds it. */
    public int timeEmbedDim() { return block_out_channels[0] * 4; }
}
