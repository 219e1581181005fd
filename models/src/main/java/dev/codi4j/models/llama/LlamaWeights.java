package dev.codi4j.models.llama;

import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.loaders.gguf.GgmlType;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tensors of a Llama model, on the backend's device. Projection weights stay in the dtype they
 * were loaded in (F32, F16, BF16, Q8_0, Q4_0) and, when no conversion was asked for, are zero-copy
 * views of the memory-mapped checkpoint.
 *
 * @param embedTokens (vocab, dim)
 * @param norm final RMSNorm weight (dim), F32
 * @param lmHead (vocab, dim); the same tensor as {@code embedTokens} when the embeddings are tied
 * @param interleavedRope true when q/k rows are in llama.cpp's GGUF order (pairs 2i, 2i+1 rotate
 *     together); false for Hugging Face's rotate-half order. Both give the same attention scores.
 */
public record LlamaWeights(Tensor embedTokens, List<Layer> layers, Tensor norm, Tensor lmHead, boolean interleavedRope) {

    public LlamaWeights { layers = List.copyOf(layers); }

    /**
     * A linear projection y = x·Wᵀ + b (+ (x·Aᵀ)·Bᵀ when a LoRA adapter is applied on the fly).
     *
     * @param weight (out, in) in any weight dtype
     * @param bias (out) F32, or null
     * @param loraA (r, in) F32, or null
     * @param loraB (out, r) F32 with the LoRA scale alpha/r already multiplied in, or null
     */
    public record Proj(Tensor weight, Tensor bias, Tensor loraA, Tensor loraB) {
        public int in() { return weight.dim(1); }
        public int out() { return weight.dim(0); }
        public boolean hasLora() { return loraA != null; }
        public Proj withWeight(Tensor w) { return new Proj(w, bias, loraA, loraB); }
        public Proj withLora(Tensor a, Tensor bScaled) { return new Proj(weight, bias, a, bScaled); }
    }

    /** One decoder block; norms are F32 (dim). */
    public record Layer(Tensor inputNorm, Proj q, Proj k, Proj v, Proj o, Tensor postAttentionNorm, Proj gate, Proj up, Proj down) {

        /** The projection of a Hugging Face module name: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj. */
        public Proj proj(String module) {
            return switch (module) {
                case "q_proj" -> q; case "k_proj" -> k; case "v_proj" -> v; case "o_proj" -> o;
                case "gate_proj" -> gate; case "up_proj" -> up; case "down_proj" -> down;
                default -> throw new IllegalArgumentException("Llama layers have no module '" + module + "' (expected one of " + MODULES + ")");
            };
        }

        public Layer with(String module, Proj p) {
            return switch (module) {
                case "q_proj" -> new Layer(inputNorm, p, k, v, o, postAttentionNorm, gate, up, down);
                case "k_proj" -> new Layer(inputNorm, q, p, v, o, postAttentionNorm, gate, up, down);
                case "v_proj" -> new Layer(inputNorm, q, k, p, o, postAttentionNorm, gate, up, down);
                case "o_proj" -> new Layer(inputNorm, q, k, v, p, postAttentionNorm, gate, up, down);
                case "gate_proj" -> new Layer(inputNorm, q, k, v, o, postAttentionNorm, p, up, down);
                case "up_proj" -> new Layer(inputNorm, q, k, v, o, postAttentionNorm, gate, p, down);
                case "down_proj" -> new Layer(inputNorm, q, k, v, o, postAttentionNorm, gate, up, p);
                default -> throw new IllegalArgumentException("Llama layers have no module '" + module + "' (expected one of " + MODULES + ")");
            };
        }
    }

    /** The Hugging Face names of a layer's projections. */
    public static final List<String> MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /** How a checkpoint names its tensors. */
    public enum Layout {
        /** Hugging Face state-dict names ({@code model.layers.0.self_attn.q_proj.weight}), rotate-half q/k rows. */
        HF,
        /** llama.cpp's GGUF names ({@code blk.0.attn_q.weight}) with q/k rows permuted for interleaved RoPE. */
        GGUF;

        private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
        private static final Map<String, String> GGUF_LAYER = Map.ofEntries(
                Map.entry("input_layernorm", "attn_norm"), Map.entry("post_attention_layernorm", "ffn_norm"),
                Map.entry("self_attn.q_proj", "attn_q"), Map.entry("self_attn.k_proj", "attn_k"),
                Map.entry("self_attn.v_proj", "attn_v"), Map.entry("self_attn.o_proj", "attn_output"),
                Map.entry("mlp.gate_proj", "ffn_gate"), Map.entry("mlp.up_proj", "ffn_up"), Map.entry("mlp.down_proj", "ffn_down"));

        /** The name of the Hugging Face tensor {@code hfName} in this layout. */
        public String name(String hfName) {
            if (this == HF) return hfName;
            switch (hfName) {
                case "model.embed_tokens.weight": return "token_embd.weight";
                case "model.norm.weight": return "output_norm.weight";
                case "lm_head.weight": return "output.weight";
                default:
            }
            Matcher m = LAYER.matcher(hfName);
            if (m.matches()) {
                String rest = m.group(2);
                int dot = rest.lastIndexOf('.');
                String g = GGUF_LAYER.get(rest.substring(0, dot));
                if (g != null) return "blk." + m.group(1) + "." + g + rest.substring(dot);
            }
            throw new IllegalArgumentException("no GGUF name for tensor '" + hfName + "'");
        }
    }

