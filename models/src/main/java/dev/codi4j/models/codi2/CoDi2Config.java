package dev.codi4j.models.codi2;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.codi4j.loaders.config.ConfigJson;
import dev.codi4j.models.llama.Lora;
import dev.codi4j.tensor.DType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A {@code codi2.json}: which file or hub repository provides each part of CoDi-2, and the defaults
 * for generation. Relative paths are resolved against the folder of the JSON file; a value of the
 * form {@code owner/name} that is not a local path is a Hugging Face hub id, looked up in the local
 * hub cache ({@code codi4j download owner/name} fetches it). Example:
 * <pre>{@code
 * {
 *   "llm": "meta-llama/Llama-2-7b-chat-hf",
 *   "llm_dtype": "q8_0",
 *   "codi2_weights": "codi2/pytorch_model.pt",
 *   "lora_alpha": 32,
 *   "imagebind": "imagebind/imagebind_huge.pth",
 *   "image_decoder": "stabilityai/stable-diffusion-2-1-unclip",
 *   "context_length": 2048,
 *   "generation": {"max_new_tokens": 256, "temperature": 0.6, "top_p": 0.9, "top_k": 50, "seed": 0},
 *   "image": {"steps": 50, "guidance": 7.5, "noise_level": 500, "width": 768, "height": 768, "edit": "auto"}
 * }
 * }</pre>
 * A component may also be an object {@code {"kind": "...", "path": "..."}}; kinds are {@code
 * imagebind} for the encoder and {@code unclip} for the image decoder (tests and embedders plug in
 * other implementations through {@link CoDi2.Options}). Without {@code codi2_weights} (no trained CoDi-2 weights are public) the model runs in
 * ImageBind-direct mode: media embeddings go straight to the image decoder and the LLM still chats.
 *
 * @param llm the Llama-2 checkpoint (Hugging Face folder, .safetensors, .gguf or hub id), or null
 * @param llmDType weight dtype for the LLM's matrices (null keeps the file's)
 * @param tokenizer an explicit tokenizer.model / tokenizer.json, or null to use the LLM's
 * @param peftLora a PEFT adapter folder applied to the LLM, or null
 * @param codi2Weights projectors + LoRA (.pt or .safetensors), or null for ImageBind-direct mode
 * @param loraAlpha the training run's lora_alpha for the LoRA in {@code codi2Weights} (NaN: = r)
 * @param loraMode how LoRA is applied ({@code "lora_mode"}: auto = merged into float weights, on the
 *     fly for quantised ones; merge; on-the-fly = unmerged, as PEFT runs it in training)
 * @param imagebind the encoder, or null
 * @param imageDecoder the image decoder, or null
 * @param audioDecoder reserved (no audio decoder exists yet); a non-null value is reported, not loaded
 * @param videoDecoder reserved, as {@code audioDecoder}
 * @param outputMarkers per output modality ("image", "audio", "video"), the marker text whose last
 *     token's hidden state becomes the output feature, or its token ids
 * @param stopTokens pieces or ids that end a reply besides the tokenizer's EOS
 */
