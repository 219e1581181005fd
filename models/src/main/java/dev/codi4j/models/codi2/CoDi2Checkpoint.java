package dev.codi4j.models.codi2;

import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.loaders.config.LoraConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.models.llama.Lora;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CoDi-2's trained weights: the two projectors and the LoRA adapter of the LLM, as the official
 * (PandaGPT-derived) training code saves them — a {@code torch.save}d {@code .pt} holding the
 * state dict of the trainable parameters ({@code codi_llama_proj.*}, {@code codi_llama_decode.*},
 * {@code llama_model.base_model.model.model.layers.N.self_attn.q_proj.lora_A.default.weight}, ...),
 * or the same names in a {@code .safetensors} file.
 *
 * <p>Accepted variations, all seen in PandaGPT-style checkpoints: the state dict nested under one
 * key ({@code model}, {@code module}, {@code state_dict}: the loader flattens nesting into a dotted
 * prefix, found here from where {@code codi_llama_proj.0.weight} sits); LoRA names with or without
 * PEFT's adapter name ({@code lora_A.default.weight} or {@code lora_A.weight}); with or without the
 * {@code base_model.model.} wrapper. The training arguments {@code lora_r} and {@code lora_alpha} are
 * not in the file: r is read from the tensor shapes and alpha comes from {@code codi2.json}.
 */
public final class CoDi2Checkpoint {
    private static final Pattern LORA = Pattern.compile(
            "llama_model\\.(?:base_model\\.model\\.)?model\\.layers\\.(\\d+)\\.self_attn\\.([qkvo]_proj)\\.lora_([AB])(?:\\.[A-Za-z0-9_]+)?\\.weight");

    private CoDi2Checkpoint() {}

    /**
     * What a checkpoint holds.
     *
     * @param input {@code codi_llama_proj}, or null when absent
     * @param output {@code codi_llama_decode}, or null when absent
     * @param lora the adapter on the LLM's attention projections, or null when the file has none
     */
    public record Contents(Projector input, Projector output, Lora.Adapter lora, Path source, AutoCloseable mapping) implements AutoCloseable {
        /** Releases the mapped file the projectors read from. */
        @Override public void close() {
            try { mapping.close(); } catch (Exception e) { throw new IllegalStateException("closing " + source + " failed: " + e.getMessage(), e); }
        }
    }

    /**
     * Reads the projectors (checked against the LLM's hidden size and the encoder's width {@code
     * featureDim}, or read from the projector's shape when ≤ 0) and the LoRA pairs (checked against {@code llm}) from {@code file}.
     *
     * @param loraAlpha the training run's {@code lora_alpha}, or NaN to use r (scale 1, as PandaGPT's
     *     r = alpha = 32)
     * @return the contents, whose projectors are views of the mapped file: close them when done
     */
    public static Contents read(Path file, LlamaConfig llm, int featureDim, double loraAlpha, Backend b) throws IOException {
        Weights all = Weights.open(file);
        try {
            String prefix = findPrefix(all, file);
            Weights w = prefix.isEmpty() ? all : scoped(all, prefix);
            int hidden = llm.hiddenSize();
            if (featureDim <= 0) featureDim = inferFeatureDim(w);
            Projector in = null, out = null;
            if (w.contains(Projector.INPUT + ".0.weight")) {
                checkWidth(w, Projector.INPUT + ".0.weight", new int[] {hidden, featureDim}, file, "the input projector maps the encoder's "
                        + featureDim + "-d features to the LLM's " + hidden + "-d embeddings");
                in = Projector.load(b, w.pp(Projector.INPUT), featureDim, hidden);
            }
            if (w.contains(Projector.OUTPUT + ".0.weight")) {
                checkWidth(w, Projector.OUTPUT + ".0.weight", new int[] {featureDim, hidden}, file, "the output projector maps the LLM's "
                        + hidden + "-d hidden states to the encoder's " + featureDim + "-d space");
                out = Projector.load(b, w.pp(Projector.OUTPUT), hidden, featureDim);
            }
            Lora.Adapter lora = readLora(w, llm, loraAlpha, file);
            if (in == null && out == null && lora == null) throw new WeightsException(file + " holds no CoDi-2 weights");
            return new Contents(in, out, lora, file, all);
        } catch (RuntimeException e) {
            all.close();
            throw e;
        }
    }

    /** The encoder width the projectors were trained for, from their shapes (when no encoder is configured). */
    private static int inferFeatureDim(Weights w) {
        if (w.contains(Projector.INPUT + ".0.weight")) {
            int[] s = w.info(Projector.INPUT + ".0.weight").shape();
            if (s.length == 2) return s[1];
        }
        if (w.contains(Projector.OUTPUT + ".3.weight")) {
            int[] s = w.info(Projector.OUTPUT + ".3.weight").shape();
            if (s.length == 2) return s[0];
        }
        return 1024;
    }