    /**
     * Reads every tensor of {@code c} from {@code w}.
     *
     * @param dtype the dtype for the 2-D matrices (embeddings, projections, classifier), converted at
     *     load; null keeps each as stored (zero copy)
     */
    public static LlamaWeights load(Weights w, LlamaConfig c, Layout layout, DType dtype, Backend b) {
        int d = c.hiddenSize(), qDim = c.numAttentionHeads() * c.headDim(), kvDim = c.numKeyValueHeads() * c.headDim(), ff = c.intermediateSize();
        Tensor embed = matrix(w, layout.name("model.embed_tokens.weight"), dtype, b, c.vocabSize(), d);
        List<Layer> layers = new ArrayList<>(c.numHiddenLayers());
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            layers.add(new Layer(
                    vector(w, layout.name(p + "input_layernorm.weight"), b, d),
                    proj(w, layout, p + "self_attn.q_proj", c.attentionBias(), dtype, b, qDim, d),
                    proj(w, layout, p + "self_attn.k_proj", c.attentionBias(), dtype, b, kvDim, d),
                    proj(w, layout, p + "self_attn.v_proj", c.attentionBias(), dtype, b, kvDim, d),
                    proj(w, layout, p + "self_attn.o_proj", c.attentionBias(), dtype, b, d, qDim),
                    vector(w, layout.name(p + "post_attention_layernorm.weight"), b, d),
                    proj(w, layout, p + "mlp.gate_proj", c.mlpBias(), dtype, b, ff, d),
                    proj(w, layout, p + "mlp.up_proj", c.mlpBias(), dtype, b, ff, d),
                    proj(w, layout, p + "mlp.down_proj", c.mlpBias(), dtype, b, d, ff)));
        }
        Tensor norm = vector(w, layout.name("model.norm.weight"), b, d);
        String head = layout.name("lm_head.weight");
        // a tied checkpoint may still carry a copy of the classifier; use it only when untied
        Tensor lmHead = !c.tieWordEmbeddings() && w.contains(head) ? matrix(w, head, dtype, b, c.vocabSize(), d) : embed;
        if (!c.tieWordEmbeddings() && lmHead == embed)
            throw new dev.codi4j.loaders.weights.WeightsException("tensor '" + head + "' is missing and config.json says tie_word_embeddings=false; "
                    + "the checkpoint is incomplete, or set tie_word_embeddings to true if its classifier is the embedding table");
        return new LlamaWeights(embed, layers, norm, lmHead, layout == Layout.GGUF);
    }

    private static Proj proj(Weights w, Layout layout, String hf, boolean bias, DType dtype, Backend b, int out, int in) {
        Tensor weight = matrix(w, layout.name(hf + ".weight"), dtype, b, out, in);
        Tensor bs = bias ? vector(w, layout.name(hf + ".bias"), b, out) : null;
        return new Proj(weight, bs, null, null);
    }

    private static Tensor vector(Weights w, String name, Backend b, int n) { return b.toDevice(w.get(name, DType.F32, n)); }

    private static Tensor matrix(Weights w, String name, DType dtype, Backend b, int rows, int cols) {
        // a GGUF K-quant (Q4_K, Q6_K, ...) is dequantised at load, to F16 when read as stored; with a
        // dtype asked for, it is decoded to F32 and converted to that, without rounding through F16
        var info = w.info(name);
        if (dtype != null && info != null && GgmlType.isDequantized(info.fileDType())) return b.toDevice(w.get(name, dtype, rows, cols));
        return convert(w.get(name, rows, cols), dtype, b);
    }

    /** {@code t} in {@code dtype} on {@code b}'s device (a new tensor when a conversion is needed; null dtype keeps it). */
    static Tensor convert(Tensor t, DType dtype, Backend b) {
        if (dtype == null || dtype == t.dtype()) return b.toDevice(t);
        Backend conv = b.device().isHost() ? b : Backends.forDevice(Device.CPU);
        Tensor out = conv.empty(dtype, t.shape());
        conv.copy(t, out);
        return b.toDevice(out);
    }

    /** Bytes of weights a decode step reads: every projection, the classifier, the norms, one embedding row. */
    public long bytesPerToken() {
        long n = lmHead.byteSize() + norm.byteSize() + embedTokens.dtype().byteSize(embedTokens.dim(1));
        for (Layer l : layers) {
            n += l.inputNorm.byteSize() + l.postAttentionNorm.byteSize();
            for (String m : MODULES) {
                Proj p = l.proj(m);
                n += p.weight.byteSize() + (p.bias == null ? 0 : p.bias.byteSize());
                if (p.hasLora()) n += p.loraA.byteSize() + p.loraB.byteSize();
            }
        }
        return n;
    }

    /** Bytes of all weights held (the classifier counted once when tied). */
    public long totalBytes() {
        long n = bytesPerToken() - embedTokens.dtype().byteSize(embedTokens.dim(1));
        return lmHead == embedTokens ? n : n + embedTokens.byteSize();
    }

    /** A copy with one layer replaced (used by LoRA). */
    LlamaWeights withLayer(int i, Layer l) {
        List<Layer> ls = new ArrayList<>(layers);
        ls.set(i, l);
        return new LlamaWeights(embedTokens, ls, norm, lmHead, interleavedRope);
    }
}