public record CoDi2Config(Path source, Component llm, DType llmDType, Path tokenizer, Path peftLora, Path codi2Weights, double loraAlpha, Lora.Mode loraMode,
        Component imagebind, Component imageDecoder, Component audioDecoder, Component videoDecoder, int contextLength,
        PromptTemplate template, Map<String, Marker> outputMarkers, List<Marker> stopTokens,
        GenerationSettings generation, ImageSettings image) {

    /** Where a component comes from: a kind ("llama", "imagebind", "unclip", "demo", ...) and a location. */
    public record Component(String kind, String location, Path resolved) {
        @Override public String toString() { return kind + ":" + location; }
    }

    /** A marker given as text (tokenized like a prompt word) or as explicit token ids. */
    public record Marker(String text, int[] ids) {
        public Marker { ids = ids == null ? null : ids.clone(); }
        @Override public int[] ids() { return ids == null ? null : ids.clone(); }
        public static Marker text(String t) { return new Marker(t, null); }
        public static Marker ids(int... ids) { return new Marker(null, ids); }
        @Override public String toString() { return text != null ? "\"" + text + "\"" : java.util.Arrays.toString(ids); }
    }

    private static final Set<String> MODALITIES = Set.of("image", "audio", "video");

    public CoDi2Config {
        outputMarkers = Map.copyOf(outputMarkers);
        stopTokens = List.copyOf(stopTokens);
        for (String m : outputMarkers.keySet())
            if (!MODALITIES.contains(m)) throw new ConfigException("output marker for unknown modality '" + m + "'; expected image, audio or video");
        if (contextLength < 16) throw new ConfigException("context_length must be at least 16, is " + contextLength);
    }

    /** The defaults of the official code: image marker "<p>" ([529, 29886, 29958] in Llama-2), stop token "##" (2277). */
    public static Map<String, Marker> defaultMarkers() { return Map.of("image", Marker.text("<p>")); }

    public static List<Marker> defaultStops() { return List.of(Marker.text("##")); }

    /** Whether trained CoDi-2 weights are configured (else ImageBind-direct mode). */
    public boolean hasCodi2Weights() { return codi2Weights != null; }

    public CoDi2Config withGeneration(GenerationSettings g) {
        return new CoDi2Config(source, llm, llmDType, tokenizer, peftLora, codi2Weights, loraAlpha, loraMode, imagebind, imageDecoder, audioDecoder, videoDecoder,
                contextLength, template, outputMarkers, stopTokens, g, image);
    }

    public CoDi2Config withImage(ImageSettings s) {
        return new CoDi2Config(source, llm, llmDType, tokenizer, peftLora, codi2Weights, loraAlpha, loraMode, imagebind, imageDecoder, audioDecoder, videoDecoder,
                contextLength, template, outputMarkers, stopTokens, generation, s);
    }

    public CoDi2Config withTemplate(PromptTemplate t) {
        return new CoDi2Config(source, llm, llmDType, tokenizer, peftLora, codi2Weights, loraAlpha, loraMode, imagebind, imageDecoder, audioDecoder, videoDecoder,
                contextLength, t, outputMarkers, stopTokens, generation, image);
    }

    public CoDi2Config withContextLength(int n) {
        return new CoDi2Config(source, llm, llmDType, tokenizer, peftLora, codi2Weights, loraAlpha, loraMode, imagebind, imageDecoder, audioDecoder, videoDecoder,
                n, template, outputMarkers, stopTokens, generation, image);
    }

    public CoDi2Config withOutputMarkers(Map<String, Marker> m) {
        return new CoDi2Config(source, llm, llmDType, tokenizer, peftLora, codi2Weights, loraAlpha, loraMode, imagebind, imageDecoder, audioDecoder, videoDecoder,
                contextLength, template, m, stopTokens, generation, image);
    }

    // ---- reading ---------------------------------------------------------------------------------

    /** Reads a codi2.json, resolving relative paths against its folder. Files are not opened yet. */
    public static CoDi2Config read(Path file) throws IOException {
        if (!Files.isRegularFile(file))
            throw new NoSuchFileException(file.toString(), null, "CoDi-2 config not found; pass the path of a codi2.json (see docs/codi2.md), "
                    + "or run 'codi4j demo' to make one for the tiny demo model");
        if (Files.size(file) > 1 << 20) throw new ConfigException(file + " is larger than 1 MiB; a codi2.json is small, is this the right file?");
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toAbsolutePath());
    }

    /** Parses codi2.json text; {@code source} (may be null) is named in errors and anchors relative paths. */
    public static CoDi2Config parse(String json, Path source) {
        String src = source == null ? "codi2.json" : source.toString();
        JsonObject o;
        try {
            o = ConfigJson.parse(json, src).json();
        } catch (dev.codi4j.loaders.FormatException | RuntimeException e) {
            throw new ConfigException(e.getMessage(), e);
        }
        Path base = source == null ? Path.of("") : source.toAbsolutePath().getParent();
        Reader r = new Reader(o, src, base);
        Set<String> known = Set.of("llm", "llm_dtype", "tokenizer", "lora", "codi2_weights", "lora_alpha", "imagebind", "image_decoder", "audio_decoder",
                "video_decoder", "lora_mode", "context_length", "prompt", "output_markers", "stop_tokens", "generation", "image", "comment", "_comment");
        for (String k : o.keySet())
            if (!known.contains(k)) throw new ConfigException(src + ": unknown field \"" + k + "\"; known fields are " + new java.util.TreeSet<>(known));
        Component llm = r.component("llm", "llama");
        Component ib = r.component("imagebind", "imagebind");
        Component dec = r.component("image_decoder", "unclip");
        if (llm == null && ib == null && dec == null)
            throw new ConfigException(src + " names no component: give at least \"llm\" (chat), or \"imagebind\" and \"image_decoder\" (ImageBind-direct generation)");
        String dt = r.string("llm_dtype");
        DType dtype;
        try {
            dtype = dt == null ? null : DType.parse(dt);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(src + ": field \"llm_dtype\": " + e.getMessage());
        }
        JsonObject p = r.object("prompt");
        PromptTemplate def = PromptTemplate.codi2();
        PromptTemplate t = p == null ? def : new PromptTemplate(str(p, "human", def.human(), src), str(p, "first_turn_prefix", def.firstTurnPrefix(), src),
                str(p, "assistant", def.assistant(), src), str(p, "turn_separator", def.turnSeparator(), src));
        Map<String, Marker> markers = defaultMarkers();
        JsonObject m = r.object("output_markers");
        if (m != null) {
            markers = new LinkedHashMap<>();
            for (String k : m.keySet()) markers.put(k, marker(m.get(k), src + ": output_markers." + k));
        }
        List<Marker> stops = defaultStops();
        if (o.has("stop_tokens") && !o.get("stop_tokens").isJsonNull()) {
            if (!o.get("stop_tokens").isJsonArray()) throw new ConfigException(src + ": \"stop_tokens\" should be a list of pieces or ids, found " + o.get("stop_tokens"));
            stops = new ArrayList<>();
            for (JsonElement e : o.getAsJsonArray("stop_tokens")) {
                if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) stops.add(Marker.ids(e.getAsInt()));
                else if (e.isJsonPrimitive()) stops.add(Marker.text(e.getAsString()));
                else throw new ConfigException(src + ": stop_tokens entries are piece strings or ids, found " + e);
            }
        }
        GenerationSettings g = GenerationSettings.defaults();
        JsonObject go = r.object("generation");
        if (go != null) {
            try {
                g = new GenerationSettings(intOf(go, "max_new_tokens", g.maxNewTokens(), src), (float) dbl(go, "temperature", g.temperature(), src),
                        intOf(go, "top_k", g.topK(), src), (float) dbl(go, "top_p", g.topP(), src), (long) dbl(go, "seed", g.seed(), src));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(src + ": \"generation\": " + e.getMessage(), e);
            }
        }
        ImageSettings is = ImageSettings.defaults();
        JsonObject io = r.object("image");
        if (io != null) {
            try {
                int size = intOf(io, "size", -1, src);
                is = new ImageSettings(intOf(io, "steps", is.steps(), src), (float) dbl(io, "guidance", is.guidance(), src), intOf(io, "noise_level", is.noiseLevel(), src),
                        intOf(io, "width", size > 0 ? size : is.width(), src), intOf(io, "height", size > 0 ? size : is.height(), src), (float) dbl(io, "eta", is.eta(), src),
                        str(io, "cross_attention_prompt", is.crossAttentionPrompt(), src), ImageSettings.EditMode.parse(str(io, "edit", "auto", src)),
                        (float) dbl(io, "image_guidance", is.imageGuidance(), src), (float) dbl(io, "edit_strength", is.editStrength(), src));
            } catch (IllegalArgumentException e) {
                if (e instanceof ConfigException) throw e;
                throw new ConfigException(src + ": \"image\": " + e.getMessage(), e);
            }
        }
        int ctx = o.has("context_length") ? r.integer("context_length") : 2048;
        double alpha = o.has("lora_alpha") && !o.get("lora_alpha").isJsonNull() ? r.number("lora_alpha") : Double.NaN;
        Lora.Mode loraMode;
        try {
            loraMode = o.has("lora_mode") ? Lora.Mode.parse(r.string("lora_mode")) : Lora.Mode.AUTO;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(src + ": field \"lora_mode\": " + e.getMessage());
        }
        try {
            return new CoDi2Config(source, llm, dtype, r.path("tokenizer"), r.path("lora"), r.path("codi2_weights"), alpha, loraMode, ib, dec,
                    r.component("audio_decoder", "audio"), r.component("video_decoder", "video"), ctx, t, markers, stops, g, is);
        } catch (ConfigException e) {
            throw new ConfigException(src + ": " + e.getMessage(), e);
        }
    }

    private static Marker marker(JsonElement e, String where) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            if (e.getAsString().isEmpty()) throw new ConfigException(where + " is empty");
            return Marker.text(e.getAsString());
        }
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            int[] ids = new int[a.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!a.get(i).isJsonPrimitive() || !a.get(i).getAsJsonPrimitive().isNumber()) throw new ConfigException(where + " should be text or a list of token ids, found " + e);
                ids[i] = a.get(i).getAsInt();
            }
            if (ids.length == 0) throw new ConfigException(where + " is an empty id list");
            return Marker.ids(ids);
        }
        throw new ConfigException(where + " should be text or a list of token ids, found " + e);
    }

    private static String str(JsonObject o, String f, String def, String src) {
        if (!o.has(f) || o.get(f).isJsonNull()) return def;
        if (!o.get(f).isJsonPrimitive()) throw new ConfigException(src + ": field \"" + f + "\" should be a string, found " + o.get(f));
        return o.get(f).getAsString();
    }

    private static double dbl(JsonObject o, String f, double def, String src) {
        if (!o.has(f) || o.get(f).isJsonNull()) return def;
        if (!o.get(f).isJsonPrimitive() || !o.get(f).getAsJsonPrimitive().isNumber()) throw new ConfigException(src + ": field \"" + f + "\" should be a number, found " + o.get(f));
        return o.get(f).getAsDouble();
    }

    private static int intOf(JsonObject o, String f, int def, String src) {
        double d = dbl(o, f, def, src);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw new ConfigException(src + ": field \"" + f + "\" should be an integer, found " + o.get(f));
        return (int) d;
    }

    /** owner/name without a file extension: a Hugging Face repository rather than a relative file path. */
    static boolean looksLikeHubId(String s) {
        if (!s.matches("[A-Za-z0-9][\\w.-]*/[\\w.-]+")) return false;
        String name = s.substring(s.indexOf('/') + 1).toLowerCase(Locale.ROOT);
        for (String ext : new String[] {".pt", ".pth", ".bin", ".ckpt", ".safetensors", ".gguf", ".json", ".model"}) if (name.endsWith(ext)) return false;
        return true;
    }

    /** Field access with file-and-field error messages. */
    private record Reader(JsonObject o, String src, Path base) {
        String string(String f) { return str(o, f, null, src); }
        int integer(String f) { return intOf(o, f, 0, src); }
        double number(String f) { return dbl(o, f, 0, src); }

        JsonObject object(String f) {
            if (!o.has(f) || o.get(f).isJsonNull()) return null;
            if (!o.get(f).isJsonObject()) throw new ConfigException(src + ": field \"" + f + "\" should be an object, found " + o.get(f));
            return o.getAsJsonObject(f);
        }

        Path path(String f) {
            String s = string(f);
            return s == null || s.isBlank() ? null : resolve(s);
        }

        Path resolve(String s) {
            String expanded = s.startsWith("~/") ? System.getProperty("user.home") + s.substring(1) : s;
            Path p = Path.of(expanded);
            return p.isAbsolute() ? p : base.resolve(p).normalize();
        }

        Component component(String f, String defaultKind) {
            if (!o.has(f) || o.get(f).isJsonNull()) return null;
            JsonElement e = o.get(f);
            String kind = defaultKind, loc;
            if (e.isJsonPrimitive()) loc = e.getAsString();
            else if (e.isJsonObject()) {
                JsonObject c = e.getAsJsonObject();
                kind = str(c, "kind", defaultKind, src).toLowerCase(Locale.ROOT);
                loc = str(c, "path", null, src);
                if (loc == null) throw new ConfigException(src + ": \"" + f + "\" needs a \"path\" (a file, a folder or a hub id)");
            } else throw new ConfigException(src + ": field \"" + f + "\" should be a path, a hub id or {\"kind\": ..., \"path\": ...}, found " + e);
            if (loc.isBlank()) return null;
            Path local = resolve(loc);
            boolean hubId = !Files.exists(local) && looksLikeHubId(loc);
            return new Component(kind, loc, hubId ? null : local);
        }
    }
}
