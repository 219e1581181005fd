package dev.codi4j.loaders.gguf;

import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts a Hugging Face Llama checkpoint ({@code LlamaForCausalLM} names) to a GGUF file that
 * llama.cpp loads, the way llama.cpp's {@code convert_hf_to_gguf.py} does: GGUF tensor names
 * ({@code token_embd}, {@code blk.N.attn_q}, ...), {@code llama.*} hyper-parameters, and the q/k
 * projection rows permuted from Hugging Face's rotate-half rope layout back to the interleaved
 * layout of Meta's original weights ({@code reshape(heads, 2, head_dim/2, in).swapaxes(1, 2)}).
 * 1-D tensors (norms) stay F32; matrices become the requested type. For Q4_0 files the output
 * projection is written as Q8_0 (llama-quantize would use Q6_K, which codi4j does not have).
 * Tensors are converted one at a time while writing.
 */
public final class LlamaGgufConverter {
    private static final Logger LOG = LoggerFactory.getLogger(LlamaGgufConverter.class);
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
    private static final Map<String, String> LAYER_NAMES = Map.of(
            "input_layernorm.weight", "attn_norm.weight", "self_attn.q_proj.weight", "attn_q.weight",
            "self_attn.k_proj.weight", "attn_k.weight", "self_attn.v_proj.weight", "attn_v.weight",
            "self_attn.o_proj.weight", "attn_output.weight", "post_attention_layernorm.weight", "ffn_norm.weight",
            "mlp.gate_proj.weight", "ffn_gate.weight", "mlp.down_proj.weight", "ffn_down.weight", "mlp.up_proj.weight", "ffn_up.weight");

    /** GGUF token types, as llama.cpp numbers them. */
    public static final int TOKEN_NORMAL = 1, TOKEN_UNKNOWN = 2, TOKEN_CONTROL = 3, TOKEN_USER_DEFINED = 4, TOKEN_UNUSED = 5, TOKEN_BYTE = 6;

    /** The SentencePiece vocabulary, as the tokenizer loader reads it from {@code tokenizer.model}. */
    public record Vocab(List<String> tokens, float[] scores, int[] tokenTypes, int bosId, int eosId, int unkId, Integer padId, boolean addBos, boolean addEos) {}

    private LlamaGgufConverter() {}

    /** The GGUF name of a Hugging Face Llama tensor, or null for tensors GGUF does not keep (rotary inv_freq). */
    public static String ggufName(String hf) {
        switch (hf) {
            case "model.embed_tokens.weight": return "token_embd.weight";
            case "model.norm.weight": return "output_norm.weight";
            case "lm_head.weight": return "output.weight";
            default: break;
        }
        Matcher m = LAYER.matcher(hf);
        if (m.matches()) {
            if (m.group(2).endsWith("rotary_emb.inv_freq")) return null;
            String g = LAYER_NAMES.get(m.group(2));
            if (g != null) return "blk." + m.group(1) + "." + g;
        }
        throw new WeightsException("tensor '" + hf + "' is not part of a Llama checkpoint that codi4j can convert to GGUF");
    }

