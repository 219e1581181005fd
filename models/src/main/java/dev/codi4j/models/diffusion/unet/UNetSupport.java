package dev.codi4j.models.diffusion.unet;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.config.ConfigJson;
import dev.codi4j.loaders.config.UNet2DConditionConfig;
import java.util.Arrays;
import java.util.Set;

/**
 * What of diffusers' {@code UNet2DConditionModel} codi4j implements — the Stable Diffusion 1.x/2.x,
 * unCLIP and InstructPix2Pix configurations — and explicit refusals, naming the setting, for the rest
 * (SDXL added embeddings, GLIGEN, LCM time conditioning, ...), so an unsupported checkpoint fails at
 * load instead of producing wrong images.
 */
public final class UNetSupport {
    private UNetSupport() {}

    private static final Set<String> DOWN = Set.of("CrossAttnDownBlock2D", "DownBlock2D");
    private static final Set<String> UP = Set.of("CrossAttnUpBlock2D", "UpBlock2D");
    private static final Set<String> CLASS_EMBEDS = Set.of("projection", "simple_projection", "timestep", "identity");

    /** Checks the parsed record. */
    public static void check(UNet2DConditionConfig c) {
        for (String t : c.down_block_types()) if (!DOWN.contains(t)) throw unsupported("down block type '" + t + "'", "implements " + DOWN);
        for (String t : c.up_block_types()) if (!UP.contains(t)) throw unsupported("up block type '" + t + "'", "implements " + UP);
        if (c.mid_block_type() != null && !c.mid_block_type().equals("UNetMidBlock2DCrossAttn")) throw unsupported("mid_block_type '" + c.mid_block_type() + "'", "implements UNetMidBlock2DCrossAttn");
        if (!c.act_fn().equals("silu") && !c.act_fn().equals("swish")) throw unsupported("act_fn '" + c.act_fn() + "'", "implements silu");
        if (c.dual_cross_attention()) throw unsupported("dual_cross_attention", "has no dual transformer");
        if (c.addition_embed_type() != null) throw unsupported("addition_embed_type '" + c.addition_embed_type() + "' (SDXL/Kandinsky)", "implements SD 1.x/2.x conditioning");
        if (c.num_class_embeds() != null) throw unsupported("num_class_embeds (integer class labels)", "implements vector class embeddings");
        if (!c.resnet_time_scale_shift().equals("default")) throw unsupported("resnet_time_scale_shift '" + c.resnet_time_scale_shift() + "'", "implements 'default'");
        if (!c.time_embedding_type().equals("positional")) throw unsupported("time_embedding_type '" + c.time_embedding_type() + "'", "implements 'positional'");
        if (c.class_embed_type() != null && !CLASS_EMBEDS.contains(c.class_embed_type())) throw unsupported("class_embed_type '" + c.class_embed_type() + "'", "implements " + CLASS_EMBEDS);
        if (c.class_embed_type() != null && c.class_embed_type().endsWith("projection") && c.projection_class_embeddings_input_dim() == null)
            throw new IllegalArgumentException("UNet config: class_embed_type '" + c.class_embed_type() + "' needs projection_class_embeddings_input_dim");
        for (boolean b : c.only_cross_attention()) if (b) throw unsupported("only_cross_attention", "implements self- then cross-attention");
        if (c.conv_in_kernel() % 2 == 0 || c.conv_out_kernel() % 2 == 0) throw new IllegalArgumentException("UNet config: conv_in_kernel/conv_out_kernel must be odd");
        int n = c.block_out_channels().length;
        for (int i = 0; i < n; i++) {
            int ch = c.block_out_channels()[i], h = c.num_attention_heads()[i];
            if (ch % c.norm_num_groups() != 0) throw new IllegalArgumentException("UNet config: block_out_channels[" + i + "] = " + ch + " is not divisible by norm_num_groups " + c.norm_num_groups());
            if (h <= 0 || ch % h != 0) throw new IllegalArgumentException("UNet config: block " + i + " has " + ch + " channels, which cannot be split into " + h
                    + " heads (attention_head_dim " + Arrays.toString(c.attention_head_dim()) + " holds head counts, as in diffusers)");
        }
    }

    /** Checks the fields of {@code unet/config.json} that the record does not carry. */
    public static void checkJson(ConfigJson j) throws FormatException {
        for (String f : new String[] {"encoder_hid_dim", "encoder_hid_dim_type", "time_cond_proj_dim", "time_embedding_act_fn", "timestep_post_act",
                "cross_attention_norm", "reverse_transformer_layers_per_block", "time_embedding_dim", "num_attention_heads"}) {
            if (j.has(f)) throw new FormatException(j.source(), "sets '" + f + "', which codi4j's UNet does not implement"
                    + (f.equals("num_attention_heads") ? " (diffusers refuses it too: head counts go in attention_head_dim)" : ""));
        }
        if (!j.optString("attention_type", "default").equals("default")) throw new FormatException(j.source(), "attention_type '" + j.optString("attention_type", "") + "' (GLIGEN) is not implemented");
        if (j.optBool("resnet_skip_time_act", false)) throw new FormatException(j.source(), "resnet_skip_time_act is not implemented");
        if (j.optDouble("resnet_out_scale_factor", 1.0) != 1.0) throw new FormatException(j.source(), "resnet_out_scale_factor other than 1 is not implemented");
        if (j.optBool("mid_block_only_cross_attention", false)) throw new FormatException(j.source(), "mid_block_only_cross_attention is not implemented");
    }

    private static IllegalArgumentException unsupported(String what, String instead) {
        return new IllegalArgumentException("UNet config: " + what + " is not supported; codi4j " + instead);
    }
}
