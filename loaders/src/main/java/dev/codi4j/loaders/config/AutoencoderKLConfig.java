package dev.codi4j.loaders.config;

import dev.codi4j.loaders.FormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** diffusers {@code AutoencoderKL} config ({@code vae/config.json}), defaults as diffusers. */
public record AutoencoderKLConfig(int in_channels, int out_channels, List<String> down_block_types, List<String> up_block_types,
        int[] block_out_channels, int layers_per_block, String act_fn, int latent_channels, int norm_num_groups, int sample_size,
        double scaling_factor, Double shift_factor, boolean force_upcast, boolean use_quant_conv, boolean use_post_quant_conv,
        boolean mid_block_add_attention) {

    public static AutoencoderKLConfig load(Path configJson) throws IOException { return from(ConfigJson.read(configJson)); }

    public static AutoencoderKLConfig from(ConfigJson c) throws FormatException {
        List<String> down = c.optStrings("down_block_types", List.of("DownEncoderBlock2D"));
        int[] ch = c.optInts("block_out_channels", new int[] {64});
        if (ch.length != down.size()) throw new FormatException(c.source(), "has " + down.size() + " down blocks but " + ch.length + " block_out_channels");
        return new AutoencoderKLConfig(c.optInt("in_channels", 3), c.optInt("out_channels", 3), down,
                c.optStrings("up_block_types", List.of("UpDecoderBlock2D")), ch, c.optInt("layers_per_block", 1), c.optString("act_fn", "silu"),
                c.optInt("latent_channels", 4), c.optInt("norm_num_groups", 32), c.optInt("sample_size", 32), c.optDouble("scaling_factor", 0.18215),
                c.optDoubleOrNull("shift_factor"), c.optBool("force_upcast", true), c.optBool("use_quant_conv", true),
                c.optBool("use_post_quant_conv", true), c.optBool("mid_block_add_attention", true));
    }

    /** The Stable Diffusion 2.x VAE (kl-f8, 4 latent channels, scaling factor 0.18215). */
    public static AutoencoderKLConfig sd21() {
        List<String> d = List.of("DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D");
        List<String> u = List.of("UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D");
        return new AutoencoderKLConfig(3, 3, d, u, new int[] {128, 256, 512, 512}, 2, "silu", 4, 32, 768, 0.18215, null, true, true, true, true);
    }

    public static AutoencoderKLConfig tiny() {
        return new AutoencoderKLConfig(3, 3, List.of("DownEncoderBlock2D", "DownEncoderBlock2D"), List.of("UpDecoderBlock2D", "UpDecoderBlock2D"),
                new int[] {8, 16}, 1, "silu", 4, 4, 16, 0.18215, null, true, true, true, true);
    }

    /** Spatial downsampling factor (8 for SD). */
    public int downsampleFactor() { return 1 << (block_out_channels.length - 1); }
}
