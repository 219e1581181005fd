package dev.codi4j.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.safetensors.SafetensorsWriter;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Sampling;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parity with a float64 PyTorch port of Hugging Face's LlamaForCausalLM on a tiny random GQA config
 * (tools/fixtures/llama_reference.py; transformers itself is not installable here).
 */
class LlamaParityTest {
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

    static float[] allLogits(Llama m, int[] tokens) {
        try (LlamaState st = m.newState(64)) {
            return m.forward(st, tokens, Llama.Select.allLogits()).logits().toFloatArray();
        }
    }

    @Test void f32LogitsAndHiddenStatesMatchWithin1e4() throws IOException {
        try (Llama m = LlamaLoader.load(Fixture.dir(), backend); LlamaState st = m.newState(64)) {
            Llama.Outputs out = m.forward(st, ids, Llama.Select.both((int[]) null));
            float[] want = Fixture.floats(expected, "logits");
            double diff = Fixture.maxAbsDiff(out.logits().toFloatArray(), want);
            assertTrue(Fixture.maxAbs(want) > 1, "logits are not trivially small");
            assertTrue(diff < 1e-4, "F32 logits max-abs diff " + diff);
            double hd = Fixture.maxAbsDiff(out.hidden().toFloatArray(), Fixture.floats(expected, "hidden_states"));
            assertTrue(hd < 1e-4, "hidden states max-abs diff " + hd);
            assertEquals(ids.length, st.position());
        }
    }

    /** The HF checkpoint stored in F16 (as Llama-2-7b-chat-hf is) vs the reference with F16-rounded weights: tolerance 1e-4. */
    @Test void f16CheckpointMatchesF16RoundedReference(@TempDir Path tmp) throws IOException {
        Path dir = f16Copy(tmp);
        try (Llama m = LlamaLoader.load(dir, backend)) {
            assertEquals(DType.F16, m.weights().layers().get(0).q().weight().dtype());
            double diff = Fixture.maxAbsDiff(allLogits(m, ids), Fixture.floats(expected, "logits_f16_weights"));
            assertTrue(diff < 1e-4, "F16 checkpoint logits max-abs diff " + diff);
        }
    }

    /**
     * {@code --dtype} at load converts the 2-D matrices (norms stay F32), like llama.cpp's converter;
     * the reference applies the same rounding (F16, or GGML's reference Q8_0/Q4_0 quantisation) in
     * float64. Tolerance 1e-4 for all three. Each conversion moves the logits by far more than that
     * (F16 9e-3, Q8_0 0.27, Q4_0 4.5 on this tiny model), so the checks can fail.
     */
    @Test void dtypeAtLoadMatchesReferenceWithTheSameRounding() throws IOException {
        for (DType dt : new DType[] {DType.F16, DType.Q8_0, DType.Q4_0}) {
            try (Llama m = LlamaLoader.load(Fixture.dir(), LlamaLoader.Options.defaults().withDType(dt), backend)) {
                assertEquals(dt, m.weights().layers().get(1).down().weight().dtype());
                assertEquals(dt, m.weights().lmHead().dtype());
                String key = "logits_" + (dt == DType.F16 ? "f16_matrices" : dt.name().toLowerCase(java.util.Locale.ROOT));
                float[] want = Fixture.floats(expected, key);
                double diff = Fixture.maxAbsDiff(allLogits(m, ids), want);
                assertTrue(diff < 1e-4, "--dtype " + dt + " logits max-abs diff " + diff);
                assertTrue(Fixture.maxAbsDiff(want, Fixture.floats(expected, "logits")) > 1e-3, "the rounding is visible in " + key);
            }
        }
    }

    static Path f16Copy(Path tmp) throws IOException {
        Path dir = tmp.resolve("f16");
        Files.createDirectories(dir);
        Files.copy(Fixture.dir().resolve("config.json"), dir.resolve("config.json"));
        try (Weights w = Weights.open(Fixture.dir().resolve("model.safetensors"))) {
            Map<String, Tensor> half = new LinkedHashMap<>();
            for (String k : w.keys()) half.put(k, w.get(k, DType.F16));
            SafetensorsWriter.write(dir.resolve("model.safetensors"), half);
        }
        return dir;
    }

    @Test void greedyContinuationOf32TokensIsIdentical() throws IOException {
        int[] want = Fixture.ints(expected, "greedy_ids");
        try (Llama m = LlamaLoader.load(Fixture.dir(), backend); LlamaState st = m.newState(64)) {
            int[] seq = Arrays.copyOf(ids, want.length);
            float[] logits = m.prefill(st, ids);
            for (int i = ids.length; i < want.length; i++) {
                seq[i] = Sampling.argmax(logits);
                if (i + 1 < want.length) logits = m.decode(st, seq[i]);
            }
            assertArrayEquals(want, seq);
        }
    }

    /** Token-by-token decoding through the KV cache and chunked prefill give the logits of one full pass. */
    @Test void cachedDecodeAndChunkedPrefillEqualOneFullPass() throws IOException {
        try (Llama m = LlamaLoader.load(Fixture.dir(), backend)) {
            float[] full = allLogits(m, ids);
            int v = m.config().vocabSize();
            try (LlamaState st = m.newState(64)) {
                float[] first = m.forward(st, Arrays.copyOf(ids, 3), Llama.Select.allLogits()).logits().toFloatArray();
                assertTrue(Fixture.maxAbsDiff(first, Arrays.copyOf(full, 3 * v)) < 1e-5);
                for (int i = 3; i < ids.length; i++) {
                    float[] got = m.decode(st, ids[i]);
                    double d = Fixture.maxAbsDiff(got, Arrays.copyOfRange(full, i * v, (i + 1) * v));
                    assertTrue(d < 1e-5, "decode at position " + i + " differs by " + d);
                }
            }
            try (LlamaState st = m.newState(64, 3)) { // steps of 3 rows: 3 + 3 + 1
                float[] chunked = m.forward(st, ids, Llama.Select.allLogits()).logits().toFloatArray();
                assertTrue(Fixture.maxAbsDiff(chunked, full) < 1e-5);
            }
            try (LlamaState st = m.newState(64, 2)) {
                float[] last = m.prefill(st, ids);
                assertTrue(Fixture.maxAbsDiff(last, Arrays.copyOfRange(full, (ids.length - 1) * v, ids.length * v)) < 1e-5);
            }
        }
    }

