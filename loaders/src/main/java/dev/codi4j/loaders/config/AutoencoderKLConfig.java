package dev.codi4j.loaders.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * diffusers' {@code AutoencoderKL} config ({@code vae/config.json}), fields named as upstream with
 * diffusers' defaults. {@code scalingFactor} multiplies encoder latents before diffusion and divides
 * them before decoding.
 */
public record AutoencoderKLConfig(int inChannels, int outChannels, List<String> downBlockTypes, List<String> upBlockTypes,
        int[] blockOutChannels, int layersPerBlock, String actFn, int latentChannels, int normNumGroups, int sampleSize,
        double scalingFactor, boolean midBlockAddAttention, boolean useQuantConv, boolean usePostQuantConv) {

    /** Pixels per latent along each side: 2^(blocks − 1). */
    public int scaleFactor() { return 1 << (blockOutChannels.length - 1); }

    public static AutoencoderKLConfig read(Path file) throws IOException { return parse(JsonFields.read(file)); }

    public static AutoencoderKLConfig parse(JsonFields j) throws ConfigException {
        int[] boc = j.ints("block_out_channels", new int[] {64});
        List<String> down = j.strings("down_block_types", List.of("DownEncoderBlock2D"));
        List<String> up = j.strings("up_block_types", List.of("UpDecoderBlock2D"));
        if (down.size() != boc.length || up.size() != boc.length) throw j.error("down_block_types (" + down.size() + "), up_block_types (" + up.size() + ") and block_out_channels (" + boc.length + ") must have one entry per block");
        for (String t : down) if (!t.equals("DownEncoderBlock2D")) throw j.error("VAE down block '" + t + "' is not supported; codi4j implements DownEncoderBlock2D");
        for (String t : up) if (!t.equals("UpDecoderBlock2D")) throw j.error("VAE up block '" + t + "' is not supported; codi4j implements UpDecoderBlock2D");
        String act = j.string("act_fn", "silu");
        if (!act.equals("silu") && !act.equals("swish")) throw j.error("act_fn '" + act + "' is not supported; codi4j implements silu");
        j.requireAbsentOr("latents_mean", null, "per-channel latent statistics (SD3/Flux VAEs) are not implemented");
        int groups = j.integer("norm_num_groups", 32);
        for (int c : boc) if (c % groups != 0) throw j.error("block_out_channels " + java.util.Arrays.toString(boc) + " are not all divisible by norm_num_groups " + groups);
        int sample = j.has("sample_size") && j.json().get("sample_size").isJsonArray() ? j.ints("sample_size", null)[0] : j.integer("sample_size", 32);
        return new AutoencoderKLConfig(j.integer("in_channels", 3), j.integer("out_channels", 3), down, up, boc,
                j.integer("layers_per_block", 1), act, j.integer("latent_channels", 4), groups, sample,
                j.number("scaling_factor", 0.18215), j.bool("mid_block_add_attention", true),
                j.bool("use_quant_conv", true), j.bool("use_post_quant_conv", true));
    }

    /** The SD 2.x VAE (also SD 1.x and InstructPix2Pix): 83.7M parameters, 8× down-sampling. */
    public static AutoencoderKLConfig sd2() {
        List<String> d = List.of("DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D");
        List<String> u = List.of("UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D");
        return new AutoencoderKLConfig(3, 3, d, u, new int[] {128, 256, 512, 512}, 2, "silu", 4, 32, 768, 0.18215, true, true, true);
    }
}
