package dev.codi4j.models.llama;

import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.loaders.config.LoraConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PEFT LoRA adapter ({@code adapter_config.json} + {@code adapter_model.safetensors} or {@code
 * .bin}) on a Llama's projections, either merged into the weights (W' = W + s·B·A) or applied on the
 * fly (y = W·x + s·B·(A·x)).
 *
 * <p>Merging makes new copies of the adapted matrices in their original dtype (F16 weights round the
 * merged values to F16 once). Quantised weights are not merged by default, because re-quantising
 * W + s·B·A would add a second quantisation error: {@link Mode#AUTO} applies the adapter on the fly
 * for them, exactly on top of the quantised base; {@link Mode#MERGE} forces dequantise, add, quantise.
 */
public final class Lora {
    private static final Logger LOG = LoggerFactory.getLogger(Lora.class);
    private static final Pattern KEY = Pattern.compile(
            "(?:base_model\\.model\\.)?model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.(\\w+)\\.lora_([AB])(?:\\.[A-Za-z0-9_]+)?\\.weight");

    private Lora() {}

    /** How an adapter is applied. */
    public enum Mode {
        /** Merge into float weights, on the fly for quantised ones. */
        AUTO,
        /** Always merge (quantised weights are dequantised, merged and quantised again). */
        MERGE,
        /** Never merge: two extra small matrix products per adapted projection. */
        ON_THE_FLY;

        public static Mode parse(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT).replace('-', '_')) {
                case "auto" -> AUTO;
                case "merge", "merged" -> MERGE;
                case "on_the_fly", "fly", "dynamic" -> ON_THE_FLY;
                default -> throw new IllegalArgumentException("unknown LoRA mode '" + s + "'; expected auto, merge or on-the-fly");
            };
        }
    }

    /** One adapted projection: A (r, in) and B (out, r), both F32 host tensors. */
    public record Pair(int layer, String module, Tensor a, Tensor b) {}

    /** The config and A/B pairs of an adapter folder (or of its adapter_config.json). */
    public record Adapter(LoraConfig config, List<Pair> pairs, Path source) {}

    /** Reads an adapter from its folder (or its {@code adapter_config.json}), checking every shape against {@code c}. */
    public static Adapter read(Path path, LlamaConfig c) throws IOException {
        Path dir = Files.isDirectory(path) ? path : path.getParent();
        Path cfgFile = Files.isDirectory(path) ? dir.resolve("adapter_config.json") : path;
        if (!Files.isRegularFile(cfgFile))
            throw new java.nio.file.NoSuchFileException(cfgFile.toString(), null, "a PEFT LoRA adapter folder must hold adapter_config.json");
        LoraConfig cfg = LoraConfig.fromJson(cfgFile);
        if (cfg.fanInFanOut()) throw new IOException(cfgFile + ": fan_in_fan_out=true (Conv1D-style weights) does not apply to Llama's nn.Linear layers");
        Path weightsFile = null;
        for (String n : new String[] {"adapter_model.safetensors", "adapter_model.bin"}) {
            if (Files.isRegularFile(dir.resolve(n))) { weightsFile = dir.resolve(n); break; }
        }
        if (weightsFile == null) throw new java.nio.file.NoSuchFileException(dir.resolve("adapter_model.safetensors").toString(), null,
                "the adapter folder has adapter_config.json but neither adapter_model.safetensors nor adapter_model.bin");
        try (Weights w = Weights.open(weightsFile)) {
            Map<String, Tensor[]> byModule = new TreeMap<>();
            for (String key : w.keys()) {
                Matcher m = KEY.matcher(key);
                if (!m.matches())
                    throw new WeightsException("adapter tensor '" + key + "' in " + weightsFile + " is not a LoRA A/B matrix of a Llama layer projection "
                            + "(expected e.g. base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight); codi4j loads LoRA on the projections only");
                int layer = Integer.parseInt(m.group(1));
                String module = m.group(3);
                if (layer >= c.numHiddenLayers()) throw new WeightsException("adapter tensor '" + key + "' is for layer " + layer + " but the model has " + c.numHiddenLayers() + " layers; the adapter belongs to another model");
                if (!LlamaWeights.MODULES.contains(module)) throw new WeightsException("adapter tensor '" + key + "' adapts '" + module + "', not one of " + LlamaWeights.MODULES);
                Tensor[] ab = byModule.computeIfAbsent(layer + "." + module, k -> new Tensor[2]);
                Tensor t = w.get(key, DType.F32, -1, -1);
                // a converted view would die with the file; keep our own copy (adapters are small)
                Tensor copy = Tensor.allocate(DType.F32, t.shape());
                copy.data().copyFrom(t.contiguous().data());
                ab[m.group(4).equals("A") ? 0 : 1] = copy;
            }
            if (byModule.isEmpty()) throw new WeightsException(weightsFile + " holds no LoRA tensors");
            List<Pair> pairs = new java.util.ArrayList<>();
            for (var e : byModule.entrySet()) {
                String[] lm = e.getKey().split("\\.", 2);
                int layer = Integer.parseInt(lm[0]);
                String module = lm[1];
                Tensor a = e.getValue()[0], b = e.getValue()[1];
                String name = "layer " + layer + " " + module;
                if (a == null || b == null) throw new WeightsException(weightsFile + ": " + name + " has lora_" + (a == null ? "B but no lora_A" : "A but no lora_B"));
                int[] io = inOut(c, module);
                if (a.dim(0) != cfg.r() || a.dim(1) != io[0] || b.dim(0) != io[1] || b.dim(1) != cfg.r())
                    throw new WeightsException(weightsFile + ": " + name + " has lora_A " + a.describe() + " and lora_B " + b.describe() + "; expected ("
                            + cfg.r() + ", " + io[0] + ") and (" + io[1] + ", " + cfg.r() + ") for rank " + cfg.r() + ". The adapter was trained for another model size");
                String modulePath = "model.layers." + layer + "." + (List.of("gate_proj", "up_proj", "down_proj").contains(module) ? "mlp." : "self_attn.") + module;
                if (!cfg.targets(modulePath)) LOG.warn("{}: {} is not listed in target_modules but has weights; applying it", weightsFile, modulePath);
                pairs.add(new Pair(layer, module, a, b));
            }
            return new Adapter(cfg, pairs, dir);
        }
    }

    private static int[] inOut(LlamaConfig c, String module) {
        int d = c.hiddenSize(), q = c.numAttentionHeads() * c.headDim(), kv = c.numKeyValueHeads() * c.headDim(), ff = c.intermediateSize();
        return switch (module) {
            case "q_proj" -> new int[] {d, q};
            case "k_proj", "v_proj" -> new int[] {d, kv};
            case "o_proj" -> new int[] {q, d};
            case "gate_proj", "up_proj" -> new int[] {d, ff};
            case "down_proj" -> new int[] {ff, d};
            default -> throw new IllegalArgumentException(module);
        };
    }

    /** Weights with {@code adapter} merged or attached, per {@code mode}. The base tensors are not modified. */
    public static LlamaWeights apply(LlamaWeights w, LlamaConfig c, Adapter adapter, Mode mode, Backend b) {
        float s = (float) adapter.config().scale();
        Map<Integer, LlamaWeights.Layer> changed = new HashMap<>();
        int merged = 0, fly = 0;
        for (Pair p : adapter.pairs()) {
            LlamaWeights.Layer layer = changed.getOrDefault(p.layer(), w.layers().get(p.layer()));
            LlamaWeights.Proj proj = layer.proj(p.module());
            Tensor bScaled = b.empty(DType.F32, p.b().shape());
            b.affine(b.toDevice(p.b()), s, 0, bScaled);                           // (out, r)
            if (w.interleavedRope() && (p.module().equals("q_proj") || p.module().equals("k_proj"))) {
                int heads = p.module().equals("q_proj") ? c.numAttentionHeads() : c.numKeyValueHeads();
                bScaled = toInterleavedRows(bScaled, heads, b);                    // same row order as the GGUF weight
            }
            Tensor a = b.toDevice(p.a());                                          // (r, in)
            boolean merge = mode == Mode.MERGE || (mode == Mode.AUTO && !proj.weight().dtype().isQuantized());
            if (merge) {
                DType dt = proj.weight().dtype();
                if (dt.isQuantized()) LOG.warn("merging LoRA into {} weights of layer {} {}: the merged matrix is quantised again", dt, p.layer(), p.module());
                Tensor full = b.empty(DType.F32, proj.weight().shape());
                b.copy(proj.weight(), full);                                       // (out, in) F32
                Tensor delta = b.matmul(bScaled, a);                               // (out, in)
                b.binary(BinaryOp.ADD, full, delta, full);
                delta.close();
                Tensor back = full;
                if (dt != DType.F32) {
                    back = b.empty(dt, full.shape());
                    b.copy(full, back);
                    full.close();
                }
                layer = layer.with(p.module(), proj.withWeight(back));
                merged++;
            } else {
                layer = layer.with(p.module(), proj.withLora(a, bScaled));
                fly++;
            }
            changed.put(p.layer(), layer);
        }
        for (var e : changed.entrySet()) w = w.withLayer(e.getKey(), e.getValue());
        LOG.info("LoRA {} (r={}, scale={}): {} projections merged, {} applied on the fly", adapter.source(), adapter.config().r(), s, merged, fly);
        return w;
    }

    /**
     * Rows of a q/k-shaped matrix (heads·D, cols) from Hugging Face's rotate-half order to llama.cpp's
     * interleaved order: within each head, row h·D/2 + i moves to 2i + h (convert_hf_to_gguf's permute).
     */
    static Tensor toInterleavedRows(Tensor m, int heads, Backend b) {
        int rows = m.dim(0), cols = m.dim(1), half = rows / heads / 2;
        Tensor out = b.empty(m.dtype(), heads, half, 2, cols);
        b.copy(m.view(heads, 2, half, cols).permute(0, 2, 1, 3), out);
        return out.view(rows, cols);
    }
}
