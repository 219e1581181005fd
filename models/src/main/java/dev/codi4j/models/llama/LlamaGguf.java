package dev.codi4j.models.llama;

import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.loaders.gguf.GgufWriter;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes Llama weights as a GGUF file the way llama.cpp's {@code convert_hf_to_gguf.py} does: GGUF
 * tensor names, {@code llama.*} metadata, q/k projection rows permuted for interleaved RoPE, norms in
 * F32 and the matrices in the requested dtype. llama.cpp and codi4j then read the same file.
 */
public final class LlamaGguf {
    private LlamaGguf() {}

    /** llama.cpp's {@code general.file_type} (LLAMA_FTYPE_*) for a matrix dtype. */
    public static int fileType(DType d) {
        return switch (d) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no GGUF file type for " + d);
        };
    }

    /** A writer holding the {@code general.*} and {@code llama.*} metadata of {@code c}. */
    public static GgufWriter header(LlamaConfig c, DType matrices, String name) {
        GgufWriter g = new GgufWriter();
        g.putString("general.architecture", "llama");
        g.putString("general.name", name);
        g.putU32("general.file_type", fileType(matrices));
        g.putU32("general.quantization_version", 2);
        g.putU32("llama.context_length", c.maxPositionEmbeddings());
        g.putU32("llama.embedding_length", c.hiddenSize());
        g.putU32("llama.block_count", c.numHiddenLayers());
        g.putU32("llama.feed_forward_length", c.intermediateSize());
        g.putU32("llama.rope.dimension_count", c.headDim());
        g.putU32("llama.attention.head_count", c.numAttentionHeads());
        g.putU32("llama.attention.head_count_kv", c.numKeyValueHeads());
        g.putF32("llama.attention.layer_norm_rms_epsilon", (float) c.rmsNormEps());
        g.putF32("llama.rope.freq_base", (float) c.ropeTheta());
        g.putU32("llama.vocab_size", c.vocabSize());
        return g;
    }

    /**
     * Converts Hugging Face-named weights {@code hf} to a GGUF writer (call {@link GgufWriter#write}
     * after adding tokenizer metadata if wanted). The tensors added are new host tensors.
     */
    public static GgufWriter convert(LlamaConfig c, Weights hf, DType matrices, Backend b, String name) {
        GgufWriter g = header(c, matrices, name);
        List<String> names = new ArrayList<>();
        names.add("model.embed_tokens.weight");
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            names.add(p + "input_layernorm.weight");
            for (String m : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj")) {
                names.add(p + m + ".weight");
                if (c.attentionBias()) names.add(p + m + ".bias");
            }
            names.add(p + "post_attention_layernorm.weight");
            for (String m : List.of("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")) {
                names.add(p + m + ".weight");
                if (c.mlpBias()) names.add(p + m + ".bias");
            }
        }
        names.add("model.norm.weight");
        if (!c.tieWordEmbeddings()) names.add("lm_head.weight");
        for (String n : names) {
            Tensor t = hf.get(n, DType.F32);
            Tensor own = b.empty(DType.F32, t.shape());
            b.copy(t, own);
            t = own;
            int heads = n.endsWith("q_proj.weight") || n.endsWith("q_proj.bias") ? c.numAttentionHeads()
                    : n.endsWith("k_proj.weight") || n.endsWith("k_proj.bias") ? c.numKeyValueHeads() : 0;
            if (heads > 0) t = t.rank() == 1 ? Lora.toInterleavedRows(t.view(-1, 1), heads, b).view(-1) : Lora.toInterleavedRows(t, heads, b);
            if (t.rank() == 2 && matrices != DType.F32) t = LlamaWeights.convert(t, matrices, b);
            g.addTensor(LlamaWeights.Layout.GGUF.name(n), b.toHost(t));
        }
        return g;
    }

    /** {@link #convert} then write to {@code out} (atomically). */
    public static void write(LlamaConfig c, Weights hf, DType matrices, Backend b, Path out) throws IOException {
        convert(c, hf, matrices, b, out.getFileName().toString()).write(out);
    }
}
