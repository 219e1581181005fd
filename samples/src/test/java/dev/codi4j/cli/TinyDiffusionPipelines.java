package dev.codi4j.cli;

import dev.codi4j.loaders.config.AutoencoderKLConfig;
import dev.codi4j.loaders.config.CLIPTextConfig;
import dev.codi4j.loaders.config.CLIPVisionConfig;
import dev.codi4j.loaders.config.ConfigJson;
import dev.codi4j.loaders.config.UNet2DConditionConfig;
import dev.codi4j.loaders.safetensors.Safetensors;
import dev.codi4j.models.clip.ClipTextModel;
import dev.codi4j.models.clip.ClipVisionModel;
import dev.codi4j.models.diffusion.RandomWeights;
import dev.codi4j.models.diffusion.unet.UNet2DConditionModel;
import dev.codi4j.models.diffusion.vae.AutoencoderKL;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes tiny random diffusers pipeline folders (the layout of stabilityai/stable-diffusion-2-1-unclip
 * and timbrooks/instruct-pix2pix: model_index.json, unet/, vae/, scheduler/, text_encoder/, tokenizer/,
 * and for unCLIP image_normalizer/, image_noising_scheduler/, image_encoder/, feature_extractor/), by
 * building each network over {@link RandomWeights} and saving the tensors it asked for under their
 * upstream names.
 */
final class TinyDiffusionPipelines {
    private TinyDiffusionPipelines() {}

    static final int EMBED = 8, TEXT = 16;

    static final String SCHEDULER = """
            {"_class_name": "DDIMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": false,
             "num_train_timesteps": 1000, "prediction_type": "v_prediction", "set_alpha_to_one": false, "steps_offset": 1}""";

    static String unetJson(int in, boolean unclip) {
        return "{\"_class_name\": \"UNet2DConditionModel\", \"sample_size\": 8, \"in_channels\": " + in + ", \"out_channels\": 4, "
                + "\"block_out_channels\": [8, 16], \"norm_num_groups\": 4, \"layers_per_block\": 1, \"cross_attention_dim\": " + TEXT + ", "
                + "\"attention_head_dim\": [2, 4], \"down_block_types\": [\"CrossAttnDownBlock2D\", \"DownBlock2D\"], "
                + "\"up_block_types\": [\"UpBlock2D\", \"CrossAttnUpBlock2D\"], \"use_linear_projection\": " + unclip
                + (unclip ? ", \"class_embed_type\": \"projection\", \"projection_class_embeddings_input_dim\": " + 2 * EMBED : "") + "}";
    }

    static final String VAE = """
            {"_class_name": "AutoencoderKL", "block_out_channels": [8, 16], "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
             "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"], "latent_channels": 4, "layers_per_block": 1, "norm_num_groups": 4,
             "sample_size": 16, "scaling_factor": 0.18215}""";

    static final String TEXT_ENCODER = "{\"architectures\": [\"CLIPTextModel\"], \"hidden_size\": " + TEXT + ", \"intermediate_size\": 24, "
            + "\"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"vocab_size\": 600, \"max_position_embeddings\": 77, \"hidden_act\": \"gelu\", "
            + "\"bos_token_id\": 0, \"eos_token_id\": 2, \"pad_token_id\": 1, \"projection_dim\": " + TEXT + "}";

    static final String IMAGE_ENCODER = "{\"architectures\": [\"CLIPVisionModelWithProjection\"], \"hidden_size\": 16, \"intermediate_size\": 24, "
            + "\"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"image_size\": 16, \"patch_size\": 4, \"projection_dim\": " + EMBED + ", \"hidden_act\": \"gelu\"}";

