package dev.codi4j.models.codi2.demo;

import dev.codi4j.loaders.config.AutoencoderKLConfig;
import dev.codi4j.loaders.config.CLIPTextConfig;
import dev.codi4j.loaders.config.ConfigJson;
import dev.codi4j.loaders.config.UNet2DConditionConfig;
import dev.codi4j.loaders.media.Audio;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.Images;
import dev.codi4j.loaders.media.Wav;
import dev.codi4j.loaders.safetensors.Safetensors;
import dev.codi4j.loaders.safetensors.SafetensorsWriter;
import dev.codi4j.models.imagebind.ImageBind;
import dev.codi4j.models.imagebind.ImageBindConfig;
import dev.codi4j.models.imagebind.Modality;
import dev.codi4j.models.imagebind.RandomImageBind;
import dev.codi4j.tensor.DType;
import java.util.EnumSet;
import dev.codi4j.loaders.tokenizer.EncodeOptions;
import dev.codi4j.loaders.tokenizer.SentencePieceTokenizer;
import dev.codi4j.loaders.tokenizer.Tokenizer;
import dev.codi4j.models.clip.ClipTextModel;
import dev.codi4j.models.diffusion.RandomWeights;
import dev.codi4j.models.diffusion.unet.UNet2DConditionModel;
import dev.codi4j.models.diffusion.vae.AutoencoderKL;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.Sampling;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Writes the tiny CoDi-2 that {@code codi4j demo} runs: every part in its real file layout, so that
 * the real loading code reads it — a Hugging Face Llama folder ({@code config.json},
 * {@code model.safetensors}, {@code tokenizer.model}), CoDi-2 weights with the official state-dict
 * names ({@code codi_llama_proj.*}, {@code codi_llama_decode.*},
 * {@code llama_model.base_model.model.model.layers.N.self_attn.q_proj.lora_A.default.weight}), an
 * ImageBind checkpoint (upstream names, toy widths, 257 vision tokens as the real model), and an
 * SD2.1-unCLIP diffusers folder (toy widths) — plus a {@code codi2.json} and two input files.
 *
 * <p>ALL WEIGHTS ARE RANDOM (seeded, so every run writes the same bytes). One thing is planted: the
 * LLM's output head holds a word chain, so that after "Assistant:" the tiny model says "Here it is
 * &lt;p&gt; enjoy" — the sentence carries CoDi-2's image marker, which sends the demo down the image
 * path. The words and pictures mean nothing.
 *
 * <p>The files go to a temporary sibling folder that is moved into place when complete, so an
 * interrupted first run never leaves a half-written model behind.
 */
public final class DemoModel {
    /** Bumped whenever the files written change. */
    public static final String VERSION = "4";
    /** The sentence planted in the LLM's output head. */
    public static final String PLANTED_REPLY = "Here it is <p> enjoy";

    static final int DIM = 32, HIDDEN = 64, FF = 128, LAYERS = 2, HEADS = 4, KV_HEADS = 2, LORA_R = 4, LORA_ALPHA = 8, CONTEXT = 1024;
    /** ImageBind's real layout at toy widths: 16-wide towers of one block, a 32-d joint space; 257 vision tokens as the real model. */
    static final ImageBindConfig IMAGEBIND = new ImageBindConfig(DIM,
            new ImageBindConfig.Tower(16, 1, 2), new ImageBindConfig.Tower(16, 1, 2), new ImageBindConfig.Tower(16, 1, 2),
            new ImageBindConfig.Tower(8, 1, 2), new ImageBindConfig.Tower(8, 1, 2), new ImageBindConfig.Tower(8, 1, 2),
            2, new int[] {2, 14, 14}, 16, 10, 128, 204, 16, 16, 8, 49408, 77);

    private DemoModel() {}

    /** {@code $CODI4J_CACHE/demo}, else {@code ~/.cache/codi4j/demo}. */
    public static Path defaultRoot() {
        String env = System.getenv("CODI4J_CACHE");
        return env != null && !env.isBlank() ? Path.of(env, "demo") : Path.of(System.getProperty("user.home"), ".cache", "codi4j", "demo");
    }

