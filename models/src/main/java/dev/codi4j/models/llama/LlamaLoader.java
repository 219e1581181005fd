package dev.codi4j.models.llama;

import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.loaders.gguf.GgufFile;
import dev.codi4j.loaders.gguf.GgufValue;
import dev.codi4j.loaders.hub.HfCache;
import dev.codi4j.loaders.hub.ModelFolder;
import dev.codi4j.loaders.tokenizer.GgufTokenizerData;
import dev.codi4j.loaders.tokenizer.SentencePieceTokenizer;
import dev.codi4j.loaders.tokenizer.Tokenizer;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a Llama model from a Hugging Face folder (config.json + safetensors, sharded or not, or
 * PyTorch .bin), a single .safetensors file (config.json beside it), a llama.cpp GGUF file, or a hub
 * id ({@code meta-llama/Llama-2-7b-chat-hf}) already in the Hugging Face cache. Weights are memory
 * mapped and used in place unless a dtype conversion or a merged LoRA adapter asks for copies.
 */
public final class LlamaLoader {
    private static final Logger LOG = LoggerFactory.getLogger(LlamaLoader.class);

    private LlamaLoader() {}

    /**
     * @param dtype dtype of the weight matrices (quantised or converted at load); null keeps the file's
     * @param lora a PEFT adapter folder, or null
     * @param loraMode how to apply it
     */
    public record Options(DType dtype, Path lora, Lora.Mode loraMode) {
        public static Options defaults() { return new Options(null, null, Lora.Mode.AUTO); }
        public Options withDType(DType d) { return new Options(d, lora, loraMode); }
        public Options withLora(Path p, Lora.Mode m) { return new Options(dtype, p, m); }
    }

    /** Loads with default options (weights as stored, no adapter). */
    public static Llama load(Path path, Backend backend) throws IOException { return load(path, Options.defaults(), backend); }

    public static Llama load(Path path, Options options, Backend backend) throws IOException {
        Source src = open(path);
        try {
            if (options.dtype() != null && !options.dtype().isFloating())
                throw new IllegalArgumentException("weight dtype " + options.dtype() + " is not a floating type; use f32, f16, bf16, q8_0 or q4_0");
            long t0 = System.nanoTime();
            LlamaWeights w = LlamaWeights.load(src.weights, src.config, src.layout, options.dtype(), backend);
            if (options.lora() != null) w = Lora.apply(w, src.config, Lora.read(options.lora(), src.config), options.loraMode(), backend);
            if (!src.weights.unused().isEmpty()) LOG.debug("tensors not used by the model: {}", src.weights.unused());
            LOG.info("loaded {} ({} layers, {} MiB of weights) in {} ms", src.description, src.config.numHiddenLayers(),
                    w.totalBytes() >> 20, (System.nanoTime() - t0) / 1_000_000);
            return new Llama(src.config, w, backend, src.weights);
        } catch (IOException | RuntimeException e) {
            src.weights.close();
            throw e;
        }
    }

    /** An opened checkpoint: its config, its weights and how they are named. */
    public record Source(LlamaConfig config, Weights weights, LlamaWeights.Layout layout, Path root, String description) {}

    /**
     * Opens the checkpoint at {@code path} (see the class comment) without building the model. The
     * caller owns {@code weights} (close it).
     */
    public static Source open(Path path) throws IOException {
        Path p = resolve(path.toString());
        if (Files.isDirectory(p) && !Files.isRegularFile(p.resolve("config.json"))) {
            Path w = ModelFolder.of(p).weightsFile();
            if (isGguf(w)) p = w;
        }
        if (Files.isRegularFile(p) && isGguf(p)) {
            GgufFile g = GgufFile.open(p);
            try {
                LlamaConfig c = LlamaConfig.fromGguf(g);
                return new Source(c, Weights.of(g), LlamaWeights.Layout.GGUF, p, p.toString());
            } catch (IOException | RuntimeException e) {
                g.close();
                throw e;
            }
        }
        Path dir = Files.isDirectory(p) ? p : p.toAbsolutePath().getParent();
        Path cfg = dir.resolve("config.json");
        if (!Files.isRegularFile(cfg))
            throw new NoSuchFileException(cfg.toString(), null, "a Hugging Face checkpoint needs its config.json"
                    + (Files.isDirectory(p) ? "" : " next to " + p.getFileName()) + "; download it with the weights");
        LlamaConfig c = LlamaConfig.fromJson(cfg);
        Weights w = Weights.open(Files.isDirectory(p) ? ModelFolder.of(p).weightsFile() : p);
        return new Source(c, w, LlamaWeights.Layout.HF, dir, p.toString());
    }

