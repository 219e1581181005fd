package dev.codi4j.models.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.loaders.gguf.GgufFile;
import dev.codi4j.loaders.gguf.LlamaGgufConverter;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GGUF conversion (llama.cpp's layout: permuted q/k, interleaved RoPE) and PEFT LoRA, against the PyTorch reference. */
class LlamaGgufAndLoraTest {
    static Backend backend;
    static Weights expected;
    static int[] ids;

    @BeforeAll static void setUp() {
        backend = Backends.create("cpu");
        expected = Fixture.expected();
        ids = Fixture.ints(expected, "input_ids");
    }

    @AfterAll static void tearDown() {
        expected.close();
        backend.close();
    }

    static Path gguf(Path tmp, DType dt) throws IOException {
        Path out = tmp.resolve("tiny-" + dt.name().toLowerCase(Locale.ROOT) + ".gguf");
        LlamaLoader.Source src = LlamaLoader.open(Fixture.dir());
        try (Weights w = src.weights()) {
            LlamaGgufConverter.convert(w, src.config(), null, dt, "tiny", out);
        }
        return out;
    }

    /**
     * The fixture written as GGUF by the loaders' converter in F32, F16, Q8_0 and Q4_0 (matrices
     * converted, norms F32, q/k rows permuted as convert_hf_to_gguf does, a Q4_0 file's classifier in
     * Q8_0) and read back through interleaved RoPE gives the reference logits with the same rounding,
     * within 1e-4.
     */
    @Test void ggufConversionsMatchTheReference(@TempDir Path tmp) throws IOException {
        String[] keys = {"logits", "logits_f16_matrices", "logits_q8_0", "logits_q4_0_q8_0_head"};
        DType[] dts = {DType.F32, DType.F16, DType.Q8_0, DType.Q4_0};
        for (int i = 0; i < dts.length; i++) {
            Path f = gguf(tmp, dts[i]);
            try (GgufFile g = GgufFile.open(f)) {
                LlamaConfig c = LlamaConfig.fromGguf(g);
                assertEquals(4, c.numAttentionHeads());
                assertEquals(2, c.numKeyValueHeads());
                assertFalse(c.tieWordEmbeddings());
            }
            try (Llama m = LlamaLoader.load(f, backend)) {
                assertTrue(m.weights().interleavedRope());
                assertEquals(dts[i], m.weights().layers().get(0).q().weight().dtype());
                double diff = Fixture.maxAbsDiff(LlamaParityTest.allLogits(m, ids), Fixture.floats(expected, keys[i]));
                System.out.printf("GGUF %s vs %s: max-abs %.3g%n", dts[i], keys[i], diff);
                assertTrue(diff < 1e-4, "GGUF " + dts[i] + " logits max-abs diff " + diff);
            }
        }
    }

    /** Negative control: the permuted GGUF weights read with HF's rotate-half RoPE give wrong logits. */
    @Test void ggufWeightsNeedInterleavedRope(@TempDir Path tmp) throws IOException {
        Path f = gguf(tmp, DType.F32);
        LlamaLoader.Source src = LlamaLoader.open(f);
        LlamaWeights w = LlamaWeights.load(src.weights(), src.config(), LlamaWeights.Layout.GGUF, null, backend);
        LlamaWeights wrong = new LlamaWeights(w.embedTokens(), w.layers(), w.norm(), w.lmHead(), false);
        try (Llama m = new Llama(src.config(), wrong, backend, src.weights())) {
            assertTrue(Fixture.maxAbsDiff(LlamaParityTest.allLogits(m, ids), Fixture.floats(expected, "logits")) > 1e-2);
        }
    }

    @Test void loraMergedAndOnTheFlyMatchReference(@TempDir Path tmp) throws IOException {
        Path adapter = Fixture.dir().resolve("adapter");
        float[] want = Fixture.floats(expected, "logits_lora");
        assertTrue(Fixture.maxAbsDiff(want, Fixture.floats(expected, "logits")) > 1e-2, "the adapter changes the logits");
        for (Lora.Mode mode : new Lora.Mode[] {Lora.Mode.MERGE, Lora.Mode.ON_THE_FLY}) {
            try (Llama m = LlamaLoader.load(Fixture.dir(), LlamaLoader.Options.defaults().withLora(adapter, mode), backend)) {
                LlamaWeights.Proj q = m.weights().layers().get(0).q();
                assertEquals(mode == Lora.Mode.ON_THE_FLY, q.hasLora());
                assertFalse(m.weights().layers().get(0).gate().hasLora());
                double diff = Fixture.maxAbsDiff(LlamaParityTest.allLogits(m, ids), want);
                System.out.printf("LoRA %s vs logits_lora: max-abs %.3g%n", mode, diff);
                assertTrue(diff < 1e-4, "LoRA " + mode + " logits max-abs diff " + diff);
            }
        }
        // PEFT's pickle format (adapter_model.bin, keys with ".default") gives the same result
        try (Llama m = LlamaLoader.load(Fixture.dir(), LlamaLoader.Options.defaults().withLora(Fixture.dir().resolve("adapter_bin"), Lora.Mode.AUTO), backend)) {
            assertTrue(Fixture.maxAbsDiff(LlamaParityTest.allLogits(m, ids), want) < 1e-4);
        }
        // decode through the cache with the adapter on the fly equals the full pass
        try (Llama m = LlamaLoader.load(Fixture.dir(), LlamaLoader.Options.defaults().withLora(adapter, Lora.Mode.ON_THE_FLY), backend);
             LlamaState st = m.newState(16)) {
            m.prefill(st, java.util.Arrays.copyOf(ids, ids.length - 1));
            float[] last = m.decode(st, ids[ids.length - 1]);
            int v = m.config().vocabSize();
            assertTrue(Fixture.maxAbsDiff(last, java.util.Arrays.copyOfRange(want, (ids.length - 1) * v, ids.length * v)) < 1e-4);
        }
        // on a GGUF (permuted q/k rows) the adapter's B rows are permuted alike; AUTO merges F32 but not Q8_0
        Path f = gguf(tmp, DType.F32);
        try (Llama m = LlamaLoader.load(f, LlamaLoader.Options.defaults().withLora(adapter, Lora.Mode.AUTO), backend)) {
            assertFalse(m.weights().layers().get(1).k().hasLora());
            assertTrue(Fixture.maxAbsDiff(LlamaParityTest.allLogits(m, ids), want) < 1e-4);
        }
        try (Llama m = LlamaLoader.load(f, LlamaLoader.Options.defaults().withLora(adapter, Lora.Mode.ON_THE_FLY), backend)) {
            assertTrue(Fixture.maxAbsDiff(LlamaParityTest.allLogits(m, ids), want) < 1e-4);
        }
        try (Llama m = LlamaLoader.load(Fixture.dir(), new LlamaLoader.Options(DType.Q8_0, adapter, Lora.Mode.AUTO), backend)) {
            assertTrue(m.weights().layers().get(1).v().hasLora(), "quantised weights get the adapter on the fly");
        }
    }

    /** A .safetensors file (config.json beside it) and a hub id in a Hugging Face cache load the same model. */
    @Test void modelPathsFileAndHubCache(@TempDir Path tmp) throws IOException {
        float[] want = Fixture.floats(expected, "logits");
        try (Llama m = LlamaLoader.load(Fixture.dir().resolve("model.safetensors"), backend)) {
            assertTrue(Fixture.maxAbsDiff(LlamaParityTest.allLogits(m, ids), want) < 1e-4);
        }
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Path repo = tmp.resolve("hub/models--acme--tiny-llama");
        Path snap = repo.resolve("snapshots").resolve(commit);
        Files.createDirectories(snap);
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);
        for (String f : new String[] {"config.json", "model.safetensors"}) Files.copy(Fixture.dir().resolve(f), snap.resolve(f));
        Path resolved = LlamaLoader.resolve("acme/tiny-llama", new dev.codi4j.loaders.hub.HfCache(tmp.resolve("hub")));
        assertEquals(snap, resolved);
        try (Llama m = LlamaLoader.load(resolved, backend)) {
            assertTrue(Fixture.maxAbsDiff(LlamaParityTest.allLogits(m, ids), want) < 1e-4);
        }
        Exception e = assertThrows(java.nio.file.NoSuchFileException.class, () -> LlamaLoader.resolve("acme/absent", new dev.codi4j.loaders.hub.HfCache(tmp.resolve("hub"))));
        assertTrue(e.getMessage().contains("acme/absent"), e.getMessage());
    }

    @Test void badAdaptersAreRejectedWithTheReason(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("bad");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\",\"r\":8,\"lora_alpha\":16,\"target_modules\":[\"q_proj\"]}");
        Files.copy(Fixture.dir().resolve("adapter/adapter_model.safetensors"), dir.resolve("adapter_model.safetensors"));
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> LlamaLoader.load(Fixture.dir(), LlamaLoader.Options.defaults().withLora(dir, Lora.Mode.AUTO), backend));
        assertTrue(e.getMessage().contains("rank 8"), e.getMessage());
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\",\"r\":4,\"use_dora\":true,\"target_modules\":[\"q_proj\"]}");
        Exception e2 = assertThrows(IOException.class,
                () -> LlamaLoader.load(Fixture.dir(), LlamaLoader.Options.defaults().withLora(dir, Lora.Mode.AUTO), backend));
        assertTrue(e2.getMessage().contains("DoRA"), e2.getMessage());
    }

    @Test void tiedEmbeddingsShareTheTableAndMissingClassifierIsExplained(@TempDir Path tmp) throws IOException {
        Path s = Fixture.stories();
        if (s != null) {
            try (Llama m = LlamaLoader.load(s, backend)) { assertSame(m.weights().embedTokens(), m.weights().lmHead()); }
        }
        try (Llama m = LlamaLoader.load(Fixture.dir(), backend)) { assertNotSame(m.weights().embedTokens(), m.weights().lmHead()); }
        Path dir = tmp.resolve("nohead");
        Files.createDirectories(dir);
        Files.copy(Fixture.dir().resolve("config.json"), dir.resolve("config.json"));
        try (Weights w = Weights.open(Fixture.dir().resolve("model.safetensors"))) {
            java.util.Map<String, dev.codi4j.tensor.Tensor> m = new java.util.LinkedHashMap<>();
            for (String k : w.keys()) if (!k.equals("lm_head.weight")) m.put(k, w.get(k));
            dev.codi4j.loaders.safetensors.SafetensorsWriter.write(dir.resolve("model.safetensors"), m);
        }
        Exception e = assertThrows(IllegalArgumentException.class, () -> LlamaLoader.load(dir, backend));
        assertTrue(e.getMessage().contains("lm_head.weight") && e.getMessage().contains("tie_word_embeddings"), e.getMessage());
    }
}