    /** llama.cpp's {@code general.file_type} for a file whose matrices are {@code type}. */
    static int fileType(DType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("GGUF output type must be F32, F16, BF16, Q8_0 or Q4_0, not " + type);
        };
    }

    /**
     * Writes {@code out} from {@code hf} (the Llama weights, names as in {@code model.safetensors}).
     * @param vocab the tokenizer, or null to write weights only (llama.cpp then cannot run the file; codi4j can, with its own tokenizer)
     */
    public static void convert(Weights hf, LlamaConfig cfg, Vocab vocab, DType type, String modelName, Path out) throws IOException {
        int ft = fileType(type);
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putString("general.name", modelName);
        w.putU32("llama.vocab_size", cfg.vocabSize());
        w.putU32("llama.context_length", cfg.maxPositionEmbeddings());
        w.putU32("llama.embedding_length", cfg.hiddenSize());
        w.putU32("llama.block_count", cfg.numHiddenLayers());
        w.putU32("llama.feed_forward_length", cfg.intermediateSize());
        w.putU32("llama.rope.dimension_count", cfg.headDim());
        w.putU32("llama.attention.head_count", cfg.numAttentionHeads());
        w.putU32("llama.attention.head_count_kv", cfg.numKeyValueHeads());
        w.putF32("llama.attention.layer_norm_rms_epsilon", (float) cfg.rmsNormEps());
        w.putF32("llama.rope.freq_base", (float) cfg.ropeTheta());
        w.putU32("general.file_type", ft);
        if (type.isQuantized()) w.putU32("general.quantization_version", 2);
        if (vocab != null) {
            if (vocab.tokens().size() != cfg.vocabSize())
                throw new IllegalArgumentException("the tokenizer has " + vocab.tokens().size() + " tokens but config.json says vocab_size " + cfg.vocabSize());
            w.putString("tokenizer.ggml.model", "llama");
            w.putStrings("tokenizer.ggml.tokens", vocab.tokens());
            w.putF32s("tokenizer.ggml.scores", vocab.scores());
            w.putI32s("tokenizer.ggml.token_type", vocab.tokenTypes());
            w.putU32("tokenizer.ggml.bos_token_id", vocab.bosId());
            w.putU32("tokenizer.ggml.eos_token_id", vocab.eosId());
            w.putU32("tokenizer.ggml.unknown_token_id", vocab.unkId());
            if (vocab.padId() != null) w.putU32("tokenizer.ggml.padding_token_id", vocab.padId());
            w.putBool("tokenizer.ggml.add_bos_token", vocab.addBos());
            w.putBool("tokenizer.ggml.add_eos_token", vocab.addEos());
        }
        int skipped = 0;
        for (String name : hf.keys()) {
            String g = ggufName(name);
            if (g == null) { skipped++; continue; }
            int[] shape = hf.info(name).shape();
            DType target = shape.length < 2 ? DType.F32 : type;
            if (g.equals("output.weight") && type == DType.Q4_0) target = DType.Q8_0;
            if (target.isQuantized() && shape[shape.length - 1] % target.blockSize() != 0) {
                LOG.warn("{}: rows of {} are not a multiple of {}; writing it as F16", name, shape[shape.length - 1], target.blockSize());
                target = DType.F16;
            }
            int heads = g.endsWith("attn_q.weight") ? cfg.numAttentionHeads() : g.endsWith("attn_k.weight") ? cfg.numKeyValueHeads() : 0;
            DType t = target;
            w.addTensor(g, t, shape, () -> convertOne(hf.get(name), t, heads));
        }
        if (!hf.contains("lm_head.weight") && !cfg.tieWordEmbeddings())
            throw new WeightsException("the checkpoint has no lm_head.weight and config.json does not tie word embeddings; is it a complete LlamaForCausalLM?");
        LOG.info("writing {} tensors to {} ({} skipped)", hf.keys().size() - skipped, out, skipped);
        w.write(out);
    }

    /** Converts one tensor; with {@code heads > 0} its rows are permuted as llama.cpp does for q/k. */
    static Tensor convertOne(Tensor src, DType target, int heads) {
        Tensor s = src;
        int[] shape = src.shape();
        Tensor dst = Tensor.allocate(target, shape);
        Tensor d = dst;
        if (heads > 0) {
            int rows = shape[0], in = shape[1];
            if (rows % (2 * heads) != 0) throw new WeightsException("q/k projection with " + rows + " rows cannot be split into " + heads + " heads of even size");
            int half = rows / heads / 2;
            // GGUF row (h, i, j) holds HF row (h, j, i): interleaved pairs from the rotate-half halves
            s = src.view(heads, 2, half, in).transpose(1, 2);
            d = dst.view(heads, half, 2, in);
        }
        Backends.forDevice(Device.CPU).copy(s, d);
        return dst;
    }

    /**
     * The inverse of the q/k permutation as a view of shape (heads, 2, head_dim/2, in), for loading GGUF
     * q/k into a rotate-half (Hugging Face layout) model; {@code .contiguous().view(rows, in)} gives the HF matrix.
     */
    public static Tensor unpermute(Tensor gguf, int heads) {
        int rows = gguf.dim(0), in = gguf.dim(1);
        return gguf.view(heads, rows / heads / 2, 2, in).transpose(1, 2);
    }
}
