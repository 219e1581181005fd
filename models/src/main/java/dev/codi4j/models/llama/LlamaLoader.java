package dev.codi4j.models.llama;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.loaders.gguf.GgufFile;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        if (Files.isRegularFile(p) && p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf")) {
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
        List<Path> files = Files.isDirectory(p) ? checkpointFiles(p) : List.of(p);
        Weights w = Weights.open(files.toArray(Path[]::new));
        return new Source(c, w, LlamaWeights.Layout.HF, dir, p.toString());
    }

    /** The weight files of a Hugging Face folder, preferring safetensors. */
    static List<Path> checkpointFiles(Path dir) throws IOException {
        for (String n : new String[] {"model.safetensors.index.json", "model.safetensors", "pytorch_model.bin.index.json", "pytorch_model.bin"}) {
            if (Files.isRegularFile(dir.resolve(n))) return List.of(dir.resolve(n));
        }
        List<Path> st = new ArrayList<>(), gguf = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                if (n.endsWith(".safetensors") && !n.startsWith("adapter_")) st.add(f);
                if (n.endsWith(".gguf")) gguf.add(f);
            }
        }
        if (st.size() == 1) return st;
        if (st.size() > 1) throw new FormatException(dir, "holds several .safetensors files " + st.stream().map(f -> f.getFileName().toString()).sorted().toList()
                + " but no model.safetensors.index.json saying which belong together; give one file, or restore the index");
        throw new FormatException(dir, "holds no model weights (model.safetensors, model.safetensors.index.json or pytorch_model.bin)"
                + (gguf.isEmpty() ? "" : "; it has GGUF files " + gguf.stream().map(f -> f.getFileName().toString()).sorted().toList() + ": pass one of them as --model"));
    }

    /**
     * A local path as given, or a hub id ({@code owner/name}) resolved to its snapshot in the Hugging
     * Face cache ({@code $HF_HUB_CACHE}, {@code $HF_HOME/hub} or {@code ~/.cache/huggingface/hub}).
     */
    public static Path resolve(String pathOrId) throws IOException {
        Path p = Path.of(pathOrId);
        if (Files.exists(p)) return p;
        if (pathOrId.matches("[A-Za-z0-9][\\w.-]*/[\\w.-]+")) {
            Path cache = hubCache();
            Path repo = cache.resolve("models--" + pathOrId.replace("/", "--"));
            Path snaps = repo.resolve("snapshots");
            if (Files.isDirectory(snaps)) {
                Path ref = repo.resolve("refs").resolve("main");
                if (Files.isRegularFile(ref)) {
                    Path s = snaps.resolve(Files.readString(ref).trim());
                    if (Files.isDirectory(s)) return s;
                }
                List<Path> all = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(snaps, Files::isDirectory)) { ds.forEach(all::add); }
                if (all.size() == 1) return all.get(0);
                if (!all.isEmpty()) throw new FormatException(snaps, "has " + all.size() + " snapshots and no refs/main; pass the snapshot folder you want as --model");
            }
            throw new NoSuchFileException(pathOrId, null, "neither a local path nor a model in the Hugging Face cache (" + repo
                    + "); download it first (e.g. huggingface-cli download " + pathOrId + ") or give the folder's path");
        }
        throw new NoSuchFileException(pathOrId, null, "model not found; give a Hugging Face folder, a .safetensors or .gguf file, or a hub id in the local cache");
    }

    static Path hubCache() {
        String e = System.getenv("HF_HUB_CACHE");
        if (e == null) e = System.getenv("HUGGINGFACE_HUB_CACHE");
        if (e != null) return Path.of(e);
        String home = System.getenv("HF_HOME");
        if (home != null) return Path.of(home, "hub");
        return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
    }
}
