package dev.codi4j.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.gguf.GgmlType;
import dev.codi4j.loaders.gguf.GgufFile;
import dev.codi4j.loaders.gguf.GgufWriter;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Llama GGUF laid out like llama.cpp's Q4_K_M (token embedding and most matrices Q4_K; attn_v,
 * ffn_down and the classifier Q6_K; norms F32), with random blocks, loads through LlamaLoader: as
 * stored its matrices are F16 and give exactly the logits of the same model written as F16; with
 * {@code dtype = Q8_0} they give exactly the logits of the same model written as F32 (the exact
 * dequantised values) and quantised to Q8_0 at load.
 */
class LlamaKQuantGgufTest {
    static final int VOCAB = 16, HIDDEN = 256, FF = 512, LAYERS = 2, HEADS = 4, KV_HEADS = 2;
    static Backend backend;

    @BeforeAll static void setUp() { backend = Backends.create("cpu"); }

    @AfterAll static void tearDown() { backend.close(); }

    record Spec(GgmlType type, int rows, int cols) {}

    static Map<String, Spec> specs() {
        Map<String, Spec> m = new LinkedHashMap<>();
        m.put("token_embd.weight", new Spec(GgmlType.Q4_K, VOCAB, HIDDEN));
        int kv = KV_HEADS * HIDDEN / HEADS;
        for (int i = 0; i < LAYERS; i++) {
            String p = "blk." + i + ".";
            m.put(p + "attn_norm.weight", new Spec(GgmlType.F32, 1, HIDDEN));
            m.put(p + "attn_q.weight", new Spec(GgmlType.Q4_K, HIDDEN, HIDDEN));
            m.put(p + "attn_k.weight", new Spec(GgmlType.Q4_K, kv, HIDDEN));
            m.put(p + "attn_v.weight", new Spec(GgmlType.Q6_K, kv, HIDDEN));
            m.put(p + "attn_output.weight", new Spec(GgmlType.Q4_K, HIDDEN, HIDDEN));
            m.put(p + "ffn_norm.weight", new Spec(GgmlType.F32, 1, HIDDEN));
            m.put(p + "ffn_gate.weight", new Spec(GgmlType.Q4_K, FF, HIDDEN));
            m.put(p + "ffn_up.weight", new Spec(GgmlType.Q4_K, FF, HIDDEN));
            m.put(p + "ffn_down.weight", new Spec(GgmlType.Q6_K, HIDDEN, FF));
        }
        m.put("output_norm.weight", new Spec(GgmlType.F32, 1, HIDDEN));
        m.put("output.weight", new Spec(GgmlType.Q6_K, VOCAB, HIDDEN));
        return m;
    }

    static GgufWriter header() {
        return new GgufWriter().putString("general.architecture", "llama").putU32("llama.embedding_length", HIDDEN)
                .putU32("llama.attention.head_count", HEADS).putU32("llama.attention.head_count_kv", KV_HEADS)
                .putU32("llama.feed_forward_length", FF).putU32("llama.block_count", LAYERS).putU32("llama.context_length", 64)
                .putF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    }

    /** Random K-quant blocks with small fp16 super-block scales (weights of order 0.01-0.1). */
    static byte[] blocks(GgmlType t, int rows, int cols, Random r) {
        byte[] b = new byte[rows * cols / t.blockSize * t.blockBytes];
        r.nextBytes(b);
        for (int o = 0; o < b.length; o += t.blockBytes) {
            if (t == GgmlType.Q4_K) {
                put16(b, o, 0.0004f);
                put16(b, o + 2, 0.0015f);
            } else {
                put16(b, o + 208, 0.00002f);
            }
        }
        return b;
    }

    static void put16(byte[] b, int o, float v) {
        short h = Float.floatToFloat16(v);
        b[o] = (byte) h;
        b[o + 1] = (byte) (h >> 8);
    }

    /** Writes the K-quant model, its F16 twin (values as read as stored) and its F32 twin (exact values). */
    static Path[] write(Path dir) throws IOException {
        Random r = new Random(42);
        Path kq = dir.resolve("tiny-q4_k_m.gguf"), f16 = dir.resolve("tiny-f16.gguf"), f32 = dir.resolve("tiny-f32.gguf");
        GgufWriter w = header().putU32("general.file_type", 15);
        for (var e : specs().entrySet()) {
            Spec s = e.getValue();
            if (s.type == GgmlType.F32) {
                float[] n = new float[s.cols];
                for (int i = 0; i < n.length; i++) n[i] = 0.5f + r.nextFloat();
                w.addTensor(e.getKey(), Tensor.fromFloats(n, s.cols));
            } else {
                w.addRawTensor(e.getKey(), s.type, new int[] {s.rows, s.cols}, blocks(s.type, s.rows, s.cols, r));
            }
        }
        w.write(kq);
        try (GgufFile g = GgufFile.open(kq)) {
            GgufWriter h = header(), x = header();
            for (var e : specs().entrySet()) {
                h.addTensor(e.getKey(), g.tensor(e.getKey()));
                x.addTensor(e.getKey(), g.tensor(e.getKey(), DType.F32));
            }
            h.write(f16);
            x.write(f32);
        }
        return new Path[] {kq, f16, f32};
    }

    @Test void q4kmGgufLoadsAndMatchesItsDequantisedTwins(@TempDir Path dir) throws IOException {
        Path[] p = write(dir);
        int[] ids = {1, 5, 9, 3, 15, 0, 7};
        float[] asStored, f16Twin, q8, q8Twin;
        try (Llama m = LlamaLoader.load(p[0], backend)) {
            var l0 = m.weights().layers().get(0);
            assertEquals(DType.F16, l0.q().weight().dtype(), "Q4_K read as stored is F16");
            assertEquals(DType.F16, l0.v().weight().dtype(), "Q6_K read as stored is F16");
            assertEquals(DType.F16, m.weights().lmHead().dtype());
            assertEquals(DType.F32, l0.inputNorm().dtype());
            asStored = LlamaParityTest.allLogits(m, ids);
        }
        try (Llama m = LlamaLoader.load(p[1], backend)) { f16Twin = LlamaParityTest.allLogits(m, ids); }
        assertEquals(VOCAB * ids.length, asStored.length);
        float max = 0;
        for (float v : asStored) {
            assertTrue(Float.isFinite(v), "finite logits");
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max > 1e-3, "logits are not trivially zero: " + max);
        assertArrayEquals(f16Twin, asStored, 0f, "same logits as the model written in F16");

        LlamaLoader.Options q8o = LlamaLoader.Options.defaults().withDType(DType.Q8_0);
        try (Llama m = LlamaLoader.load(p[0], q8o, backend)) {
            assertEquals(DType.Q8_0, m.weights().layers().get(1).down().weight().dtype());
            q8 = LlamaParityTest.allLogits(m, ids);
        }
        try (Llama m = LlamaLoader.load(p[2], q8o, backend)) { q8Twin = LlamaParityTest.allLogits(m, ids); }
        assertArrayEquals(q8Twin, q8, 0f, "Q8_0 of the exact dequantised values, not of their F16 rounding");
    }
}
