package dev.codi4j.models.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.config.CLIPTextConfig;
import dev.codi4j.loaders.config.CLIPVisionConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.testing.Parity;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.ref.ReferenceBackend;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HF CLIPTextModel(WithProjection) and CLIPVisionModelWithProjection against a PyTorch port of
 * transformers' modeling_clip (tools/fixtures/clip_hf_reference.py) on tiny random configs with HF names.
 * Tolerance: max-abs ≤ 1e-4 · max|x| per tensor, embeddings cosine ≥ 0.99999.
 */
class ClipHfParityTest {
    static final Path DIR = Parity.resource("fixtures/clip");
    static final Backend B = new ReferenceBackend();
    static Weights expected;

    @BeforeAll static void open() throws Exception { expected = Weights.open(DIR.resolve("expected.safetensors")); }

    @AfterAll static void close() { expected.close(); }

    static Tensor exp(String n) { return expected.get(n, DType.F32); }

    @Test void textWithProjectionGeluLegacyEosArgmax() throws Exception {
        try (Weights w = Weights.open(DIR.resolve("text_gelu.safetensors"))) {
            ClipTextModel m = ClipTextModel.load(B, w, CLIPTextConfig.load(DIR.resolve("text_gelu.json")), null);
            assertTrue(w.unused().isEmpty(), "unused: " + w.unused());
            Tensor ids = expected.get("text_gelu.ids");
            ClipTextModel.Output o = m.forward(B, ids, null, true);
            Parity.assertClose("hf text last_hidden", exp("text_gelu.last_hidden_state"), o.lastHiddenState(), 1e-4);
            Parity.assertClose("hf text pooled", exp("text_gelu.pooler_output"), o.pooled(), 1e-4);
            Parity.assertEmbeddings("hf text_embeds", exp("text_gelu.text_embeds"), o.textEmbeds(), 0.99999, 1e-4);
            assertEquals(4, o.hiddenStates().size());
            for (int i = 0; i < 4; i++) Parity.assertClose("hf text hidden " + i, exp("text_gelu.hidden_states." + i), o.hiddenStates().get(i), 1e-4);
            // diffusers encode_prompt(clip_skip=1): final_layer_norm(hidden_states[-2])
            Parity.assertClose("hf clip_skip=1", exp("text_gelu.clip_skip1"), m.encodePrompt(B, ids, 1), 1e-4);
            Parity.assertClose("hf clip_skip=0", exp("text_gelu.last_hidden_state"), m.encodePrompt(B, ids, 0), 1e-4);
        }
    }

    @Test void textQuickGeluFirstEosF16WeightsAndPaddingMask() throws Exception {
        try (Weights w = Weights.open(DIR.resolve("text_quick.safetensors"))) {
            ClipTextModel m = ClipTextModel.load(B, w, CLIPTextConfig.load(DIR.resolve("text_quick.json")), null);
            assertTrue(!m.hasProjection());
            Tensor ids = expected.get("text_quick.ids");
            ClipTextModel.Output o = m.forward(B, ids, null, false);
            assertNull(o.hiddenStates());
            assertNull(o.textEmbeds());
            Parity.assertClose("hf quick last_hidden", exp("text_quick.last_hidden_state"), o.lastHiddenState(), 1e-4);
            Parity.assertClose("hf quick pooled", exp("text_quick.pooler_output"), o.pooled(), 1e-4);
            Tensor masked = m.forward(B, ids, expected.get("text_quick.attention_mask"), false).lastHiddenState();
            Parity.assertClose("hf quick masked", exp("text_quick.masked.last_hidden_state"), masked, 1e-4);
        }
    }

    @Test void visionWithProjection() throws Exception {
        try (Weights w = Weights.open(DIR.resolve("vision.safetensors"))) {
            ClipVisionModel m = ClipVisionModel.load(B, w, CLIPVisionConfig.load(DIR.resolve("vision.json")), null);
            assertTrue(w.unused().isEmpty(), "unused: " + w.unused());
            ClipVisionModel.Output o = m.forward(B, exp("vision.pixel_values"));
            Parity.assertClose("hf vision last_hidden", exp("vision.last_hidden_state"), o.lastHiddenState(), 1e-4);
            Parity.assertClose("hf vision pooled", exp("vision.pooler_output"), o.pooled(), 1e-4);
            Parity.assertEmbeddings("hf image_embeds", exp("vision.image_embeds"), o.imageEmbeds(), 0.99999, 1e-4);
            assertThrows(IllegalArgumentException.class, () -> m.forward(B, Tensor.zeros(DType.F32, 1, 3, 14, 14)));
        }
    }
}