    static Path unclip(Backend b, Path dir) throws IOException {
        common(b, dir, 4, true);
        write(dir.resolve("model_index.json"), "{\"_class_name\": \"StableUnCLIPImg2ImgPipeline\", \"unet\": [\"diffusers\", \"UNet2DConditionModel\"], "
                + "\"vae\": [\"diffusers\", \"AutoencoderKL\"], \"scheduler\": [\"diffusers\", \"DDIMScheduler\"], \"text_encoder\": [\"transformers\", \"CLIPTextModel\"], "
                + "\"tokenizer\": [\"transformers\", \"CLIPTokenizer\"], \"image_normalizer\": [\"stable_diffusion\", \"StableUnCLIPImageNormalizer\"], "
                + "\"image_noising_scheduler\": [\"diffusers\", \"DDPMScheduler\"], \"image_encoder\": [\"transformers\", \"CLIPVisionModelWithProjection\"], "
                + "\"feature_extractor\": [\"transformers\", \"CLIPImageProcessor\"]}");
        RandomWeights norm = new RandomWeights(DType.F32, true);
        Map<String, Tensor> nm = new LinkedHashMap<>();
        nm.put("mean", norm.get("mean", 1, EMBED));
        nm.put("std", norm.get("std", 1, EMBED));
        save(dir.resolve("image_normalizer"), nm, "{\"_class_name\": \"StableUnCLIPImageNormalizer\", \"embedding_dim\": " + EMBED + "}");
        write(dir.resolve("image_noising_scheduler/scheduler_config.json"),
                "{\"_class_name\": \"DDPMScheduler\", \"beta_schedule\": \"squaredcos_cap_v2\", \"num_train_timesteps\": 1000, \"clip_sample\": true}");
        RandomWeights ie = new RandomWeights(DType.F16, true).withOptional("visual_projection.weight");
        ClipVisionModel.load(b, ie, CLIPVisionConfig.from(ConfigJson.parse(IMAGE_ENCODER, "image_encoder")), null);
        save(dir.resolve("image_encoder"), ie.created(), IMAGE_ENCODER, "model.safetensors");
        write(dir.resolve("feature_extractor/preprocessor_config.json"), "{\"crop_size\": 16, \"do_center_crop\": true, \"do_normalize\": true, "
                + "\"do_resize\": true, \"image_mean\": [0.48145466, 0.4578275, 0.40821073], \"image_std\": [0.26862954, 0.26130258, 0.27577711], "
                + "\"resample\": 3, \"size\": 16}");
        return dir;
    }

    static Path pix2pix(Backend b, Path dir) throws IOException {
        common(b, dir, 8, false);
        write(dir.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionInstructPix2PixPipeline\", \"unet\": [\"diffusers\", \"UNet2DConditionModel\"], "
                + "\"vae\": [\"diffusers\", \"AutoencoderKL\"], \"scheduler\": [\"diffusers\", \"DDIMScheduler\"], \"text_encoder\": [\"transformers\", \"CLIPTextModel\"], "
                + "\"tokenizer\": [\"transformers\", \"CLIPTokenizer\"], \"safety_checker\": [null, null]}");
        return dir;
    }

    private static void common(Backend b, Path dir, int in, boolean unclip) throws IOException {
        String uj = unetJson(in, unclip);
        RandomWeights uw = new RandomWeights(DType.F16, true);
        new UNet2DConditionModel(b, uw, UNet2DConditionConfig.from(ConfigJson.parse(uj, "unet")), null);
        save(dir.resolve("unet"), uw.created(), uj);
        RandomWeights vw = new RandomWeights(DType.F16, true);
        new AutoencoderKL(b, vw, AutoencoderKLConfig.from(ConfigJson.parse(VAE, "vae")), null);
        save(dir.resolve("vae"), vw.created(), VAE);
        write(dir.resolve("scheduler/scheduler_config.json"), SCHEDULER);
        RandomWeights tw = new RandomWeights(DType.F16, true);
        ClipTextModel.load(b, tw, CLIPTextConfig.from(ConfigJson.parse(TEXT_ENCODER, "text_encoder")), null);
        save(dir.resolve("text_encoder"), tw.created(), TEXT_ENCODER, "model.safetensors");
        tokenizer(dir.resolve("tokenizer"));
    }

    /** A byte-level CLIP vocabulary (every byte, alone and word-final) with a handful of merges. */
    static void tokenizer(Path dir) throws IOException {
        StringBuilder v = new StringBuilder("{");
        int id = 0;
        char[] bytes = byteChars();
        for (char c : bytes) v.append(id == 0 ? "" : ", ").append(json(String.valueOf(c))).append(": ").append(id++);
        for (char c : bytes) v.append(", ").append(json(c + "</w>")).append(": ").append(id++);
        String[] merges = {"a t</w>", "c at</w>", "s n", "sn o", "sno w</w>"};
        for (String m : merges) v.append(", ").append(json(m.replace(" ", ""))).append(": ").append(id++);
        v.append(", \"<|startoftext|>\": ").append(id++).append(", \"<|endoftext|>\": ").append(id).append("}");
        write(dir.resolve("vocab.json"), v.toString());
        write(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n");
        write(dir.resolve("special_tokens_map.json"), "{\"pad_token\": \"!\"}");
    }

    /** GPT-2's bytes_to_unicode table. */
    static char[] byteChars() {
        char[] out = new char[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = printable ? (char) b : (char) (256 + n++);
        }
        return out;
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    private static void save(Path folder, Map<String, Tensor> tensors, String config) throws IOException {
        save(folder, tensors, config, "diffusion_pytorch_model.safetensors");
    }

    private static void save(Path folder, Map<String, Tensor> tensors, String config, String file) throws IOException {
        Files.createDirectories(folder);
        Safetensors.save(folder.resolve(file), tensors);
        write(folder.resolve("config.json"), config);
    }

    private static void write(Path f, String text) throws IOException {
        Files.createDirectories(f.getParent());
        Files.writeString(f, text, StandardCharsets.UTF_8);
    }
}
