package dev.codi4j.loaders.weights;

import static org.junit.jupiter.api.Assertions.*;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.safetensors.Safetensors;
import dev.codi4j.loaders.safetensors.ShardedCheckpoint;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsTest {
    @TempDir Path dir;

    static Tensor seq(DType dt, int... shape) {
        Tensor t = Tensor.allocate(DType.F32, shape);
        float[] v = new float[(int) t.numel()];
        for (int i = 0; i < v.length; i++) v[i] = (i % 17) * 0.125f - 1f;
        Tensor f = Tensor.fromFloats(v, shape);
        if (dt == DType.F32) return f;
        Tensor out = Tensor.allocate(dt, shape);
        dev.codi4j.tensor.Backends.forDevice(dev.codi4j.tensor.Device.CPU).copy(f, out);
        return out;
    }

    Map<String, Tensor> llamaLike() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", seq(DType.F16, 10, 64));
        for (int l = 0; l < 2; l++) {
            m.put("model.layers." + l + ".self_attn.q_proj.weight", seq(DType.F16, 64, 64));
            m.put("model.layers." + l + ".self_attn.k_proj.weight", seq(DType.F16, 32, 64));
            m.put("model.layers." + l + ".input_layernorm.weight", seq(DType.F32, 64));
        }
        m.put("model.norm.weight", seq(DType.F32, 64));
        m.put("lm_head.weight", seq(DType.BF16, 10, 64));
        return m;
    }

    @Test void prefixViewsShapesAndUnused() throws Exception {
        Path p = dir.resolve("m.safetensors");
        Map<String, Tensor> m = llamaLike();
        Safetensors.save(p, m);
        try (Weights w = Weights.open(p)) {
            Weights layer1 = w.pp("model.layers").pp(1);
            assertEquals("model.layers.1.", layer1.prefix());
            Tensor q = layer1.get("self_attn.q_proj.weight", 64, 64);
            assertArrayEquals(m.get("model.layers.1.self_attn.q_proj.weight").toFloatArray(), q.toFloatArray());
            assertTrue(q.segment().isMapped());
            assertEquals(List.of("input_layernorm.weight", "self_attn.k_proj.weight", "self_attn.q_proj.weight"), layer1.keys());
            layer1.get("self_attn.k_proj.weight", -1, 64);
            assertTrue(layer1.contains("input_layernorm.weight"));
            assertFalse(layer1.contains("mlp.up_proj.weight"));
            assertTrue(layer1.getOptional("mlp.up_proj.weight").isEmpty());
            assertEquals(Set.of("model.layers.1.input_layernorm.weight"), layer1.unused());
            assertEquals(7, w.unused().size());

            WeightsException shape = assertThrows(WeightsException.class, () -> layer1.get("self_attn.k_proj.weight", 64, 64));
            assertTrue(shape.getMessage().contains("'model.layers.1.self_attn.k_proj.weight'"), shape.getMessage());
            assertTrue(shape.getMessage().contains(p.toString()) && shape.getMessage().contains("[64, 64]") && shape.getMessage().contains("F16[32, 64]"), shape.getMessage());

            WeightsException rank = assertThrows(WeightsException.class, () -> w.get("model.norm.weight", 1, 64));
            assertTrue(rank.getMessage().contains("F32[64]"), rank.getMessage());

            WeightsException miss = assertThrows(WeightsException.class, () -> layer1.get("self_attn.q_proj.weights"));
            assertTrue(miss.getMessage().contains("'model.layers.1.self_attn.q_proj.weights' not found in " + p), miss.getMessage());
            assertTrue(miss.getMessage().contains("'model.layers.1.self_attn.q_proj.weight'"), "suggests the near name: " + miss.getMessage());
        }
    }

    @Test void convertsAtLoad() throws Exception {
        Map<String, Tensor> m = llamaLike();
        try (Weights w = Weights.of(m)) {
            Tensor f32 = w.get("model.embed_tokens.weight", DType.F32, 10, 64);
            assertEquals(DType.F32, f32.dtype());
            assertArrayEquals(m.get("model.embed_tokens.weight").toFloatArray(), f32.toFloatArray(), 0f, "F16 → F32 is exact");
            Tensor bf = w.get("lm_head.weight", DType.F32);
            assertArrayEquals(m.get("lm_head.weight").toFloatArray(), bf.toFloatArray(), 0f, "BF16 → F32 is exact");

            // F16 → Q8_0 must equal GGML's reference quantisation of the same values, block by block
            Tensor q = w.get("model.layers.0.self_attn.q_proj.weight", DType.Q8_0, 64, 64);
            assertEquals(DType.Q8_0, q.dtype());
            float[] src = m.get("model.layers.0.self_attn.q_proj.weight").toFloatArray();
            MemorySegment want = java.lang.foreign.Arena.ofAuto().allocate(34);
            for (int b = 0; b < src.length / 32; b++) {
                Numerics.quantQ8_0(src, b * 32, want, 0);
                assertEquals(-1, MemorySegment.mismatch(want, 0, 34, q.data(), b * 34L, b * 34L + 34), "block " + b);
            }
            WeightsException odd = assertThrows(WeightsException.class, () -> w.get("model.layers.0.self_attn.q_proj.weight", DType.Q8_0, 64, 63));
            assertTrue(odd.getMessage().contains("expected shape [64, 63]"), odd.getMessage());
            Weights ids = Weights.of(Map.of("ids", Tensor.fromInts(new int[] {1, 2}, 2)));
            assertThrows(WeightsException.class, () -> ids.get("ids", DType.F32));
        }
    }

    @Test void laterSourcesOverrideEarlierOnes() {
        Map<String, Tensor> base = Map.of("a", Tensor.scalar(1f), "b", Tensor.scalar(2f));
        Map<String, Tensor> delta = Map.of("b", Tensor.scalar(20f), "lora_A", Tensor.scalar(3f));
        Weights w = Weights.of(new MapSource(base, "base"), new MapSource(delta, "delta"));
        assertEquals(20f, w.get("b").item());
        assertEquals(1f, w.get("a").item());
        assertEquals(List.of("a", "b", "lora_A"), w.keys());
        assertEquals(Set.of("lora_A"), w.unused());
        assertTrue(assertThrows(WeightsException.class, () -> w.get("c")).getMessage().contains("base + delta"));
    }

    @Test void shardedCheckpoints() throws Exception {
        Map<String, Tensor> m = llamaLike();
        Map<String, Tensor> s1 = new LinkedHashMap<>(), s2 = new LinkedHashMap<>();
        StringBuilder idx = new StringBuilder("{\"metadata\":{\"total_size\":1},\"weight_map\":{");
        int i = 0;
        for (var e : m.entrySet()) {
            String shard = (i++ % 2 == 0) ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            (shard.contains("00001-") ? s1 : s2).put(e.getKey(), e.getValue());
            idx.append(i > 1 ? "," : "").append('"').append(e.getKey()).append("\":\"").append(shard).append('"');
        }
        idx.append("}}");
        Safetensors.save(dir.resolve("model-00001-of-00002.safetensors"), s1);
        Safetensors.save(dir.resolve("model-00002-of-00002.safetensors"), s2);
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, idx);
        try (Weights w = Weights.open(index)) {
            assertEquals(m.size(), w.keys().size());
            for (var e : m.entrySet()) assertArrayEquals(e.getValue().toFloatArray(), w.get(e.getKey()).toFloatArray(), e.getKey());
            assertEquals("1", w.metadata().get("total_size"));
        }
        Files.writeString(index, "{\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\"}}");
        assertTrue(assertThrows(FormatException.class, () -> Weights.open(index)).getMessage().contains("does not contain it"));
        Files.writeString(index, "{\"weight_map\":{\"x\":\"../../etc/passwd\"}}");
        assertTrue(assertThrows(FormatException.class, () -> ShardedCheckpoint.open(index)).getMessage().contains("plain file names"));
        Files.writeString(index, "{\"weight_map\":{\"x\":\"model-00003-of-00003.safetensors\"}}");
        assertTrue(assertThrows(FormatException.class, () -> Weights.open(index)).getMessage().contains("missing"));
    }

    @Test void safetensorsLoadCopiesAndCloses() throws Exception {
        Path p = dir.resolve("c.safetensors");
        Map<String, Tensor> m = llamaLike();
        Safetensors.save(p, m);
        Map<String, Tensor> back = Safetensors.load(p);
        assertEquals(m.keySet(), back.keySet());
        for (var e : m.entrySet()) {
            assertFalse(back.get(e.getKey()).segment().isMapped());
            assertArrayEquals(e.getValue().toFloatArray(), back.get(e.getKey()).toFloatArray());
        }
    }

    @Test void closedWeightsFailCleanly() throws Exception {
        Path p = dir.resolve("x.safetensors");
        Safetensors.save(p, Map.of("a", Tensor.fromFloats(new float[] {1, 2}, 2)));
        Weights w = Weights.open(p);
        Tensor a = w.get("a");
        w.close();
        assertThrows(IllegalStateException.class, a::toFloatArray);
        assertThrows(IllegalStateException.class, () -> w.get("a"));
    }
}
