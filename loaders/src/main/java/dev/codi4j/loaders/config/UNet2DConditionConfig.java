package dev.codi4j.loaders.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * diffusers' {@code UNet2DConditionModel} config ({@code unet/config.json}), fields named as upstream,
 * defaults as in diffusers' {@code __init__}. Per-block fields (an int or a list upstream) are expanded
 * to one entry per down block.
 *
 * <p>{@code attentionHeadDim} keeps diffusers' historical naming: when {@code num_attention_heads} is
 * absent (every public checkpoint), {@code attention_head_dim} is the <em>number of heads</em> of each
 * block, and the head size is the block's channels divided by it (SD 2.x: [5, 10, 20, 20] heads of
 * 64). {@link #numAttentionHeads()} holds the resolved head counts.
 *
 * @param classEmbedType null, "projection" (unCLIP: a TimestepEmbedding MLP over an arbitrary vector),
 *     "simple_projection", "timestep" or "identity"
 */
public record UNet2DConditionConfig(
        Integer sampleSize, int inChannels, int outChannels, boolean centerInputSample,
        boolean flipSinToCos, double freqShift,
        List<String> downBlockTypes, String midBlockType, List<String> upBlockTypes,
        boolean[] onlyCrossAttention, int[] blockOutChannels, int[] layersPerBlock, int downsamplePadding,
        double midBlockScaleFactor, String actFn, int normNumGroups, double normEps,
        int[] crossAttentionDim, int[] transformerLayersPerBlock, int[] attentionHeadDim, int[] numAttentionHeads,
        boolean useLinearProjection, String classEmbedType, Integer projectionClassEmbeddingsInputDim,
        boolean classEmbeddingsConcat, boolean upcastAttention, Integer timeEmbeddingDim, String timestepPostAct,
        int convInKernel, int convOutKernel, boolean midBlockOnlyCrossAttention) {

    private static final Set<String> DOWN = Set.of("CrossAttnDownBlock2D", "DownBlock2D");
    private static final Set<String> UP = Set.of("CrossAttnUpBlock2D", "UpBlock2D");

    public int blocks() { return blockOutChannels.length; }

    /** Channels of the time embedding (4 × block_out_channels[0] unless {@code time_embedding_dim}). */
    public int timeEmbedDim() { return timeEmbeddingDim != null ? timeEmbeddingDim : blockOutChannels[0] * 4; }

    public static UNet2DConditionConfig read(Path file) throws IOException { return parse(JsonFields.read(file)); }

    public static UNet2DConditionConfig parse(JsonFields j) throws ConfigException {
        List<String> down = j.strings("down_block_types", List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"));
        List<String> up = j.strings("up_block_types", List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"));
        int n = down.size();
        if (up.size() != n) throw j.error("down_block_types has " + n + " entries but up_block_types has " + up.size() + "; they must match");
        for (String t : down) if (!DOWN.contains(t)) throw j.error("down block type '" + t + "' is not supported; codi4j implements " + DOWN);
        for (String t : up) if (!UP.contains(t)) throw j.error("up block type '" + t + "' is not supported; codi4j implements " + UP);
        String mid = j.has("mid_block_type") ? j.string("mid_block_type", null) : "UNetMidBlock2DCrossAttn";
        if (mid != null && !mid.equals("UNetMidBlock2DCrossAttn")) throw j.error("mid_block_type '" + mid + "' is not supported; codi4j implements UNetMidBlock2DCrossAttn (or null)");
        int[] boc = j.ints("block_out_channels", new int[] {320, 640, 1280, 1280});
        if (boc.length != n) throw j.error("block_out_channels has " + boc.length + " entries, down_block_types " + n + "; they must match");
        if (j.has("num_attention_heads")) throw j.error("field 'num_attention_heads' is set; diffusers refuses it too (issue #2011) — put the head counts in 'attention_head_dim'");
        int[] headDim = j.intOrList("attention_head_dim", n, 8);
        int[] heads = headDim.clone();
        int groups = j.has("norm_num_groups") ? j.integer("norm_num_groups", 32) : j.json().has("norm_num_groups") ? -1 : 32;
        if (groups <= 0) throw j.error("norm_num_groups null is not supported (no output GroupNorm); use 32");
        String act = j.string("act_fn", "silu");
        if (!act.equals("silu") && !act.equals("swish")) throw j.error("act_fn '" + act + "' is not supported; codi4j implements silu");
        j.requireAbsentOr("addition_embed_type", null, "SDXL/Kandinsky added embeddings are not implemented");
        j.requireAbsentOr("encoder_hid_dim", null, "encoder hidden-state projection is not implemented");
        j.requireAbsentOr("encoder_hid_dim_type", null, "encoder hidden-state projection is not implemented");
        j.requireAbsentOr("time_cond_proj_dim", null, "timestep condition projection (LCM) is not implemented");
        j.requireAbsentOr("dual_cross_attention", false, "dual cross-attention is not implemented");
        j.requireAbsentOr("resnet_time_scale_shift", "default", "scale_shift time conditioning is not implemented");
        j.requireAbsentOr("time_embedding_type", "positional", "Fourier time embeddings are not implemented");
        j.requireAbsentOr("time_embedding_act_fn", null, "an activation after the time embedding is not implemented");
        j.requireAbsentOr("attention_type", "default", "gated (GLIGEN) attention is not implemented");
        j.requireAbsentOr("cross_attention_norm", null, "cross-attention norms are not implemented");
        j.requireAbsentOr("resnet_skip_time_act", false, "skipping the time activation is not implemented");
        j.requireAbsentOr("resnet_out_scale_factor", 1.0, "resnet output scaling is not implemented");
        j.requireAbsentOr("reverse_transformer_layers_per_block", null, "asymmetric transformer depths are not implemented");
        j.requireAbsentOr("num_class_embeds", null, "integer class labels (nn.Embedding) are not implemented");
        String cls = j.string("class_embed_type", null);
        if (cls != null && !Set.of("projection", "simple_projection", "timestep", "identity").contains(cls))
            throw j.error("class_embed_type '" + cls + "' is not supported; codi4j implements projection, simple_projection, timestep and identity");
        Integer projIn = j.optInteger("projection_class_embeddings_input_dim");
        if (cls != null && cls.endsWith("projection") && projIn == null) throw j.error("class_embed_type '" + cls + "' requires projection_class_embeddings_input_dim");
        String post = j.string("timestep_post_act", null);
        if (post != null && !post.equals("silu") && !post.equals("swish")) throw j.error("timestep_post_act '" + post + "' is not supported; codi4j implements silu");
        boolean onlyCrossScalar = !j.has("only_cross_attention") || j.json().get("only_cross_attention").isJsonPrimitive();
        boolean[] onlyCross = j.boolOrList("only_cross_attention", n, false);
        boolean midOnlyCross = j.has("mid_block_only_cross_attention") ? j.bool("mid_block_only_cross_attention", false) : onlyCrossScalar && onlyCross[0];
        int convIn = j.integer("conv_in_kernel", 3), convOut = j.integer("conv_out_kernel", 3);
        if (convIn % 2 == 0 || convOut % 2 == 0) throw j.error("conv_in_kernel/conv_out_kernel must be odd, found " + convIn + "/" + convOut);
        UNet2DConditionConfig c = new UNet2DConditionConfig(
                j.optInteger("sample_size"), j.integer("in_channels", 4), j.integer("out_channels", 4), j.bool("center_input_sample", false),
                j.bool("flip_sin_to_cos", true), j.number("freq_shift", 0),
                down, mid, up, onlyCross, boc, j.intOrList("layers_per_block", n, 2), j.integer("downsample_padding", 1),
                j.number("mid_block_scale_factor", 1), act, groups, j.number("norm_eps", 1e-5),
                j.intOrList("cross_attention_dim", n, 1280), j.intOrList("transformer_layers_per_block", n, 1), headDim, heads,
                j.bool("use_linear_projection", false), cls, projIn, j.bool("class_embeddings_concat", false),
                j.bool("upcast_attention", false), j.optInteger("time_embedding_dim"), post, convIn, convOut, midOnlyCross);
        c.validate(j.source());
        return c;
    }

    /** Checks the channel arithmetic the blocks rely on. */
    public void validate(String source) throws ConfigException {
        for (int i = 0; i < blocks(); i++) {
            if (blockOutChannels[i] % normNumGroups != 0) throw new ConfigException(source, "block_out_channels[" + i + "] = " + blockOutChannels[i] + " is not divisible by norm_num_groups " + normNumGroups);
            if (numAttentionHeads[i] <= 0 || blockOutChannels[i] % numAttentionHeads[i] != 0)
                throw new ConfigException(source, "block " + i + ": " + blockOutChannels[i] + " channels cannot be split into " + numAttentionHeads[i] + " heads (attention_head_dim holds head counts)");
        }
        // up block i uses the heads of down block (n-1-i) but its own channels
        for (int i = 0; i < blocks(); i++) {
            int ch = blockOutChannels[blocks() - 1 - i], h = numAttentionHeads[blocks() - 1 - i];
            if (ch % h != 0) throw new ConfigException(source, "up block " + i + ": " + ch + " channels cannot be split into " + h + " heads");
        }
    }

    /** {@code stabilityai/stable-diffusion-2-1-unclip}'s UNet (865M parameters, v-prediction, 768²). */
    public static UNet2DConditionConfig sd21Unclip() {
        return sd(4, new int[] {5, 10, 20, 20}, 1024, true, "projection", 2048, 96, true);
    }

    /** {@code timbrooks/instruct-pix2pix}'s UNet: SD 1.5 with 8 input channels (noise ⊕ image latents). */
    public static UNet2DConditionConfig instructPix2Pix() {
        return sd(8, new int[] {8, 8, 8, 8}, 768, false, null, null, 64, false);
    }

    private static UNet2DConditionConfig sd(int in, int[] heads, int cross, boolean linearProj, String cls, Integer projIn, int sample, boolean upcast) {
        int n = 4;
        return new UNet2DConditionConfig(sample, in, 4, false, true, 0,
                List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"), "UNetMidBlock2DCrossAttn",
                List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
                new boolean[n], new int[] {320, 640, 1280, 1280}, new int[] {2, 2, 2, 2}, 1, 1, "silu", 32, 1e-5,
                new int[] {cross, cross, cross, cross}, new int[] {1, 1, 1, 1}, heads.clone(), heads.clone(), linearProj, cls, projIn,
                false, upcast, null, null, 3, 3, false);
    }
}