    private static void checkWidth(Weights w, String name, int[] expected, Path file, String why) {
        var info = w.info(name);
        int[] s = info.shape();
        if (s.length != 2 || s[0] != expected[0] || s[1] != expected[1])
            throw new WeightsException(file + ": tensor '" + w.fullName(name) + "' has shape " + java.util.Arrays.toString(s) + ", expected "
                    + java.util.Arrays.toString(expected) + " (" + why + "); the checkpoint belongs to another LLM or encoder size");
    }

    /** Where the state dict starts: "" or e.g. "model." for {@code {'model': state_dict}}. */
    static String findPrefix(Weights w, Path file) {
        for (String k : w.keys()) {
            for (String anchor : new String[] {Projector.INPUT + ".0.weight", Projector.OUTPUT + ".0.weight"}) {
                if (k.equals(anchor) || k.endsWith("." + anchor)) return k.substring(0, k.length() - anchor.length());
            }
        }
        for (String k : w.keys()) {
            int i = k.indexOf("llama_model.");
            if (i >= 0 && (i == 0 || k.charAt(i - 1) == '.') && k.contains(".lora_")) return k.substring(0, i);
        }
        throw new WeightsException(file + " holds neither CoDi-2 projector weights (codi_llama_proj.0.weight, codi_llama_decode.0.weight) "
                + "nor LoRA weights under llama_model.*; it is not a CoDi-2 training checkpoint. Its first tensors are "
                + w.keys().stream().limit(5).toList());
    }

    private static Weights scoped(Weights root, String prefix) {
        Weights w = root;
        // pp() appends one component and a '.', so walk the prefix component by component
        for (String part : prefix.substring(0, prefix.length() - 1).split("\\.")) w = w.pp(part);
        return w;
    }

    static Lora.Adapter readLora(Weights w, LlamaConfig c, double alpha, Path file) {
        Map<String, Tensor[]> byModule = new TreeMap<>();
        for (String key : w.keys()) {
            if (!key.startsWith("llama_model.")) continue;
            Matcher m = LORA.matcher(key);
            if (!m.matches()) {
                if (key.contains("lora_")) throw new WeightsException(file + ": tensor '" + w.fullName(key) + "' looks like a LoRA weight but not of a "
                        + "q/k/v/o attention projection (CoDi-2 trains LoRA on q_proj, k_proj, v_proj, o_proj only)");
                continue;
            }
            int layer = Integer.parseInt(m.group(1));
            if (layer >= c.numHiddenLayers()) throw new WeightsException(file + ": tensor '" + w.fullName(key) + "' is for layer " + layer
                    + " but the LLM has " + c.numHiddenLayers() + " layers; the checkpoint belongs to another LLM");
            Tensor t = w.get(key, DType.F32, -1, -1);
            Tensor copy = Tensor.allocate(DType.F32, t.shape());
            copy.data().copyFrom(t.contiguous().data());
            byModule.computeIfAbsent(layer + "." + m.group(2), k -> new Tensor[2])[m.group(3).equals("A") ? 0 : 1] = copy;
        }
        if (byModule.isEmpty()) return null;
        List<Lora.Pair> pairs = new ArrayList<>();
        int r = -1;
        for (var e : byModule.entrySet()) {
            String[] lm = e.getKey().split("\\.", 2);
            int layer = Integer.parseInt(lm[0]);
            Tensor a = e.getValue()[0], bm = e.getValue()[1];
            String name = "layer " + layer + " " + lm[1];
            if (a == null || bm == null) throw new WeightsException(file + ": " + name + " has lora_" + (a == null ? "B but no lora_A" : "A but no lora_B"));
            int[] io = inOut(c, lm[1]);
            if (r < 0) r = a.dim(0);
            if (a.dim(0) != r || a.dim(1) != io[0] || bm.dim(0) != io[1] || bm.dim(1) != r)
                throw new WeightsException(file + ": " + name + " has lora_A " + a.describe() + " and lora_B " + bm.describe() + "; expected (" + r + ", "
                        + io[0] + ") and (" + io[1] + ", " + r + "). The adapter was trained for another model size");
            pairs.add(new Lora.Pair(layer, lm[1], a, bm));
        }
        double a = Double.isNaN(alpha) ? r : alpha;
        LoraConfig cfg = new LoraConfig(r, a, List.of("q_proj", "k_proj", "v_proj", "o_proj"), null, false, false, null);
        return new Lora.Adapter(cfg, pairs, file);
    }

    private static int[] inOut(LlamaConfig c, String module) {
        int d = c.hiddenSize(), q = c.numAttentionHeads() * c.headDim(), kv = c.numKeyValueHeads() * c.headDim();
        return switch (module) {
            case "q_proj" -> new int[] {d, q};
            case "k_proj", "v_proj" -> new int[] {d, kv};
            case "o_proj" -> new int[] {q, d};
            default -> throw new IllegalArgumentException(module);
        };
    }
}
