package dev.codi4j.models.diffusion.pipelines;

import static dev.codi4j.models.diffusion.DiffusionFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.config.SchedulerConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.DiffusionFixtures;
import org.junit.jupiter.api.Test;

/**
 * unCLIP's image-embedding noise augmentation against diffusers' {@code noise_image_embeddings}
 * (normaliser scale, DDPM add_noise at the level, unscale, ⊕ sinusoidal level embedding) at levels
 * 0, 250, 999, within 1e-5 + 1e-5·|x|.
 */
class UnClipNoiseAugmentationTest {
    @Test void matchesDiffusersAtSeveralNoiseLevels() throws Exception {
        try (Weights cases = DiffusionFixtures.weights("pipelines/cases.safetensors");
             Weights norm = DiffusionFixtures.weights("pipelines/unclip/image_normalizer/diffusion_pytorch_model.safetensors")) {
            SchedulerConfig noising = SchedulerConfig.load(DiffusionFixtures.path("pipelines/unclip/image_noising_scheduler/scheduler_config.json"));
            UnClipNoiseAugmentation aug = UnClipNoiseAugmentation.load(norm, 12, noising);
            float[] emb = cases.get("augment.embeds").toFloatArray(), noise = cases.get("augment.noise").toFloatArray();
            for (int level : new int[] {0, 250, 999}) {
                float[] out = aug.apply(emb, 3, level, noise);
                assertClose("noise level " + level, cases.get("augment.out." + level).toFloatArray(), out, 1e-5, 1e-5);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> aug.apply(emb, 3, 1000, noise));
            assertTrue(e.getMessage().contains("[0, 999]"), e.getMessage());
        }
    }
}