    @Test void idsAndInputsEmbedsAgreeAndSplicedFeaturesMatchReference() throws IOException {
        try (Llama m = LlamaLoader.load(Fixture.dir(), backend)) {
            Tensor emb = m.embed(ids);
            float[] byIds, byEmbeds;
            try (LlamaState st = m.newState(64)) { byIds = m.forward(st, ids, Llama.Select.allLogits()).logits().toFloatArray(); }
            try (LlamaState st = m.newState(64)) { byEmbeds = m.forward(st, emb, Llama.Select.allLogits()).logits().toFloatArray(); }
            assertArrayEquals(byIds, byEmbeds, 0f);
            // rows 2..3 replaced by arbitrary feature vectors, as CoDi-2 splices media features
            Tensor spliced = expected.get("inputs_embeds");
            float[] e = spliced.toFloatArray(), mine = emb.toFloatArray();
            int d = m.config().hiddenSize();
            assertTrue(Fixture.maxAbsDiff(Arrays.copyOf(e, 2 * d), Arrays.copyOf(mine, 2 * d)) == 0, "unspliced rows are the token embeddings");
            try (LlamaState st = m.newState(64)) {
                Llama.Outputs out = m.forward(st, spliced, Llama.Select.both((int[]) null));
                double dl = Fixture.maxAbsDiff(out.logits().toFloatArray(), Fixture.floats(expected, "logits_embeds"));
                double dh = Fixture.maxAbsDiff(out.hidden().toFloatArray(), Fixture.floats(expected, "hidden_embeds"));
                assertTrue(dl < 1e-4 && dh < 1e-4, "spliced logits diff " + dl + ", hidden diff " + dh);
            }
            // hidden states at chosen positions only
            try (LlamaState st = m.newState(64)) {
                Tensor h = m.forward(st, spliced, Llama.Select.hidden(3, -1)).hidden();
                assertArrayEquals(new int[] {2, d}, h.shape());
                float[] all = Fixture.floats(expected, "hidden_embeds");
                assertTrue(Fixture.maxAbsDiff(Fixture.row(h, 0), Arrays.copyOfRange(all, 3 * d, 4 * d)) < 1e-4);
                assertTrue(Fixture.maxAbsDiff(Fixture.row(h, 1), Arrays.copyOfRange(all, (ids.length - 1) * d, ids.length * d)) < 1e-4);
            }
        }
    }

    /** An F16 KV cache rounds keys and values: logits within 2e-2 of the reference (max logit ≈ 6; F16 weights move them by 9e-3 too), the greedy path unchanged. */
    @Test void f16KvCacheStaysCloseToTheReference() throws IOException {
        int[] want = Fixture.ints(expected, "greedy_ids");
        try (Llama m = LlamaLoader.load(Fixture.dir(), backend); LlamaState st = m.newState(64, 512, DType.F16)) {
            float[] got = m.forward(st, ids, Llama.Select.allLogits()).logits().toFloatArray();
            double diff = Fixture.maxAbsDiff(got, Fixture.floats(expected, "logits"));
            System.out.printf("F16 KV cache: logits max-abs %.3g%n", diff);
            assertTrue(diff < 2e-2 && diff > 0, "F16 KV cache logits max-abs diff " + diff);
            st.reset();
            int[] seq = Arrays.copyOf(ids, want.length);
            float[] logits = m.prefill(st, ids);
            for (int i = ids.length; i < want.length; i++) {
                seq[i] = Sampling.argmax(logits);
                if (i + 1 < want.length) logits = m.decode(st, seq[i]);
            }
            assertArrayEquals(want, seq);
        }
    }

    /** The same model on the scalar reference backend (the oracle) agrees with the fixture too. */
    @Test void referenceBackendAgrees() throws IOException {
        try (Backend ref = Backends.create("reference"); Llama m = LlamaLoader.load(Fixture.dir(), ref)) {
            double diff = Fixture.maxAbsDiff(allLogits(m, ids), Fixture.floats(expected, "logits"));
            assertTrue(diff < 1e-4, "reference backend logits max-abs diff " + diff);
        }
    }

    @Test void contextLimitIsEnforcedWithATypedErrorAndTheStateIsKept() throws IOException {
        try (Llama m = LlamaLoader.load(Fixture.dir(), backend); LlamaState st = m.newState(8)) {
            m.forward(st, ids, Llama.Select.none());
            ContextLengthException e = assertThrows(ContextLengthException.class, () -> m.forward(st, new int[] {5, 6}, Llama.Select.lastLogits()));
            assertTrue(e.getMessage().contains("context of 8"), e.getMessage());
            assertEquals(7, st.position());
            m.decode(st, 5);
            assertThrows(ContextLengthException.class, () -> m.decode(st, 5));
            assertThrows(IllegalArgumentException.class, () -> m.newState(m.config().maxPositionEmbeddings() + 1));
            assertThrows(IllegalArgumentException.class, () -> m.decode(st, m.config().vocabSize()));
        }
    }
}
