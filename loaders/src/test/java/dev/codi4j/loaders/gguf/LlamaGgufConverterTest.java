package dev.codi4j.loaders.gguf;

import static org.junit.jupiter.api.Assertions.*;

import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.loaders.safetensors.SafetensorsFile;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HF Llama → GGUF, checked against llama.cpp's permutation computed with torch (tools/fixtures/llama_gguf_permute.py). */
class LlamaGgufConverterTest {
    @TempDir Path dir;

    static Path res(String n) throws Exception { return Path.of(LlamaGgufConverterTest.class.getResource("/gguf/" + n).toURI()); }

    static final LlamaConfig CFG = new LlamaConfig(32, 32, 64, 2, 4, 2, 8, 64, 1e-5, 10000.0, "silu", false, false, false, 1, java.util.List.of(2), "float32");

    @Test void f32ConversionMatchesConvertHfToGguf() throws Exception {
        Path out = dir.resolve("tiny-f32.gguf");
        LlamaGgufConverter.Vocab vocab = new LlamaGgufConverter.Vocab(java.util.stream.IntStream.range(0, 32).mapToObj(i -> "t" + i).toList(),
                new float[32], new int[32], 1, 2, 0, null, true, false);
        try (Weights hf = Weights.open(res("tiny_llama.safetensors"))) {
            LlamaGgufConverter.convert(hf, CFG, vocab, DType.F32, "tiny", out);
        }
        try (GgufFile g = GgufFile.open(out); SafetensorsFile exp = SafetensorsFile.open(res("tiny_llama.expected.safetensors"));
             SafetensorsFile src = SafetensorsFile.open(res("tiny_llama.safetensors"))) {
            assertEquals("llama", g.architecture());
            assertEquals(2, g.getInt("llama.block_count"));
            assertEquals(2, g.getInt("llama.attention.head_count_kv"));
            assertEquals(8, g.getInt("llama.rope.dimension_count"));
            assertEquals(0, g.getInt("general.file_type"));
            assertEquals(1e-5f, g.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertEquals("t31", g.getStringList("tokenizer.ggml.tokens").get(31));
            assertEquals(3 + 9 * 2, g.names().size(), "embeddings, final norm, lm_head and 9 per layer: every tensor but the rotary inv_freq");
            for (String n : exp.names()) assertArrayEquals(exp.tensor(n).toFloatArray(), g.tensor(n).toFloatArray(), 0f, n);
            assertArrayEquals(src.tensor("model.layers.1.self_attn.v_proj.weight").toFloatArray(), g.tensor("blk.1.attn_v.weight").toFloatArray(), 0f);
            assertArrayEquals(src.tensor("model.embed_tokens.weight").toFloatArray(), g.tensor("token_embd.weight").toFloatArray(), 0f);
            assertArrayEquals(new int[] {64, 32}, g.tensor("blk.0.ffn_up.weight").shape());
            assertArrayEquals(new long[] {32, 64}, g.tensorInfo("blk.0.ffn_up.weight").ne());
            // the inverse permutation gives the Hugging Face rows back
            Tensor back = LlamaGgufConverter.unpermute(g.tensor("blk.0.attn_k.weight"), 2).contiguous().view(16, 32);
            assertArrayEquals(src.tensor("model.layers.0.self_attn.k_proj.weight").toFloatArray(), back.toFloatArray(), 0f);
        }
    }

    @Test void quantisedConversion() throws Exception {
        for (DType t : List.of(DType.Q8_0, DType.Q4_0, DType.F16)) {
            Path out = dir.resolve("tiny-" + t + ".gguf");
            try (Weights hf = Weights.open(res("tiny_llama.safetensors"))) { LlamaGgufConverter.convert(hf, CFG, null, t, "tiny", out); }
            try (GgufFile g = GgufFile.open(out); SafetensorsFile exp = SafetensorsFile.open(res("tiny_llama.expected.safetensors"))) {
                assertEquals(t, g.tensor("blk.0.attn_q.weight").dtype());
                assertEquals(DType.F32, g.tensor("blk.0.attn_norm.weight").dtype(), "norms stay F32");
                assertEquals(t == DType.Q4_0 ? DType.Q8_0 : t, g.tensor("output.weight").dtype());
                // quantising the permuted rows must equal permuting then quantising: compare with the reference quantiser
                float[] want = exp.tensor("blk.1.attn_k.weight").toFloatArray();
                Tensor ref = Tensor.allocate(t, 16, 32);
                dev.codi4j.tensor.Backends.forDevice(dev.codi4j.tensor.Device.CPU).copy(Tensor.fromFloats(want, 16, 32), ref);
                assertArrayEquals(ref.toFloatArray(), g.tensor("blk.1.attn_k.weight").toFloatArray(), 0f, t.toString());
                assertNull(g.getOrNull("tokenizer.ggml.tokens"));
                assertEquals(LlamaGgufConverter.fileType(t), g.getInt("general.file_type"));
            }
        }
    }

    @Test void names() {
        assertEquals("blk.12.ffn_down.weight", LlamaGgufConverter.ggufName("model.layers.12.mlp.down_proj.weight"));
        assertEquals("output_norm.weight", LlamaGgufConverter.ggufName("model.norm.weight"));
        assertNull(LlamaGgufConverter.ggufName("model.layers.0.self_attn.rotary_emb.inv_freq"));
        assertThrows(dev.codi4j.loaders.weights.WeightsException.class, () -> LlamaGgufConverter.ggufName("vision_tower.x"));
    }
}