    /**
     * The demo model's folder under {@code root}, written first if missing.
     *
     * @return the folder; its {@code codi2.json} describes the model, {@code inputs/} holds a photo and a sound
     */
    public static Path ensure(Path root, Consumer<String> log) throws IOException {
        Path dir = root.resolve("v" + VERSION);
        if (Files.isRegularFile(dir.resolve("codi2.json"))) return dir;
        Files.createDirectories(root);
        Path tmp = Files.createTempDirectory(root, ".writing-");
        try {
            log.accept("writing the tiny random demo model to " + dir + " (first run only)");
            write(tmp);
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir);
            } catch (FileAlreadyExistsException e) {
                // another process finished first; its copy is identical
                if (!Files.isRegularFile(dir.resolve("codi2.json"))) throw e;
            }
        } finally {
            deleteTree(tmp);
        }
        return dir;
    }

    /** Writes every file into {@code dir}. */
    static void write(Path dir) throws IOException {
        Sampling.Rng rng = new Sampling.Rng(20231130L);
        Path llm = Files.createDirectories(dir.resolve("llm"));
        byte[] tok = tokenizerBytes();
        Files.write(llm.resolve("tokenizer.model"), tok);
        Tokenizer t = SentencePieceTokenizer.fromModelBytes(tok, "demo tokenizer.model");
        int vocab = t.vocabSize();
        Files.writeString(llm.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": %d, "hidden_size": %d, "intermediate_size": %d,
                 "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d, "max_position_embeddings": %d,
                 "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": false,
                 "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32", "_comment": "codi4j demo: random weights"}
                """.formatted(vocab, HIDDEN, FF, LAYERS, HEADS, KV_HEADS, CONTEXT));
        SafetensorsWriter.write(llm.resolve("model.safetensors"), llamaWeights(rng, t), Map.of("format", "pt", "codi4j", "demo model, random weights"));

        Path codi2 = Files.createDirectories(dir.resolve("codi2"));
        SafetensorsWriter.write(codi2.resolve("codi2_weights.safetensors"), codi2Weights(rng), Map.of("codi4j", "demo CoDi-2 weights, random"));

        Path enc = Files.createDirectories(dir.resolve("imagebind"));
        // a real ImageBind checkpoint (upstream tensor names, tiny sizes in its metadata), random weights; vision and audio towers
        Safetensors.save(enc.resolve("imagebind_tiny.safetensors"), RandomImageBind.weights(IMAGEBIND, EnumSet.of(Modality.VISION, Modality.AUDIO), 20231130L, DType.F32),
                Map.of(ImageBind.CONFIG_METADATA, IMAGEBIND.toJson(), "codi4j", "demo ImageBind, random weights"));

        writeUnclip(Files.createDirectories(dir.resolve("unclip")));

        Path inputs = Files.createDirectories(dir.resolve("inputs"));
        Images.writePng(photo(), inputs.resolve("photo.png"), Map.of("Software", "codi4j demo", "Description", "a drawn landscape: sky, sun, hills"));
        Wav.write(birdsong(), inputs.resolve("birdsong.wav"));

        Files.writeString(dir.resolve("codi2.json"), """
                {
                  "_comment": "codi4j demo model: every weight is random. See docs/codi2.md for real checkpoints.",
                  "llm": "llm",
                  "codi2_weights": "codi2/codi2_weights.safetensors",
                  "lora_alpha": %d,
                  "imagebind": "imagebind/imagebind_tiny.safetensors",
                  "image_decoder": "unclip",
                  "context_length": %d,
                  "generation": {"max_new_tokens": 24, "temperature": 0.7, "top_k": 50, "top_p": 0.9, "seed": 0},
                  "image": {"steps": 12, "guidance": 7.5, "noise_level": 500, "width": 64, "height": 64, "edit": "auto", "edit_strength": 0.75}
                }
                """.formatted(LORA_ALPHA, CONTEXT), StandardCharsets.UTF_8);
    }

    // ---- a tiny SD2.1-unCLIP diffusers folder ---------------------------------------------------------

    static final int UNCLIP_TEXT = 16;

    /**
     * stabilityai/stable-diffusion-2-1-unclip's layout at toy widths: model_index.json, unet/ (class
     * embedding "projection" of 2 × the embedding width, linear projections, v-prediction DDIM
     * scheduler), vae/, text_encoder/ + tokenizer/ (a byte-level CLIP vocabulary), image_normalizer/
     * and image_noising_scheduler/ — each network built over {@link RandomWeights} and saved under the
     * names it asked for, so the folder is exactly what the real loaders expect.
     */
    static void writeUnclip(Path dir) throws IOException {
        Backend b = Backends.forDevice(Device.CPU);
        String unet = "{\"_class_name\": \"UNet2DConditionModel\", \"sample_size\": 16, \"in_channels\": 4, \"out_channels\": 4, "
                + "\"block_out_channels\": [8, 16], \"norm_num_groups\": 4, \"layers_per_block\": 1, \"cross_attention_dim\": " + UNCLIP_TEXT + ", "
                + "\"attention_head_dim\": [2, 4], \"down_block_types\": [\"CrossAttnDownBlock2D\", \"DownBlock2D\"], "
                + "\"up_block_types\": [\"UpBlock2D\", \"CrossAttnUpBlock2D\"], \"use_linear_projection\": true, "
                + "\"class_embed_type\": \"projection\", \"projection_class_embeddings_input_dim\": " + 2 * DIM + "}";
        RandomWeights uw = new RandomWeights(DType.F32, true);
        new UNet2DConditionModel(b, uw, UNet2DConditionConfig.from(ConfigJson.parse(unet, "unet")), null);
        save(dir.resolve("unet"), uw.created(), unet, "diffusion_pytorch_model.safetensors");
        String vae = "{\"_class_name\": \"AutoencoderKL\", \"block_out_channels\": [8, 16], \"down_block_types\": [\"DownEncoderBlock2D\", \"DownEncoderBlock2D\"], "
                + "\"up_block_types\": [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\"], \"latent_channels\": 4, \"layers_per_block\": 1, \"norm_num_groups\": 4, "
                + "\"sample_size\": 128, \"scaling_factor\": 0.18215}";
        RandomWeights vw = new RandomWeights(DType.F32, true);
        new AutoencoderKL(b, vw, AutoencoderKLConfig.from(ConfigJson.parse(vae, "vae")), null);
        save(dir.resolve("vae"), vw.created(), vae, "diffusion_pytorch_model.safetensors");
        String te = "{\"architectures\": [\"CLIPTextModel\"], \"hidden_size\": " + UNCLIP_TEXT + ", \"intermediate_size\": 24, \"num_hidden_layers\": 1, "
                + "\"num_attention_heads\": 2, \"vocab_size\": 600, \"max_position_embeddings\": 77, \"hidden_act\": \"gelu\", \"bos_token_id\": 0, "
                + "\"eos_token_id\": 2, \"pad_token_id\": 1, \"projection_dim\": " + UNCLIP_TEXT + "}";
        RandomWeights tw = new RandomWeights(DType.F32, true);
        ClipTextModel.load(b, tw, CLIPTextConfig.from(ConfigJson.parse(te, "text_encoder")), null);
        save(dir.resolve("text_encoder"), tw.created(), te, "model.safetensors");
        clipTokenizer(Files.createDirectories(dir.resolve("tokenizer")));
        Map<String, Tensor> norm = new LinkedHashMap<>();
        norm.put("mean", Tensor.fromFloats(new float[DIM], 1, DIM));
        float[] std = new float[DIM];
        java.util.Arrays.fill(std, 1f);
        norm.put("std", Tensor.fromFloats(std, 1, DIM));
        save(dir.resolve("image_normalizer"), norm, "{\"_class_name\": \"StableUnCLIPImageNormalizer\", \"embedding_dim\": " + DIM + "}",
                "diffusion_pytorch_model.safetensors");
        Files.createDirectories(dir.resolve("scheduler"));
        Files.writeString(dir.resolve("scheduler/scheduler_config.json"), "{\"_class_name\": \"DDIMScheduler\", \"beta_end\": 0.012, \"beta_schedule\": "
                + "\"scaled_linear\", \"beta_start\": 0.00085, \"clip_sample\": false, \"num_train_timesteps\": 1000, \"prediction_type\": "
                + "\"v_prediction\", \"set_alpha_to_one\": false, \"steps_offset\": 1}");
        Files.createDirectories(dir.resolve("image_noising_scheduler"));
        Files.writeString(dir.resolve("image_noising_scheduler/scheduler_config.json"),
                "{\"_class_name\": \"DDPMScheduler\", \"beta_schedule\": \"squaredcos_cap_v2\", \"num_train_timesteps\": 1000, \"clip_sample\": true}");
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"StableUnCLIPImg2ImgPipeline\", \"unet\": [\"diffusers\", \"UNet2DConditionModel\"], "
                + "\"vae\": [\"diffusers\", \"AutoencoderKL\"], \"scheduler\": [\"diffusers\", \"DDIMScheduler\"], \"text_encoder\": [\"transformers\", \"CLIPTextModel\"], "
                + "\"tokenizer\": [\"transformers\", \"CLIPTokenizer\"], \"image_normalizer\": [\"stable_diffusion\", \"StableUnCLIPImageNormalizer\"], "
                + "\"image_noising_scheduler\": [\"diffusers\", \"DDPMScheduler\"], \"_comment\": \"codi4j demo: random weights\"}");
    }

    /** A byte-level CLIP vocabulary (every byte alone and word-final, a few merges), padded with "!" as SD 2.x. */
    private static void clipTokenizer(Path dir) throws IOException {
        char[] bytes = new char[256];
        for (int c = 0, n = 0; c < 256; c++) {
            boolean printable = (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF);
            bytes[c] = printable ? (char) c : (char) (256 + n++);
        }
        com.google.gson.JsonObject vocab = new com.google.gson.JsonObject();
        int id = 0;
        for (char c : bytes) vocab.addProperty(String.valueOf(c), id++);
        for (char c : bytes) vocab.addProperty(c + "</w>", id++);
        String[] merges = {"l o", "lo w</w>", "b o", "bo d", "bod y</w>"};
        for (String m : merges) vocab.addProperty(m.replace(" ", ""), id++);
        vocab.addProperty("<|startoftext|>", id++);
        vocab.addProperty("<|endoftext|>", id);
        Files.writeString(dir.resolve("vocab.json"), vocab.toString());
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n");
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": \"!\"}");
    }

    private static void save(Path folder, Map<String, Tensor> tensors, String config, String file) throws IOException {
        Files.createDirectories(folder);
        SafetensorsWriter.write(folder.resolve(file), tensors, Map.of("codi4j", "demo, random weights"));
        Files.writeString(folder.resolve("config.json"), config);
    }

    /** The tiny SentencePiece model shipped as a resource (trained by tools/fixtures/codi2_reference.py). */
    public static byte[] tokenizerBytes() {
        try (InputStream in = DemoModel.class.getResourceAsStream("tokenizer.model")) {
            if (in == null) throw new IllegalStateException("the demo tokenizer resource dev/codi4j/models/codi2/demo/tokenizer.model is missing from the build");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Tensor> llamaWeights(Sampling.Rng rng, Tokenizer t) {
        int vocab = t.vocabSize(), hd = HIDDEN / HEADS;
        Map<String, Tensor> w = new LinkedHashMap<>();
        Tensor embed = randn(rng, 1.0, vocab, HIDDEN);
        w.put("model.embed_tokens.weight", embed);
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".";
            w.put(p + "input_layernorm.weight", ones(HIDDEN));
            w.put(p + "post_attention_layernorm.weight", ones(HIDDEN));
            w.put(p + "self_attn.q_proj.weight", randn(rng, 0.02, HEADS * hd, HIDDEN));
            w.put(p + "self_attn.k_proj.weight", randn(rng, 0.02, KV_HEADS * hd, HIDDEN));
            w.put(p + "self_attn.v_proj.weight", randn(rng, 0.02, KV_HEADS * hd, HIDDEN));
            w.put(p + "self_attn.o_proj.weight", randn(rng, 0.02, HIDDEN, HEADS * hd));
            w.put(p + "mlp.gate_proj.weight", randn(rng, 0.02, FF, HIDDEN));
            w.put(p + "mlp.up_proj.weight", randn(rng, 0.02, FF, HIDDEN));
            w.put(p + "mlp.down_proj.weight", randn(rng, 0.02, HIDDEN, FF));
        }
        w.put("model.norm.weight", ones(HIDDEN));
        Tensor head = randn(rng, 0.02, vocab, HIDDEN);
        // the planted chain: the hidden state of token `cur` is close to its (RMS-normalised) embedding,
        // so adding α·e_cur/|e_cur|² to the head row of `next` gives `next` a logit of about α after `cur`
        int[] chain = t.encode(PLANTED_REPLY, EncodeOptions.PLAIN);
        int[] assistant = t.encode("Assistant:", EncodeOptions.PLAIN);
        int stop = t.pieceToId("##");
        int[] links = new int[chain.length + 2];
        links[0] = assistant[assistant.length - 1];
        System.arraycopy(chain, 0, links, 1, chain.length);
        links[links.length - 1] = stop;
        float alpha = 16f;
        for (int i = 0; i + 1 < links.length; i++) {
            float[] e = embed.narrow(0, links[i], 1).toFloatArray();
            double n2 = 0;
            for (float v : e) n2 += (double) v * v;
            for (int k = 0; k < HIDDEN; k++) head.setFloat(head.getFloat(links[i + 1], k) + (float) (alpha * e[k] / n2 * Math.sqrt(n2 / HIDDEN)), links[i + 1], k);
        }
        w.put("lm_head.weight", head);
        return w;
    }

    private static Map<String, Tensor> codi2Weights(Sampling.Rng rng) {
        Map<String, Tensor> w = new LinkedHashMap<>();
        projector(w, "codi_llama_proj", rng, DIM, HIDDEN);
        projector(w, "codi_llama_decode", rng, HIDDEN, DIM);
        int hd = HIDDEN / HEADS;
        for (int i = 0; i < LAYERS; i++) {
            for (String m : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
                int out = switch (m) { case "q_proj", "o_proj" -> HIDDEN; default -> KV_HEADS * hd; };
                int in = m.equals("o_proj") ? HEADS * hd : HIDDEN;
                String base = "llama_model.base_model.model.model.layers." + i + ".self_attn." + m;
                w.put(base + ".lora_A.default.weight", randn(rng, 0.1, LORA_R, in));
                w.put(base + ".lora_B.default.weight", randn(rng, 0.01, out, LORA_R));
            }
        }
        return w;
    }

    private static void projector(Map<String, Tensor> w, String name, Sampling.Rng rng, int in, int out) {
        w.put(name + ".0.weight", randn(rng, 1 / Math.sqrt(in), out, in));
        w.put(name + ".0.bias", randn(rng, 0.05, out));
        w.put(name + ".2.weight", ones(out));
        w.put(name + ".2.bias", Tensor.fromFloats(new float[out], out));
        w.put(name + ".3.weight", randn(rng, 0.5 / Math.sqrt(out), out, out));
        w.put(name + ".3.bias", randn(rng, 0.05, out));
    }

    static Tensor randn(Sampling.Rng rng, double std, int... shape) {
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextGaussian() * std);
        return Tensor.fromFloats(v, shape);
    }

    private static Tensor ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return Tensor.fromFloats(v, n);
    }

    /** A drawn landscape, 96×96: sky gradient, a sun, green hills. */
    static Image photo() {
        int s = 96;
        byte[] px = new byte[3 * s * s];
        for (int y = 0; y < s; y++) for (int x = 0; x < s; x++) {
            double hill = 60 + 10 * Math.sin(x / 12.0);
            double sun = Math.hypot(x - 70, y - 22);
            int r, g, b;
            if (y > hill) { r = 40; g = 140 - (y - 60); b = 50; }
            else if (sun < 10) { r = 255; g = 215; b = 80; }
            else { r = 90 + y; g = 150 + y / 2; b = 235; }
            int i = y * s + x;
            px[i] = (byte) Math.min(255, r);
            px[s * s + i] = (byte) Math.min(255, Math.max(0, g));
            px[2 * s * s + i] = (byte) Math.min(255, b);
        }
        return Image.ofBytes(s, s, 3, px);
    }

    /** 1.5 s of synthetic bird chirps at 16 kHz (falling sweeps), mono. */
    static Audio birdsong() {
        int sr = 16000, n = sr * 3 / 2;
        float[] x = new float[n];
        double phase = 0;
        for (int i = 0; i < n; i++) {
            double t = (double) i / sr, local = t % 0.25;
            double f = 4200 - 6000 * local;
            phase += 2 * Math.PI * f / sr;
            double env = local < 0.12 ? Math.sin(Math.PI * local / 0.12) : 0;
            x[i] = (float) (0.4 * env * Math.sin(phase));
        }
        return Audio.of(sr, x);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }
}