    /**
     * A local path as given, or a hub id ({@code owner/name}) resolved to its snapshot in the Hugging
     * Face cache ({@code $HF_HUB_CACHE}, {@code $HF_HOME/hub} or {@code ~/.cache/huggingface/hub}).
     */
    public static Path resolve(String pathOrId) throws IOException { return resolve(pathOrId, HfCache.fromEnvironment()); }

    /** {@link #resolve(String)} with an explicit hub cache. */
    public static Path resolve(String pathOrId, HfCache cache) throws IOException {
        Path p = Path.of(pathOrId);
        if (Files.exists(p)) return p;
        if (pathOrId.matches("[A-Za-z0-9][\\w.-]*/[\\w.-]+")) return ModelFolder.open(pathOrId, null, cache).path();
        throw new NoSuchFileException(pathOrId, null, "model not found; give a Hugging Face folder, a .safetensors or .gguf file, or a hub id in the local cache");
    }

    /**
     * The tokenizer of the model at {@code path}: from a GGUF file's {@code tokenizer.ggml.*} metadata, or
     * the {@code tokenizer.model} (else {@code tokenizer.json}) of a Hugging Face folder (or beside a
     * .safetensors file).
     */
    public static Tokenizer tokenizer(Path path) throws IOException {
        Path p = resolve(path.toString());
        if (Files.isRegularFile(p) && isGguf(p)) {
            try (GgufFile g = GgufFile.open(p)) { return SentencePieceTokenizer.fromGguf(ggufTokenizer(g)); }
        }
        Path dir = Files.isDirectory(p) ? p : p.toAbsolutePath().getParent();
        if (Files.isRegularFile(dir.resolve("tokenizer.model"))) return SentencePieceTokenizer.fromModelFile(dir.resolve("tokenizer.model"));
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))) return SentencePieceTokenizer.fromHuggingFaceJson(dir.resolve("tokenizer.json"));
        if (Files.isDirectory(p) && !Files.isRegularFile(p.resolve("config.json"))) {
            Path w = ModelFolder.of(p).weightsFile();
            if (isGguf(w)) return tokenizer(w);
        }
        throw new NoSuchFileException(dir.resolve("tokenizer.model").toString(), null,
                "no tokenizer.model or tokenizer.json beside the model; download them with the weights (or use a GGUF file, which carries its tokenizer)");
    }

    /** llama.cpp's {@code tokenizer.ggml.*} keys of a GGUF file. */
    static GgufTokenizerData ggufTokenizer(GgufFile g) {
        String src = g.path().toString();
        GgufValue model = g.getOrNull("tokenizer.ggml.model");
        if (model == null) throw new WeightsException(src + " carries no tokenizer (no tokenizer.ggml.model); give the tokenizer.model of the original checkpoint");
        return new GgufTokenizerData(model.asString(), g.getStringList("tokenizer.ggml.tokens"),
                g.getOrNull("tokenizer.ggml.scores") == null ? null : g.getFloatArray("tokenizer.ggml.scores"),
                g.getOrNull("tokenizer.ggml.token_type") == null ? null : g.getIntArray("tokenizer.ggml.token_type"),
                optInt(g, "tokenizer.ggml.bos_token_id"), optInt(g, "tokenizer.ggml.eos_token_id"),
                optInt(g, "tokenizer.ggml.unknown_token_id"), optInt(g, "tokenizer.ggml.padding_token_id"),
                optBool(g, "tokenizer.ggml.add_bos_token"), optBool(g, "tokenizer.ggml.add_eos_token"),
                optBool(g, "tokenizer.ggml.add_space_prefix"), optBool(g, "tokenizer.ggml.remove_extra_whitespaces"),
                null, src);
    }

    private static Integer optInt(GgufFile g, String k) { GgufValue v = g.getOrNull(k); return v == null ? null : v.asInt(); }

    private static Boolean optBool(GgufFile g, String k) { GgufValue v = g.getOrNull(k); return v == null ? null : v.asBoolean(); }

    static boolean isGguf(Path p) { return p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf"); }
}
