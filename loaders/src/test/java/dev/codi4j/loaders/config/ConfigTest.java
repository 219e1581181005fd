package dev.codi4j.loaders.config;

import static org.junit.jupiter.api.Assertions.*;

import dev.codi4j.loaders.FormatException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigTest {
    static Path res(String n) throws Exception { return Path.of(ConfigTest.class.getResource("/config/" + n).toURI()); }

    @Test void llama2ChatConfigMatchesPreset() throws Exception {
        LlamaConfig c = LlamaConfig.load(res("llama2-7b-chat-hf.config.json"));
        assertEquals(LlamaConfig.llama2_7b(), c);
        assertEquals(128, c.headDim());
        assertEquals(1, c.groups());
        assertEquals(2, LlamaConfig.tiny().groups());
    }

    @Test void llamaDefaultsAndErrors() throws Exception {
        LlamaConfig c = LlamaConfig.from(ConfigJson.parse("{\"vocab_size\":10,\"hidden_size\":8,\"intermediate_size\":16,\"num_hidden_layers\":1,"
                + "\"num_attention_heads\":2,\"num_key_value_heads\":1,\"rope_theta\":500000.0,\"eos_token_id\":[7,8],\"future_field\":{\"x\":1}}", "c.json"));
        assertEquals(1e-6, c.rmsNormEps(), "transformers' default");
        assertEquals(2048, c.maxPositionEmbeddings());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(4, c.headDim());
        assertEquals(List.of(7, 8), c.eosTokenId());
        assertFalse(c.tieWordEmbeddings());
        FormatException miss = assertThrows(FormatException.class, () -> LlamaConfig.from(ConfigJson.parse("{\"vocab_size\":10}", "cfg/config.json")));
        assertTrue(miss.getMessage().contains("cfg/config.json") && miss.getMessage().contains("has no 'hidden_size'"), miss.getMessage());
        FormatException type = assertThrows(FormatException.class, () -> LlamaConfig.from(ConfigJson.parse(
                "{\"vocab_size\":10,\"hidden_size\":\"big\",\"intermediate_size\":16,\"num_hidden_layers\":1,\"num_attention_heads\":2}", "x.json")));
        assertTrue(type.getMessage().contains("'hidden_size' should be an integer, found \"big\""), type.getMessage());
        FormatException gqa = assertThrows(FormatException.class, () -> LlamaConfig.from(ConfigJson.parse(
                "{\"vocab_size\":10,\"hidden_size\":12,\"intermediate_size\":16,\"num_hidden_layers\":1,\"num_attention_heads\":3,\"num_key_value_heads\":2}", "g.json")));
        assertTrue(gqa.getMessage().contains("multiple"), gqa.getMessage());
        assertThrows(FormatException.class, () -> ConfigJson.parse("[1]", "a.json"));
        assertThrows(FormatException.class, () -> ConfigJson.parse("{\"a\":", "a.json"));
    }

    @Test void unetIntOrListFields() throws Exception {
        UNet2DConditionConfig u = UNet2DConditionConfig.from(ConfigJson.parse("""
                {"_class_name": "UNet2DConditionModel", "attention_head_dim": [5, 10, 20, 20], "block_out_channels": [320, 640, 1280, 1280],
                 "class_embed_type": "projection", "projection_class_embeddings_input_dim": 2048, "cross_attention_dim": 1024,
                 "sample_size": 96, "use_linear_projection": true, "upcast_attention": true, "num_class_embeds": null}""", "unet/config.json"));
        assertArrayEquals(new int[] {5, 10, 20, 20}, u.attention_head_dim());
        assertArrayEquals(new int[] {5, 10, 20, 20}, u.num_attention_heads(), "diffusers: heads default to attention_head_dim");
        assertArrayEquals(new int[] {1024, 1024, 1024, 1024}, u.cross_attention_dim());
        assertArrayEquals(new int[] {2, 2, 2, 2}, u.layers_per_block());
        assertEquals(2048, u.projection_class_embeddings_input_dim());
        assertNull(u.num_class_embeds());
        assertEquals(1280, u.timeEmbedDim());
        UNet2DConditionConfig p = UNet2DConditionConfig.sd21UnclipH();
        assertArrayEquals(p.attention_head_dim(), u.attention_head_dim());
        assertEquals(p.down_block_types(), u.down_block_types());
        UNet2DConditionConfig one = UNet2DConditionConfig.from(ConfigJson.parse("{\"attention_head_dim\": 8, \"layers_per_block\": 1}", "u.json"));
        assertArrayEquals(new int[] {8, 8, 8, 8}, one.attention_head_dim());
        assertArrayEquals(new int[] {1, 1, 1, 1}, one.layers_per_block());
        FormatException bad = assertThrows(FormatException.class, () -> UNet2DConditionConfig.from(ConfigJson.parse("{\"attention_head_dim\": [1, 2]}", "u.json")));
        assertTrue(bad.getMessage().contains("attention_head_dim") && bad.getMessage().contains("4 blocks"), bad.getMessage());
        assertThrows(FormatException.class, () -> UNet2DConditionConfig.from(ConfigJson.parse("{\"class_embed_type\": \"projection\"}", "u.json")));
    }

    @Test void vaeClipAndSchedulers() throws Exception {
        AutoencoderKLConfig v = AutoencoderKLConfig.from(ConfigJson.parse("""
                {"_class_name": "AutoencoderKL", "block_out_channels": [128, 256, 512, 512], "down_block_types": ["DownEncoderBlock2D",
                 "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"], "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D",
                 "UpDecoderBlock2D", "UpDecoderBlock2D"], "layers_per_block": 2, "latent_channels": 4, "sample_size": 768}""", "vae/config.json"));
        assertEquals(0.18215, v.scaling_factor());
        assertEquals(8, v.downsampleFactor());
        assertArrayEquals(AutoencoderKLConfig.sd21().block_out_channels(), v.block_out_channels());

        CLIPVisionConfig vis = CLIPVisionConfig.from(ConfigJson.parse("{\"hidden_size\":1280,\"intermediate_size\":5120,\"num_hidden_layers\":32,"
                + "\"num_attention_heads\":16,\"patch_size\":14,\"projection_dim\":1024,\"hidden_act\":\"gelu\"}", "image_encoder/config.json"));
        assertEquals(CLIPVisionConfig.vitH14(), vis);
        assertEquals(16, vis.gridSize());
        CLIPTextConfig txt = CLIPTextConfig.from(ConfigJson.parse("{\"text_config\":{\"hidden_size\":1024,\"intermediate_size\":4096,\"num_hidden_layers\":23,"
                + "\"num_attention_heads\":16,\"hidden_act\":\"gelu\",\"bos_token_id\":0,\"eos_token_id\":2}}", "clip/config.json"));
        assertEquals(CLIPTextConfig.sd21(), txt);
        assertEquals("quick_gelu", CLIPTextConfig.from(ConfigJson.parse("{\"hidden_size\":8,\"intermediate_size\":8,\"num_hidden_layers\":1,\"num_attention_heads\":1}", "t.json")).hidden_act());

        SchedulerConfig ddim = SchedulerConfig.from(ConfigJson.parse("""
                {"_class_name": "DDIMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": false,
                 "num_train_timesteps": 1000, "prediction_type": "v_prediction", "set_alpha_to_one": false, "steps_offset": 1}""", "scheduler/scheduler_config.json"));
        assertEquals("leading", ddim.timestep_spacing());
        assertEquals(SchedulerConfig.sd21UnclipDdim(), withoutArrays(ddim));
        SchedulerConfig euler = SchedulerConfig.from(ConfigJson.parse("{\"_class_name\": \"EulerDiscreteScheduler\"}", "s.json"));
        assertEquals("linspace", euler.timestep_spacing());
        assertFalse(euler.clip_sample());
        FormatException bad = assertThrows(FormatException.class, () -> SchedulerConfig.from(ConfigJson.parse("{\"prediction_type\": \"x0\"}", "s.json")));
        assertTrue(bad.getMessage().contains("prediction_type"), bad.getMessage());
    }

    /** Records compare arrays by identity; the DDIM config has no arrays set. */
    static SchedulerConfig withoutArrays(SchedulerConfig s) { assertNull(s.trained_betas()); return s; }

    @Test void modelIndex() throws Exception {
        ModelIndex m = ModelIndex.load(res("unclip.model_index.json"));
        assertEquals("StableUnCLIPImg2ImgPipeline", m.className());
        assertEquals(new ModelIndex.Component("diffusers", "UNet2DConditionModel"), m.components().get("unet"));
        assertEquals(new ModelIndex.Component("stable_diffusion", "StableUnCLIPImageNormalizer"), m.components().get("image_normalizer"));
        assertFalse(m.has("safety_checker"));
        assertEquals(List.of("feature_extractor", "image_encoder", "image_noising_scheduler", "image_normalizer", "scheduler", "text_encoder",
                "tokenizer", "unet", "vae"), List.copyOf(m.components().keySet()));
    }
}
