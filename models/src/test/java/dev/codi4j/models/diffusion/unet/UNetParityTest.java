package dev.codi4j.models.diffusion.unet;

import static dev.codi4j.models.diffusion.DiffusionFixtures.assertClose;
import static dev.codi4j.models.diffusion.DiffusionFixtures.cosine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.config.ConfigJson;
import dev.codi4j.loaders.config.UNet2DConditionConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.models.diffusion.DiffusionFixtures;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * UNet2DConditionModel against diffusers v0.27.2's own module on tiny random configs
 * ({@code tools/fixtures/diffusion_models.py}): max |diff| ≤ 2e-4 + 2e-3·|expected| and cosine ≥ 0.99999.
 */
class UNetParityTest {
    static Backend b;

    @BeforeAll static void backend() { b = Backends.create("cpu"); }
    @AfterAll static void close() { b.close(); }

    static UNet2DConditionModel load(String folder, Weights w, DType dtype) throws Exception {
        UNet2DConditionConfig cfg = UNet2DConditionConfig.load(DiffusionFixtures.path(folder + "/config.json"));
        return new UNet2DConditionModel(b, w, cfg, dtype);
    }

    static void check(String what, float[] expected, float[] actual) {
        assertClose(what, expected, actual, 2e-4, 2e-3);
        double cos = cosine(expected, actual);
        assertTrue(cos >= 0.99999, what + ": cosine " + cos);
    }

    @Test void unclipUNetMatchesDiffusers() throws Exception {
        try (Weights w = DiffusionFixtures.weights("unet_unclip/model.safetensors"); Weights io = DiffusionFixtures.weights("unet_unclip/io.safetensors")) {
            UNet2DConditionModel unet = load("unet_unclip", w, null);
            assertTrue(w.unused().isEmpty(), "checkpoint tensors the model never read: " + w.unused());
            assertEquals("projection", unet.config().class_embed_type());
            assertEquals(2, unet.config().num_attention_heads()[0]);
            Tensor x = io.get("sample"), ctx = io.get("encoder_hidden_states"), cls = io.get("class_labels");
            Tensor y = unet.forward(b, x, io.get("timesteps").toFloatArray(), ctx, cls);
            assertEquals(java.util.List.of(2, 4, 8, 8), java.util.Arrays.stream(y.shape()).boxed().toList());
            check("unclip per-sample timesteps", io.get("out").toFloatArray(), y.toFloatArray());
            Tensor y21 = unet.forward(b, x, new float[] {21}, ctx, cls);
            check("unclip scalar timestep", io.get("out_t21").toFloatArray(), y21.toFloatArray());
        }
    }

    @Test void pix2pixUNetWithOddLatentSizeMatchesDiffusers() throws Exception {
        try (Weights w = DiffusionFixtures.weights("unet_pix2pix/model.safetensors"); Weights io = DiffusionFixtures.weights("unet_pix2pix/io.safetensors")) {
            UNet2DConditionModel unet = load("unet_pix2pix", w, null);
            assertTrue(w.unused().isEmpty(), "unused: " + w.unused());
            Tensor y = unet.forward(b, io.get("sample"), new float[] {333}, io.get("encoder_hidden_states"), null);
            check("pix2pix 5×6 latents", io.get("out").toFloatArray(), y.toFloatArray());
        }
    }

    @Test void weightsConvertedToF32AtLoadGiveTheSameResult() throws Exception {
        try (Weights w = DiffusionFixtures.weights("unet_unclip/model.safetensors"); Weights io = DiffusionFixtures.weights("unet_unclip/io.safetensors")) {
            UNet2DConditionModel unet = load("unet_unclip", w, DType.F32);
            Tensor y = unet.forward(b, io.get("sample"), io.get("timesteps").toFloatArray(), io.get("encoder_hidden_states"), io.get("class_labels"));
            check("unclip F32 weights", io.get("out").toFloatArray(), y.toFloatArray());
        }
    }

    @Test void missingOrMisshapedWeightsNameTheTensor() throws Exception {
        try (Weights w = DiffusionFixtures.weights("unet_unclip/model.safetensors")) {
            Map<String, Tensor> m = new HashMap<>();
            for (String k : w.keys()) if (!k.equals("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight")) m.put(k, w.get(k));
            WeightsException e = assertThrows(WeightsException.class, () -> load("unet_unclip", Weights.of(m), null));
            assertTrue(e.getMessage().contains("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight"), e.getMessage());
            m.put("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", Tensor.zeros(DType.F16, 8, 7));
            e = assertThrows(WeightsException.class, () -> load("unet_unclip", Weights.of(m), null));
            assertTrue(e.getMessage().contains("attn2.to_k.weight"), e.getMessage());
        }
    }

    @Test void inputShapeErrorsAreExplained() throws Exception {
        try (Weights w = DiffusionFixtures.weights("unet_unclip/model.safetensors"); Weights io = DiffusionFixtures.weights("unet_unclip/io.safetensors")) {
            UNet2DConditionModel unet = load("unet_unclip", w, null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> unet.forward(b, io.get("sample"), new float[] {1}, io.get("encoder_hidden_states"), null));
            assertTrue(e.getMessage().contains("class"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> unet.forward(b, Tensor.zeros(DType.F32, 2, 3, 8, 8), new float[] {1}, io.get("encoder_hidden_states"), io.get("class_labels")));
            assertTrue(e.getMessage().contains("(B, 4, h, w)"), e.getMessage());
        }
    }

    @Test void configHeadsFollowDiffusersNaming() throws Exception {
        UNet2DConditionConfig sd2 = UNet2DConditionConfig.sd21UnclipH();
        assertEquals(5, sd2.num_attention_heads()[0]);
        assertEquals(1280, sd2.timeEmbedDim());
        UNet2DConditionConfig three = UNet2DConditionConfig.from(ConfigJson.parse(
                "{\"block_out_channels\": [320, 640], \"down_block_types\": [\"CrossAttnDownBlock2D\", \"DownBlock2D\"], "
                        + "\"up_block_types\": [\"UpBlock2D\", \"CrossAttnUpBlock2D\"], \"attention_head_dim\": [3, 10]}", "unet/config.json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UNetSupport.check(three));
        assertTrue(e.getMessage().contains("3 heads"), e.getMessage());
        UNet2DConditionConfig sdxl = UNet2DConditionConfig.from(ConfigJson.parse("{\"addition_embed_type\": \"text_time\"}", "unet/config.json"));
        e = assertThrows(IllegalArgumentException.class, () -> UNetSupport.check(sdxl));
        assertTrue(e.getMessage().contains("addition_embed_type"), e.getMessage());
        FormatException f = assertThrows(FormatException.class, () -> UNetSupport.checkJson(ConfigJson.parse("{\"time_cond_proj_dim\": 256}", "unet/config.json")));
        assertTrue(f.getMessage().contains("unet/config.json") && f.getMessage().contains("time_cond_proj_dim"), f.getMessage());
    }
}
