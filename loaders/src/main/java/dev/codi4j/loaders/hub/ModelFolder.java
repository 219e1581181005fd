package dev.codi4j.loaders.hub;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.config.ConfigJson;
import dev.codi4j.loaders.config.ModelIndex;
import dev.codi4j.loaders.weights.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A model on disk: a plain folder ({@code config.json} + weights), a diffusers pipeline folder
 * ({@code model_index.json} + one folder per component), or a Hugging Face hub id found in the local
 * cache. Weights are chosen as transformers and diffusers choose them: safetensors before PyTorch
 * pickles, single files before shards.
 */
public final class ModelFolder {
    /** Weight file names in order of preference. */
    static final List<String> WEIGHT_FILES = List.of(
            "model.safetensors", "model.safetensors.index.json",
            "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.safetensors.index.json",
            "pytorch_model.bin", "pytorch_model.bin.index.json",
            "diffusion_pytorch_model.bin", "diffusion_pytorch_model.bin.index.json");

    private final Path dir;
    private final String name;

    private ModelFolder(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    /** A model folder at {@code dir}. */
    public static ModelFolder of(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir.toString(), null, "model folder not found");
        return new ModelFolder(dir, dir.toString());
    }

    /**
     * An existing folder, else a hub id ({@code org/name}) looked up in the local Hugging Face cache at
     * {@code revision} (default main).
     */
    public static ModelFolder open(String pathOrRepoId, String revision, HfCache cache) throws IOException {
        Path p = Path.of(pathOrRepoId);
        if (Files.isDirectory(p)) return of(p);
        String rev = revision == null ? "main" : revision;
        HfCache.checkRepoId(pathOrRepoId);
        Optional<Path> snap = cache.snapshot(pathOrRepoId, rev);
        if (snap.isEmpty())
            throw new NoSuchFileException(pathOrRepoId, null, "not a folder, and revision '" + rev + "' of " + pathOrRepoId + " is not in the Hugging Face cache at "
                    + cache.root() + "; download it with: codi4j download " + pathOrRepoId + (rev.equals("main") ? "" : " --revision " + rev));
        return new ModelFolder(snap.get(), pathOrRepoId + "@" + rev);
    }

    public static ModelFolder open(String pathOrRepoId) throws IOException { return open(pathOrRepoId, null, HfCache.fromEnvironment()); }

    public Path path() { return dir; }

    @Override public String toString() { return name; }

    /** A diffusers pipeline folder (has model_index.json). */
    public boolean isPipeline() { return Files.isRegularFile(dir.resolve("model_index.json")); }

    public ModelIndex modelIndex() throws IOException {
        Path p = dir.resolve("model_index.json");
        if (!Files.isRegularFile(p)) throw new NoSuchFileException(p.toString(), null, name + " is not a diffusers pipeline (no model_index.json)");
        return ModelIndex.load(p);
    }

    /** The folder of a pipeline component ({@code unet}, {@code vae}, {@code image_encoder}, ...). */
    public ModelFolder component(String component) throws IOException {
        if (component.contains("/") || component.contains("..")) throw new IllegalArgumentException("bad component name '" + component + "'");
        Path c = dir.resolve(component);
        if (!Files.isDirectory(c)) {
            String listed = isPipeline() && modelIndex().has(component) ? " (model_index.json lists it: the download is incomplete)" : "";
            throw new NoSuchFileException(c.toString(), null, name + " has no component '" + component + "'" + listed);
        }
        return new ModelFolder(c, name + "/" + component);
    }

    /** {@code config.json} (or {@code scheduler_config.json}, {@code preprocessor_config.json}) of this folder. */
    public Path configFile() throws IOException {
        for (String f : List.of("config.json", "scheduler_config.json", "preprocessor_config.json")) {
            Path p = dir.resolve(f);
            if (Files.isRegularFile(p)) return p;
        }
        throw new NoSuchFileException(dir.resolve("config.json").toString(), null, name + " has no config.json");
    }

    public ConfigJson config() throws IOException { return ConfigJson.read(configFile()); }

    /**
     * The weight file to load: the first present of {@link #WEIGHT_FILES} (with {@code variant}, e.g.
     * "fp16" → {@code diffusion_pytorch_model.fp16.safetensors}, tried first), else the only
     * {@code .safetensors}, {@code .gguf} or {@code .pth/.pt/.bin} file in the folder.
     */
    public Path weightsFile(String variant) throws IOException {
        List<String> names = new ArrayList<>();
        if (variant != null && !variant.isEmpty())
            for (String f : WEIGHT_FILES) {
                // diffusers/transformers naming: model.fp16.safetensors, but model.safetensors.index.fp16.json
                if (f.endsWith(".index.json")) names.add(f.substring(0, f.length() - 4) + variant + ".json");
                else names.add(f.substring(0, f.indexOf('.')) + "." + variant + f.substring(f.indexOf('.')));
            }
        names.addAll(WEIGHT_FILES);
        for (String f : names) if (Files.isRegularFile(dir.resolve(f))) return dir.resolve(f);
        for (String ext : List.of(".safetensors", ".gguf", ".pth", ".pt", ".bin", ".ckpt")) {
            List<Path> found;
            try (Stream<Path> s = Files.list(dir)) { found = s.filter(p -> p.getFileName().toString().endsWith(ext) && Files.isRegularFile(p)).sorted().toList(); }
            if (found.size() == 1) return found.get(0);
            if (found.size() > 1) throw new FormatException(dir.toString(), "holds several " + ext + " files " + found.stream().map(p -> p.getFileName().toString()).toList()
                    + " and no index; open the one you want with Weights.open(path)");
        }
        throw new NoSuchFileException(dir.toString(), null, name + " holds no weights (looked for " + String.join(", ", WEIGHT_FILES) + ")");
    }

    public Path weightsFile() throws IOException { return weightsFile(null); }

    /** Opens the weights of this folder (see {@link #weightsFile}). */
    public Weights weights() throws IOException { return Weights.open(weightsFile()); }

    public Weights weights(String variant) throws IOException { return Weights.open(weightsFile(variant)); }
}
